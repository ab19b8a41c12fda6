"""Tests for mnist_core.cli: `python -m mnist_core train|evaluate|predict|presets`."""

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnist_core.cli import build_parser, main
from mnist_core.persistence import sidecar_path
from mnist_core.presets import PRESETS
from tests.processes import run_python

REPO_ROOT = Path(__file__).resolve().parent.parent
# The documented small training run: a 16-unit MLP, one epoch on 300 digits.
TRAIN_ARGS = ["train", "--model", "mlp", "--hidden-units", "16", "--epochs", "1"]
TRAIN_ARGS += ["--train-size", "300", "--validation-size", "100"]


def _commands():
    parser = build_parser()
    subparsers = next(action for action in parser._actions if action.dest == "command")
    return subparsers, subparsers.choices


def _run_module(*args, timeout=60):
    """Runs `python -m mnist_core ARGS` from the repository root, as a user would."""
    return run_python("-m", "mnist_core", *args, timeout=timeout)


def test_every_command_has_help_text(capsys):
    subparsers, commands = _commands()
    helps = {action.dest: action.help for action in subparsers._choices_actions}

    assert set(commands) == {
        "train",
        "evaluate",
        "predict",
        "presets",
        "finetune",
        "shift-average",
        "explain",
    }
    for name, command in commands.items():
        assert helps[name] and command.description, name
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        output = capsys.readouterr().out
        assert output.startswith(f"usage: python -m mnist_core {name}")
        assert command.description.split()[0] in output
        for action in command._actions:
            if action.option_strings and action.dest != "help" and action.help is None:
                assert action.choices, f"{name} {action.option_strings} has neither help nor choices"


def test_module_help_lists_commands():
    completed = _run_module("--help")

    assert completed.returncode == 0
    for name in ("train", "evaluate", "predict", "presets"):
        assert name in completed.stdout


def test_presets_lists_every_preset(capsys):
    assert main(["presets"]) == 0

    output = capsys.readouterr().out
    for name, preset in PRESETS.items():
        assert f"{name}\n  {preset.description}" in output


@pytest.fixture(scope="module")
def trained_by_cli(tmp_path_factory, tiny_npz):
    """Runs the documented small `train` command once; returns (model path, stdout, stderr, code)."""
    out = tmp_path_factory.mktemp("cli") / "x.keras"
    # capsys is function-scoped, so this module-scoped fixture captures the streams itself.
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([*TRAIN_ARGS, "--data", str(tiny_npz), "--out", str(out)])
    return out, stdout.getvalue(), stderr.getvalue(), code


def test_train_prints_json_and_writes_model(trained_by_cli):
    out, stdout, stderr, code = trained_by_cli

    assert code == 0
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["status"] == "done" and result["out"] == str(out)
    assert result["epochs_run"] == 1 and result["stop_reason"] == "completed"
    assert result["params"] == 784 * 16 + 16 + 16 * 10 + 10
    assert out.is_file() and sidecar_path(out).is_file()
    sidecar = json.loads(sidecar_path(out).read_text())
    assert sidecar["config"]["model"]["hidden_units"] == [16]
    assert sidecar["config"]["train_size"] == 300 and sidecar["test_accuracy"] == result["test_accuracy"]
    assert "epoch 1/1: loss" in stderr and "val_accuracy" in stderr
    assert "MLP: dense 16 → 10 softmax" in stderr


def test_evaluate_prints_one_json_object(trained_by_cli, tiny_npz, capsys):
    out = trained_by_cli[0]

    assert main(["evaluate", "--model", str(out), "--data", str(tiny_npz)]) == 0

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["split"] == "test" and report["examples"] == 200
    assert report["accuracy"] == pytest.approx(
        json.loads(trained_by_cli[1].splitlines()[-1])["test_accuracy"]
    )
    assert report["loss"] > 0
    confusion = np.array(report["confusion_matrix"])
    assert confusion.shape == (10, 10) and confusion.sum() == 200
    assert np.trace(confusion) / 200 == pytest.approx(report["accuracy"])
    assert sorted(report["per_class_accuracy"], key=int) == [str(digit) for digit in range(10)]


