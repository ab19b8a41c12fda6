"""Someone's handwriting as a data set: folders `0/` … `9/` of pictures, zipped or on disk.

The export layout is what `python -m mnist_core finetune --drawings` and the
My handwriting page's import read: one folder per digit (optionally inside
one top folder), each picture a canvas drawing or a photo of a digit, turned
into the 28x28 the models see by the one preprocessing, `canvas_to_mnist`.
An imported archive is checked like every upload before anything is read:
member count, names, sizes, formats; a picture that cannot be used is skipped
with a one-sentence reason, never a traceback.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_core.errors import DataError, ImageFileError, shorten
from mnist_core.files import ZipLimits, open_zip
from mnist_core.images import MAX_FILE_BYTES, read_image
from mnist_core.preprocess import canvas_to_mnist

MAX_PICTURES = 2000
MAX_ARCHIVE_BYTES = 200_000_000
# A picture's path: a digit folder, optionally inside one top folder ("drawings/3/a.png").
PICTURE_PATH = re.compile(r"^(?:[^/]+/)?([0-9])/[^/]+\.(?:png|jpe?g|gif|bmp|webp)$", re.IGNORECASE)


@dataclass(frozen=True)
class Picture:
    """One usable picture of a digit: its label, its file's name and bytes, and the 28x28 the model sees."""

    label: int
    name: str
    data: bytes
    image: np.ndarray


@dataclass(frozen=True)
class Import:
    """What an archive or folder held: the usable pictures, and one sentence per skipped file."""

    pictures: list[Picture]
    skipped: list[str]

    @property
    def images(self) -> np.ndarray:
        """(N, 28, 28) uint8, as the training pipeline takes them."""
        stacked = (
            np.stack([picture.image for picture in self.pictures]) if self.pictures else np.zeros((0, 28, 28))
        )
        return np.round(np.clip(stacked, 0.0, 1.0) * 255).astype(np.uint8)

    @property
    def labels(self) -> np.ndarray:
        return np.array([picture.label for picture in self.pictures], np.uint8)


def export_zip(pictures: list[tuple[int, str, bytes]]) -> bytes:
    """A zip of folders `0/` … `9/` holding each (label, file name, PNG bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for label, name, data in pictures:
            archive.writestr(f"{int(label)}/{Path(name).name}", data)
    return buffer.getvalue()


def read_zip(data: bytes, label: str = "the archive") -> Import:
    """The pictures of an exported (or hand-made) zip, checked before anything is decompressed.

    Raises:
        DataError: Not a zip, over the limits, or no usable picture in it.
    """
    limits = ZipLimits(MAX_PICTURES + 64, MAX_FILE_BYTES, MAX_ARCHIVE_BYTES)
    archive = open_zip(
        io.BytesIO(data),
        limits,
        error=DataError,
        label=label,
        kind="a handwriting archive",
        fix=f"export folders 0/ to 9/ of PNG or JPEG pictures (at most {MAX_PICTURES})",
    )
    pictures: list[Picture] = []
    skipped: list[str] = []
    with archive:
        for member in archive.infolist():
            if member.is_dir():
                continue
            match = PICTURE_PATH.match(member.filename)
            if match is None:
                skipped.append(f"{shorten(member.filename)}: not a picture in a folder named 0 to 9.")
                continue
            _add(pictures, skipped, int(match.group(1)), member.filename, archive.read(member))
    return _checked(Import(pictures, skipped), label)


def read_folder(path: Path) -> Import:
    """The pictures of folders `0/` … `9/` under `path`.

    Raises:
        DataError: Not a folder, or no usable picture in it.
    """
    if not path.is_dir():
        raise DataError(f"{shorten(path)} is not a folder; give a folder of 0/ to 9/ folders or their zip.")
    pictures: list[Picture] = []
    skipped: list[str] = []
    for digit in range(10):
        for file in sorted((path / str(digit)).glob("*")) if (path / str(digit)).is_dir() else []:
            if len(pictures) + len(skipped) >= MAX_PICTURES:
                skipped.append(f"Only the first {MAX_PICTURES} pictures were read.")
                return _checked(Import(pictures, skipped), str(path))
            try:
                canvas = read_image(file, shorten(file.name))
            except ImageFileError as error:
                skipped.append(str(error))
                continue
            _keep(pictures, skipped, digit, file.name, b"", canvas)
    return _checked(Import(pictures, skipped), str(path))


def _add(pictures: list[Picture], skipped: list[str], label: int, name: str, data: bytes) -> None:
    try:
        canvas = read_image(data, shorten(Path(name).name))
    except ImageFileError as error:
        skipped.append(str(error))
        return
    _keep(pictures, skipped, label, name, data, canvas)


def _keep(pictures: list[Picture], skipped: list[str], label: int, name: str, data: bytes, canvas) -> None:
    image = canvas_to_mnist(canvas, source="picture")
    if image is None:
        skipped.append(f"{shorten(Path(name).name)}: no digit in it (blank, or just a dot).")
        return
    pictures.append(Picture(label, Path(name).name, data, image))


def _checked(found: Import, label: str) -> Import:
    if not found.pictures:
        reason = f" ({found.skipped[0]})" if found.skipped else ""
        raise DataError(f"{shorten(label)} holds no usable picture of a digit in folders 0 to 9{reason}.")
    return found
