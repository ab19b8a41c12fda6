"""Training digits re-drawn with a pen: augmentation that looks like canvas drawings.

Every MNIST training digit is traced to its pen path once
(`pen_strokes.digit_strokes`); each copy then gets a random hand (a smooth
deformation, rotation, slant, aspect, and now and then a continental 1 or 7
or a 9 with a curled tail, see `pen_variants`), is drawn with a round pen of
random width the way the canvas draws, and goes through `canvas_to_mnist`,
the very preprocessing a drawing gets at prediction time. The copies are
rendered once, in worker processes, and cached as uint8 outside the
repository (`$MNIST_PEN_CACHE`, default ~/.cache/mnist-playground); the
training pipeline then picks the original or one of the copies for each
example in each epoch (`variant_gatherer`).

Training-time only: tracing needs scikit-image (requirements-dev.txt).
"""

from __future__ import annotations

import hashlib
import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import astuple, dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from mnist_core import pen_variants, preprocess

CACHE_ENV = "MNIST_PEN_CACHE"
WORKERS_ENV = "MNIST_PEN_WORKERS"
DEFAULT_CACHE = Path.home() / ".cache" / "mnist-playground"
# Pen-drawn copies per training digit, and the share of examples that stay original MNIST.
VARIANTS = 4
ORIGINAL_SHARE = 0.5
# The copies are data, not a training choice: one fixed seed, so every run shares the cache.
RENDER_SEED = 0
# Ink height of a rendered digit in pixels, drawn at twice that and reduced, as a browser anti-aliases.
RENDER_HEIGHT = 96
SUPERSAMPLE = 2
# Digits whose ink a constant-width pen cannot reproduce (filled loops, smudges) keep their original.
MIN_COVERAGE = 0.75
CHUNK = 1000


@dataclass(frozen=True)
class PenStyle:
    """How the pen-drawn copies vary; ranges are sampled uniformly unless said otherwise.

    Attributes:
        pen_shares: Pen width as a share of the digit's ink height, sampled
            log-uniformly (the canvas's 10-30 px pen on a 120-240 px digit spans 0.04-0.25).
        max_rotation: Largest rotation either way, degrees.
        max_slant: Largest shear either way, degrees.
        max_stretch: Widths scale by a factor between 1 / max_stretch and max_stretch.
        deformation: Largest smooth displacement of the pen path, MNIST pixels.
        continental_share: Share of 1s given a flag and of 7s given a crossbar.
        flag_lengths: Range of a 1's flag length, as a share of its height.
        flag_angles: Range of the flag's angle below the horizontal, degrees.
        curl_share: Share of 9s whose tail curls to the left.
        curl_radii: Range of the curl's radius, as a share of the 9's height.
        curl_sweeps: Range of how far the pen turns along the curl, degrees.
    """

    pen_shares: tuple[float, float] = (0.04, 0.25)
    max_rotation: float = 10.0
    max_slant: float = 15.0
    max_stretch: float = 1.25
    deformation: float = 1.0
    # These styles are common outside the US and rare in MNIST, so they are
    # drawn often: about half the pen-drawn 1s, 7s and 9s get one.
    continental_share: float = 0.5
    flag_lengths: tuple[float, float] = (0.2, 0.55)
    # Flags down to 20 degrees read real flagged 1s better but turn a few of
    # MNIST's own 7s into 1s; the default CNN's shift averaging wins those back.
    flag_angles: tuple[float, float] = (20.0, 65.0)
    curl_share: float = 0.6
    curl_radii: tuple[float, float] = (0.12, 0.4)
    curl_sweeps: tuple[float, float] = (60.0, 200.0)


def cache_dir() -> Path:
    """Where traced strokes and drawn copies are cached: $MNIST_PEN_CACHE, else ~/.cache/mnist-playground."""
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)