def test_evaluate_validation_split(trained_by_cli, tiny_npz, capsys):
    assert (
        main(
            ["evaluate", "--model", str(trained_by_cli[0]), "--data", str(tiny_npz), "--split", "validation"]
        )
        == 0
    )

    report = json.loads(capsys.readouterr().out)
    assert report["split"] == "validation" and report["examples"] == 60


def test_predict_good_blank_and_missing_images(trained_by_cli, digit_canvas, tmp_path, capsys):
    canvas, _ = digit_canvas
    good, blank, missing = tmp_path / "good.png", tmp_path / "blank.png", tmp_path / "missing.png"
    Image.fromarray(canvas).save(good)
    Image.new("RGB", (280, 280), "black").save(blank)

    code = main(["predict", "--model", str(trained_by_cli[0]), str(good), str(blank), str(missing)])

    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert code != 0
    assert [line["file"] for line in lines] == [str(good), str(blank), str(missing)]
    probabilities = lines[0]["probabilities"]
    assert len(probabilities) == 10 and sum(probabilities) == pytest.approx(1.0, abs=1e-4)
    assert lines[0]["digit"] == int(np.argmax(probabilities))
    assert lines[0]["confidence"] == pytest.approx(max(probabilities))
    assert "error" not in lines[0]
    assert lines[1]["digit"] is None and "empty" in lines[1]["error"]
    assert lines[2]["digit"] is None and "does not exist" in lines[2]["error"]


def test_predict_all_good_exits_zero(trained_by_cli, digit_canvas, tmp_path, capsys):
    good = tmp_path / "good.png"
    Image.fromarray(digit_canvas[0]).save(good)

    assert main(["predict", "--model", str(trained_by_cli[0]), str(good)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["digit"] == int(np.argmax(line["probabilities"])) and "error" not in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--model", "mlp", "--data", "{tmp}/none.npz", "--out", "{tmp}/m.keras"], "does not exist"),
        (["train", "--model", "mlp", "--epochs", "0", "--out", "{tmp}/m.keras"], "epochs=0 is out of range"),
        (["train", "--model", "mlp", "--out", "{tmp}/m.h5"], "must end in .keras"),
        (
            ["train", "--model", "mlp", "--hidden-units", "64,big", "--out", "{tmp}/m.keras"],
            "'big' is not a whole",
        ),
        (["train", "--preset", "resnet", "--out", "{tmp}/m.keras"], "preset 'resnet' does not exist"),
        (["train", "--preset", "", "--out", "{tmp}/m.keras"], "--preset is empty"),
        (["train", "--model", "mlp", "--data", "", "--out", "{tmp}/m.keras"], "--data is empty"),
        (
            ["train", "--model", "mlp", "--filters", "8", "--out", "{tmp}/m.keras"],
            "'filters' is not a setting of an MLP",
        ),
        (
            ["train", "--model", "cnn", "--kernel-size", "3,3,3", "--out", "{tmp}/m.keras"],
            "one per conv block (2)",
        ),
        (["evaluate", "--model", "models/cnn.keras", "--data", " "], "--data is empty"),
        (["evaluate", "--model", "{tmp}/none.keras"], "does not exist"),
        (["predict", "--model", "{tmp}/none.keras", "a.png"], "does not exist"),
        (["explain", "{tmp}/none.png", "--out", "{tmp}/out"], "does not exist"),
        (["explain", "pyproject.toml", "--out", "{tmp}/out"], "not"),
        (["explain", "README.md", "--out", "README.md"], "is a file; give a folder"),
    ],
    ids=[
        "missing data",
        "zero epochs",
        "not keras",
        "bad units",
        "bad preset",
        "empty preset",
        "empty data",
        "cnn option for mlp",
        "block count",
        "empty data evaluate",
        "no model",
        "no model 2",
        "explain missing image",
        "explain not an image",
        "explain out is a file",
    ],
)
def test_user_error_exits_2_with_one_line(tmp_path, args, message):
    completed = _run_module(*(arg.format(tmp=tmp_path) for arg in args))

    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert message in lines[0]
    assert completed.stdout == ""


