"""The real-handwriting development set: pen-tablet digits replayed as canvas drawings.

`pendigits_dev.npz` holds 7,494 drawings by 30 writers outside MNIST (the
UCI Pen-Based Recognition of Handwritten Digits training writers), each a
280x280 RGBA canvas exactly as `st_canvas` delivers it (2.35 GB
uncompressed). It is read once, one chunk at a time, through the app's own
preprocessing; the 28x28 results (and small thumbnails for contact sheets)
are cached under bench/results, keyed by a hash of the preprocessing code, so
a change to `mnist_core.preprocess` is never scored with stale images.

The set is for measuring and choosing only: never train on it.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from mnist_core import preprocess

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
# Beside the checkout, as the shared data folder is laid out on the development machines.
DEFAULT_PATHS = (REPO_ROOT.parent / "shared" / "data" / "pendigits_dev.npz",)
ENV_VAR = "PENDIGITS_NPZ"
THUMBNAIL = 56
CHUNK = 256
# Bump when what is cached (not the preprocessing, which is hashed) changes.
CACHE_VERSION = 1
ERRORS_PER_DIGIT = 12


@dataclass(frozen=True)
class DevSet:
    """The development set after preprocessing.

    Attributes:
        images: (N, 28, 28) float32, what the model sees (zeros where there was no ink).
        has_ink: (N,) False where the preprocessing found no digit.
        labels: (N,) uint8 digits.
        writers: (N,) int writer ids.
        stroke_widths: (N,) pen width in canvas pixels.
        sizes: (N,) digit size in canvas pixels.
        thumbnails: (N, 56, 56) uint8 grey views of the canvases, for contact sheets.
        preprocess_ms: Median milliseconds of preprocessing per drawing.
    """

    images: np.ndarray
    has_ink: np.ndarray
    labels: np.ndarray
    writers: np.ndarray
    stroke_widths: np.ndarray
    sizes: np.ndarray
    thumbnails: np.ndarray
    preprocess_ms: float


def find_dev_npz(path: str | Path | None = None) -> Path | None:
    """The development set named by `path`, else $PENDIGITS_NPZ, else the shared data folder."""
    candidates = [path] if path else [os.environ.get(ENV_VAR), *DEFAULT_PATHS]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def preprocessing_fingerprint(*modules) -> str:
    """A short hash of the source files of the preprocessing modules (default `mnist_core.preprocess`)."""
    digest = hashlib.sha1(f"v{CACHE_VERSION}".encode())
    for module in modules or (preprocess,):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:10]


def iter_canvases(path: Path, chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Yields the `images` array of an npz in (chunk, H, W, 4) pieces, never the whole array."""
    with zipfile.ZipFile(path) as archive, archive.open("images.npy") as stream:
        version = np.lib.format.read_magic(stream)
        read_header = (
            np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        )
        shape, fortran, dtype = read_header(stream)
        if fortran or len(shape) != 4:
            raise ValueError(f"{path}: images has shape {shape}; expected C-ordered (N, H, W, 4).")
        per_image = int(np.prod(shape[1:])) * dtype.itemsize
        for start in range(0, shape[0], chunk):
            count = min(chunk, shape[0] - start)
            buffer = stream.read(per_image * count)
            yield np.frombuffer(buffer, dtype).reshape(count, *shape[1:])