def draw_digit(
    strokes: list[np.ndarray], label: int, rng: np.random.Generator, style: PenStyle
) -> np.ndarray | None:
    """One random pen drawing of a traced digit, preprocessed as the Draw page preprocesses a canvas.

    Returns:
        (28, 28) float32 in [0, 1], or None if nothing was drawn.
    """
    if label in (1, 7) and rng.uniform() < style.continental_share:
        strokes = pen_variants.continental_strokes(strokes, label, rng, style.flag_lengths, style.flag_angles)
    if label == 9 and rng.uniform() < style.curl_share:
        strokes = pen_variants.curl_tail(strokes, rng, style.curl_radii, style.curl_sweeps)
    strokes = pen_variants.smooth_deformation(strokes, rng, rng.uniform(0, style.deformation))
    points = np.concatenate(strokes)
    centre = (points.min(0) + points.max(0)) / 2
    rotation = math.radians(rng.uniform(-style.max_rotation, style.max_rotation))
    slant = math.tan(math.radians(rng.uniform(-style.max_slant, style.max_slant)))
    stretch = math.exp(rng.uniform(-1, 1) * math.log(style.max_stretch))
    cos, sin = math.cos(rotation), math.sin(rotation)
    # y grows downwards, so a positive slant moves the top of the digit right.
    matrix = np.array([[cos, -sin], [sin, cos]]) @ np.array([[stretch, -slant], [0.0, 1.0]])
    moved = [(stroke - centre) @ matrix.T for stroke in strokes]
    points = np.concatenate(moved)
    low, high = points.min(0), points.max(0)
    low_share, high_share = np.log(style.pen_shares)
    pen = RENDER_HEIGHT * math.exp(rng.uniform(low_share, high_share))
    scale = (RENDER_HEIGHT - pen) / max(high[1] - low[1], (high[0] - low[0]) / 2, 1e-3)
    margin = pen / 2 + 2
    size = np.ceil((high - low) * scale + 2 * margin).astype(int)
    image = _render([(stroke - low) * scale + margin for stroke in moved], pen, size)
    return preprocess.canvas_to_mnist(image)