def test_usage_error_exits_2_without_traceback():
    completed = _run_module("train", "--model", "rnn", "--out", "x.keras")

    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr and "invalid choice: 'rnn'" in completed.stderr


def test_train_options_reach_the_configuration():
    from mnist_core.cli.train import config_from_args

    options = "--model cnn --out m.keras --filters 8,16 --strides 2,1 --pooling false --no-batch-norm"
    options += " --dense-units none --dense-dropout-rate 0.3 --early-stopping-patience 2"
    args = build_parser().parse_args(["train", *options.split()])
    config = config_from_args(args)

    assert [(block.filters, block.strides, block.pooling) for block in config.model.conv_blocks] == [
        (8, 2, False),
        (16, 1, False),
    ]
    assert config.model.dense_units == () and config.model.dense_dropout_rate == 0.3
    assert config.early_stopping_patience == 2 and config.model.batch_norm is False


def test_predict_batch_answers_every_file_after_a_hostile_one(trained_by_cli, digit_canvas, tmp_path, capsys):
    good = tmp_path / "good.png"
    Image.fromarray(digit_canvas[0]).save(good)
    gif = io.BytesIO()
    Image.new("L", (40, 40)).save(gif, format="GIF")
    corrupt = tmp_path / "corrupt.gif"
    corrupt.write_bytes(gif.getvalue()[:-1] + b",")  # The trailer replaced: struct.error inside Pillow.
    folder = tmp_path / "folder.png"
    folder.mkdir()
    files = [corrupt, folder, good]

    code = main(["predict", "--model", str(trained_by_cli[0]), *map(str, files)])

    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert code == 1 and [line["file"] for line in lines] == list(map(str, files))
    assert lines[0]["digit"] is None and "damaged or truncated" in lines[0]["error"]
    assert lines[1]["digit"] is None and "is a directory, not a file" in lines[1]["error"]
    assert lines[2]["digit"] in range(10)


def test_train_pen_augment_option_sets_the_config_field():
    from mnist_core.cli.train import config_from_args

    base = ["train", "--preset", "fast-cnn", "--out", "m.keras"]

    assert config_from_args(build_parser().parse_args([*base, "--pen-augment"])).pen_augment is True
    assert config_from_args(build_parser().parse_args(base)).pen_augment is False


def test_explain_writes_the_input_the_map_and_every_layers_pictures(digit_canvas, tiny_npz, tmp_path, capsys):
    canvas, label = digit_canvas
    picture, out = tmp_path / "digit.png", tmp_path / "inside"
    Image.fromarray(canvas).save(picture)

    assert main(["explain", str(picture), "--out", str(out), "--data", str(tiny_npz)]) == 0

    line = json.loads(capsys.readouterr().out)
    assert line["digit"] == label and 0.5 < line["confidence"] <= 1.0
    assert line["layers"][1] == {"name": "conv_1", "kind": "Conv2D", "shape": [12, 12, 64]}
    nearest = line["nearest"]
    assert len(nearest) == 8 and [n["distance"] for n in nearest] == sorted(n["distance"] for n in nearest)
    train_labels = np.load(tiny_npz)["y_train"]
    assert all(train_labels[n["index"]] == n["label"] for n in nearest)
    assert sum(n["label"] == label for n in nearest) >= 4
    image, saliency = np.load(out / "input.npy"), np.load(out / "saliency.npy")
    assert (
        image.shape == saliency.shape == (28, 28)
        and image.dtype == np.float32
        and 0 <= image.min() <= image.max() <= 1
    )
    assert np.abs(saliency).sum() > 0
    for name in ("input.png", "saliency.png", "layer_02_conv_1.png", "filters.png"):
        assert name in line["files"] and Image.open(out / name).size[0] > 28
    assert not (out / "layer_08_flatten.png").exists()  # 3,200 numbers: no picture.


def test_explain_a_blank_picture_is_one_sentence(tmp_path, capsys):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (280, 280), "white").save(blank)
    assert main(["explain", str(blank), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "empty" in error and error.count("\n") == 1