def load_dev_set(
    path: Path,
    results_dir: Path = RESULTS_DIR,
    preprocess_one: Callable[[np.ndarray], np.ndarray | None] | None = None,
    key: str | None = None,
) -> DevSet:
    """The preprocessed development set, from the cache or made (and cached) now.

    Args:
        path: The pendigits-layout npz (`images`, `labels`, `writer`, `stroke_width`, `size_px`).
        results_dir: Where the cache lives.
        preprocess_one: Canvas -> 28x28 (or None); default `canvas_to_mnist`.
        key: Cache key of a non-default `preprocess_one` (default: the fingerprint of
            `mnist_core.preprocess`).
    """
    import time

    preprocess_one = preprocess_one or preprocess.canvas_to_mnist
    stat = Path(path).stat()
    identity = f"{Path(path).resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    source = hashlib.sha1(identity.encode()).hexdigest()[:8]
    cache = Path(results_dir) / f"pendigits_{source}_{key or preprocessing_fingerprint()}.npz"
    with np.load(path) as data:
        labels, writers = data["labels"].astype(np.uint8), data["writer"].astype(np.int64)
        stroke_widths, sizes = data["stroke_width"], data["size_px"]
    if cache.is_file():
        with np.load(cache) as saved:
            return DevSet(
                saved["images"],
                saved["has_ink"],
                labels,
                writers,
                stroke_widths,
                sizes,
                saved["thumbnails"],
                float(saved["preprocess_ms"]),
            )
    images = np.zeros((len(labels), 28, 28), np.float32)
    has_ink = np.zeros(len(labels), bool)
    thumbnails = np.zeros((len(labels), THUMBNAIL, THUMBNAIL), np.uint8)
    seconds = []
    index = 0
    for chunk in iter_canvases(path):
        for canvas in chunk:
            start = time.perf_counter()
            image = preprocess_one(canvas)
            seconds.append(time.perf_counter() - start)
            if image is not None:
                images[index], has_ink[index] = image, True
            grey = Image.fromarray(np.ascontiguousarray(canvas[..., 0]))
            thumbnails[index] = np.asarray(grey.resize((THUMBNAIL, THUMBNAIL), Image.Resampling.BOX))
            index += 1
    if index != len(labels):
        raise ValueError(f"{path}: {index} images but {len(labels)} labels; expected one label per image.")
    preprocess_ms = float(np.median(seconds) * 1000)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        cache, images=images, has_ink=has_ink, thumbnails=thumbnails, preprocess_ms=preprocess_ms
    )
    return DevSet(images, has_ink, labels, writers, stroke_widths, sizes, thumbnails, preprocess_ms)


def score_dev_model(model, dev: DevSet) -> tuple[dict, np.ndarray, np.ndarray]:
    """Figures for one model on the development set, as the Draw page would answer.

    Returns:
        (figures, predicted digit per drawing (-1 where there was no ink), confidence per drawing).
    """
    from mnist_core.predict import predict_probabilities

    labels = dev.labels.astype(int)
    probabilities = predict_probabilities(model, dev.images)
    predicted = np.where(dev.has_ink, probabilities.argmax(axis=1), -1)
    confidence = np.where(dev.has_ink, probabilities.max(axis=1), 0.0)
    correct = predicted == labels
    per_writer = {int(w): float(correct[dev.writers == w].mean()) for w in np.unique(dev.writers)}
    worst = min(per_writer, key=per_writer.get)
    wrong = ~correct
    figures = {
        "accuracy": round(float(correct.mean()), 4),
        "per_digit": {str(d): round(float(correct[labels == d].mean()), 4) for d in np.unique(labels)},
        "worst_digit": round(float(min(correct[labels == d].mean() for d in np.unique(labels))), 4),
        "writers": {
            "min": round(per_writer[worst], 4),
            "median": round(float(np.median(list(per_writer.values()))), 4),
            "worst": worst,
            "each": {str(w): round(a, 4) for w, a in per_writer.items()},
        },
        "no_ink": int((~dev.has_ink).sum()),
        "confusions": {
            f"{true}->{guess}": n
            for (true, guess), n in Counter(zip(labels[wrong], predicted[wrong], strict=True)).most_common(8)
        },
    }
    return figures, predicted, confidence


def save_error_sheet(
    dev: DevSet, predicted: np.ndarray, confidence: np.ndarray, path: Path, per_digit: int = ERRORS_PER_DIGIT
) -> Path | None:
    """A contact sheet of errors, up to `per_digit` per true digit: each canvas, then the 28x28 seen."""
    from bench.drawn_digits import save_contact_sheet

    tiles, captions = [], []
    for digit in np.unique(dev.labels):
        failed = np.flatnonzero((predicted != dev.labels) & (dev.labels == digit))[:per_digit]
        for index in failed:
            guess = "no ink" if predicted[index] < 0 else f"{predicted[index]} {confidence[index]:.2f}"
            tiles += [dev.thumbnails[index], dev.images[index]]
            captions += [f"{dev.labels[index]} as {guess}", f"#{index} w{dev.writers[index]}"]
    if not tiles:
        return None
    return save_contact_sheet(tiles, path, captions, columns=16, cell=80)


def print_dev_figures(name: str, figures: dict) -> None:
    writers = figures["writers"]
    print(
        f"[real drawings] {name}: accuracy {figures['accuracy']:.2%}, worst digit "
        f"{figures['worst_digit']:.1%}, writers min {writers['min']:.1%} (writer {writers['worst']}) "
        f"median {writers['median']:.1%}, no ink {figures['no_ink']}"
    )
    print("    per digit: " + " ".join(f"{d}:{a:.1%}" for d, a in figures["per_digit"].items()))
    print(
        "    top confusions (true->predicted): "
        + ", ".join(f"{k}:{n}" for k, n in figures["confusions"].items())
    )
