"""Tests for mnist_core.handwriting and the finetune command: drawings as folders 0/ … 9/, zipped or not."""

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_core.cli import main
from mnist_core.errors import DataError
from mnist_core.handwriting import MAX_PICTURES, export_zip, read_folder, read_zip
from mnist_core.persistence import load_model, save_model
from tests.hostile_zips import declare_unpacked_size, zip_bytes


def drawing_png(digit: int, shift: int = 0) -> bytes:
    """A canvas-like picture: white strokes on black, a rough shape per digit."""
    image = Image.new("RGBA", (280, 280), "black")
    pen = ImageDraw.Draw(image)
    x = 100 + shift
    if digit == 1:
        pen.line([(x + 40, 50), (x + 40, 230)], fill="white", width=20)
    else:
        pen.ellipse([x, 60, x + 90, 220], outline="white", width=20)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_export_then_import_gives_back_the_drawings():
    pictures = [(1, f"one-{n}.png", drawing_png(1, n)) for n in range(3)] + [(0, "zero.png", drawing_png(0))]

    found = read_zip(export_zip(pictures))

    assert sorted(found.labels.tolist()) == [0, 1, 1, 1] and found.skipped == []
    assert found.images.shape == (4, 28, 28) and found.images.dtype == np.uint8
    assert found.images.max() == 255
    names = zipfile.ZipFile(io.BytesIO(export_zip(pictures))).namelist()
    assert names == ["1/one-0.png", "1/one-1.png", "1/one-2.png", "0/zero.png"]


def test_import_skips_what_it_cannot_use_with_a_reason_each():
    archive = zip_bytes(
        {
            "mine/3/good.png": drawing_png(0),
            "3/notes.txt": b"hello",
            "7/fake.png": b"not a picture",
            "7/blank.png": _blank_png(),
            "x/odd.png": drawing_png(1),
        }
    )

    found = read_zip(archive, "mine.zip")

    assert found.labels.tolist() == [3]
    assert len(found.skipped) == 4
    assert any("fake.png" in reason and "not an image" in reason for reason in found.skipped)
    assert any("blank.png" in reason and "no digit" in reason for reason in found.skipped)
    assert sum("folder named 0 to 9" in reason for reason in found.skipped) == 2


def _blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100), "black").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (b"plain text, not a zip", "not a zip archive"),
        (zip_bytes({"../../etc/1/x.png": drawing_png(1)}), r"\.\."),
        (zip_bytes({"/abs/1/x.png": drawing_png(1)}), "absolute"),
        (declare_unpacked_size(zip_bytes({"1/bomb.png": b"x" * 100}), "1/bomb.png", 2**31), "1/bomb.png"),
        (zip_bytes({"1/x.txt": b"x"}), "no usable picture"),
    ],
    ids=["not a zip", "traversal", "absolute", "bomb", "nothing usable"],
)
def test_hostile_archives_are_refused_in_one_sentence(archive, message):
    with pytest.raises(DataError, match=message) as refused:
        read_zip(archive, "upload.zip")
    assert "\n" not in str(refused.value)


def test_an_archive_of_a_hundred_thousand_files_is_refused_before_reading_them():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # More than 65,535 members: a zip64 directory.
        for number in range(100_000):
            archive.writestr(f"1/{number}.png", b"")
    with pytest.raises(DataError, match=f"100,000 members.*at most {MAX_PICTURES + 64}"):
        read_zip(buffer.getvalue(), "many.zip")


def test_a_folder_of_digit_folders_is_read(tmp_path):
    for digit in (0, 1):
        (tmp_path / str(digit)).mkdir()
        (tmp_path / str(digit) / "a.png").write_bytes(drawing_png(digit))
    (tmp_path / "1" / "broken.png").write_bytes(b"\x89PNG broken")

    found = read_folder(tmp_path)

    assert found.labels.tolist() == [0, 1] and len(found.skipped) == 1
    with pytest.raises(DataError, match="not a folder"):
        read_folder(tmp_path / "missing")


def test_finetune_command_teaches_and_prints_one_json_line(trained, tiny_npz, tmp_path, capsys):
    model_path = save_model(trained.model, tmp_path / "base.keras", config=trained.config)
    archive = tmp_path / "mine.zip"
    pictures = [(digit, f"{digit}-{n}.png", drawing_png(digit, 3 * n)) for digit in (0, 1) for n in range(6)]
    archive.write_bytes(export_zip(pictures))
    out = tmp_path / "taught.keras"

    code = main(
        [
            "finetune",
            "--model",
            str(model_path),
            "--drawings",
            str(archive),
            "--out",
            str(out),
            "--data",
            str(tiny_npz),
        ]
    )

    assert code == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["status"] == "done" and line["drawings"] == 12 and line["method"] == "5-fold"
    assert 0 <= line["before"] <= 1 and line["after"] >= line["before"] - 0.25
    assert line["mnist_after"] is not None and line["mnist_before"] is not None
    taught = load_model(out)
    assert taught.info["handwriting"]["after"] == line["after"]
    assert taught.model.count_params() == trained.model.count_params()


def test_finetune_with_too_few_drawings_says_how_many_are_needed(trained, tiny_npz, tmp_path, capsys):
    model_path = save_model(trained.model, tmp_path / "base.keras", config=trained.config)
    archive = tmp_path / "few.zip"
    archive.write_bytes(export_zip([(1, "a.png", drawing_png(1)), (0, "b.png", drawing_png(0))]))

    code = main(
        [
            "finetune",
            "--model",
            str(model_path),
            "--drawings",
            str(archive),
            "--out",
            str(tmp_path / "t.keras"),
        ]
    )

    assert code == 2
    assert "at least 10 drawings and there are 2; draw 8 more" in capsys.readouterr().err