def _render(strokes: list[np.ndarray], pen: float, size: np.ndarray) -> np.ndarray:
    """Round-capped, round-joined white strokes on black, anti-aliased by supersampling."""
    image = Image.new("L", (int(size[0]) * SUPERSAMPLE, int(size[1]) * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(image)
    width = pen * SUPERSAMPLE
    radius = width / 2
    for stroke in strokes:
        points = [(float(x), float(y)) for x, y in stroke * SUPERSAMPLE]
        if len(points) > 1:
            draw.line(points, fill=255, width=max(1, round(width)), joint="curve")
        for x, y in points:
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
    return np.asarray(image.reduce(SUPERSAMPLE))


def _trace_chunk(images: np.ndarray) -> tuple[list[list[np.ndarray]], np.ndarray]:
    from mnist_core.pen_strokes import trace_digit

    traced: list[list[np.ndarray]] = []
    coverage = np.zeros(len(images), np.float32)
    for index, image in enumerate(images):
        strokes, coverage[index] = trace_digit(image)
        traced.append(strokes)
    return traced, coverage


def _draw_chunk(
    images: np.ndarray, labels: np.ndarray, traced: list, coverage: np.ndarray, first: int, style: PenStyle
) -> np.ndarray:
    copies = np.repeat(images[np.newaxis], VARIANTS, axis=0)
    for index, (strokes, label) in enumerate(zip(traced, labels, strict=True)):
        if coverage[index] < MIN_COVERAGE:
            continue
        for variant in range(VARIANTS):
            rng = np.random.default_rng([RENDER_SEED, variant, first + index])
            drawn = draw_digit(strokes, int(label), rng, style)
            if drawn is not None:
                copies[variant, index] = np.round(drawn * 255).astype(np.uint8)
    return copies


def _fingerprint(*parts: bytes) -> str:
    return hashlib.sha1(b"".join(parts)).hexdigest()[:12]


def _source(*files: str | Path) -> bytes:
    return b"".join(Path(file).read_bytes() for file in files)


def pen_drawn_copies(
    images: np.ndarray, labels: np.ndarray, style: PenStyle | None = None, workers: int | None = None
) -> np.ndarray:
    """`VARIANTS` pen-drawn copies of every digit, from the cache or rendered (and cached) now.

    The cache key covers the digits, the style and the source of the tracing,
    drawing and preprocessing code, so a change to any of them re-renders.

    Args:
        images: (N, 28, 28) uint8 training digits.
        labels: (N,) their labels.
        style: How the copies vary (default `PenStyle()`).
        workers: Processes to render with (default $MNIST_PEN_WORKERS, else all cores).

    Returns:
        (VARIANTS, N, 28, 28) uint8; a digit a pen cannot draw keeps its original in every copy.
    """
    from mnist_core import pen_strokes

    style = style or PenStyle()
    workers = workers or int(os.environ.get(WORKERS_ENV) or os.cpu_count() or 1)
    images = np.ascontiguousarray(images, np.uint8)
    labels = np.asarray(labels, np.uint8)
    data_key = _fingerprint(images.tobytes(), labels.tobytes())
    trace_key = _fingerprint(_source(pen_strokes.__file__), data_key.encode())
    draw_key = _fingerprint(
        trace_key.encode(),
        _source(pen_variants.__file__, preprocess.__file__, __file__),
        repr((astuple(style), VARIANTS, RENDER_SEED, RENDER_HEIGHT, SUPERSAMPLE, MIN_COVERAGE)).encode(),
    )
    folder = cache_dir()
    drawn_path = folder / f"pen_drawn_{draw_key}.npy"
    if drawn_path.is_file():
        return np.load(drawn_path)
    starts = range(0, len(images), CHUNK)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        traced, coverage = _cached_strokes(folder / f"pen_strokes_{trace_key}.npz", images, starts, pool)
        jobs = [
            pool.submit(
                _draw_chunk,
                images[start : start + CHUNK],
                labels[start : start + CHUNK],
                traced[start : start + CHUNK],
                coverage[start : start + CHUNK],
                start,
                style,
            )
            for start in starts
        ]
        copies = np.concatenate([job.result() for job in jobs], axis=1)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = drawn_path.with_suffix(".partial.npy")
    np.save(temporary, copies)
    temporary.replace(drawn_path)
    return copies


def _cached_strokes(path: Path, images: np.ndarray, starts: range, pool) -> tuple[list, np.ndarray]:
    """Traced strokes and pen coverage of every digit, from `path` or traced now (and saved there)."""
    if path.is_file():
        with np.load(path) as saved:
            points, lengths, counts = saved["points"], saved["stroke_lengths"], saved["stroke_counts"]
            strokes = np.split(points.astype(np.float64), np.cumsum(lengths)[:-1]) if len(lengths) else []
            bounds = np.concatenate([[0], np.cumsum(counts)])
            return [strokes[bounds[i] : bounds[i + 1]] for i in range(len(counts))], saved["coverage"]
    traced: list[list[np.ndarray]] = []
    coverages = []
    for chunk_strokes, chunk_coverage in pool.map(_trace_chunk, [images[s : s + CHUNK] for s in starts]):
        traced += chunk_strokes
        coverages.append(chunk_coverage)
    coverage = np.concatenate(coverages)
    flat = [stroke for strokes in traced for stroke in strokes]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        points=np.concatenate(flat).astype(np.float32) if flat else np.zeros((0, 2), np.float32),
        stroke_lengths=np.array([len(stroke) for stroke in flat], np.int32),
        stroke_counts=np.array([len(strokes) for strokes in traced], np.int32),
        coverage=coverage,
    )
    return traced, coverage


def variant_gatherer(images: np.ndarray, copies: np.ndarray, labels: np.ndarray, augment: bool = False):
    """A tf.data map function (batch indices, seed pair) -> (float32 images, labels).

    Each example is the original digit with probability `ORIGINAL_SHARE`,
    else one of its pen-drawn copies chosen uniformly, anew every epoch.
    With `augment`, the originals get the random affine and stroke-width
    changes of `pipeline.augment_batch`; the copies have their own random
    geometry already (affine changes on top of it read real drawings worse).
    """
    from mnist_core.pipeline import augment_batch
    from mnist_core.runtime import tensorflow

    tf = tensorflow()
    stacked = tf.constant(np.concatenate([images[np.newaxis], copies]))
    label_tensor = tf.constant(labels.astype(np.int32))
    count = len(copies)

    def gather(batch_indices, seed_pair):
        seed = tf.cast(seed_pair, tf.int32)
        size = tf.shape(batch_indices)[:1]
        drawn = tf.random.stateless_uniform(size, seed) >= ORIGINAL_SHARE
        which = tf.random.stateless_uniform(size, seed + 1, 1, count + 1, dtype=tf.int32)
        variant = tf.where(drawn, which, 0)
        positions = tf.stack([variant, tf.cast(batch_indices, tf.int32)], axis=1)
        pixels = tf.cast(tf.gather_nd(stacked, positions), tf.float32) / 255.0
        if augment:
            pixels = tf.where(drawn[:, tf.newaxis, tf.newaxis], pixels, augment_batch(pixels, seed + 2))
        return pixels, tf.gather(label_tensor, batch_indices)

    return gather
