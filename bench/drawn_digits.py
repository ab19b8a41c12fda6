"""A "drawn digits" proxy test set: MNIST test digits re-stroked as canvas pen drawings.

Each digit is thinned to its pen path (`bench.pen_strokes`), given a small
random rotation, slant and hand wobble, scaled to 120-240 px tall, placed at a
random spot on a 280x280 canvas and drawn the way the Draw page's canvas draws
it: round-capped, round-joined white strokes 12-28 px wide on opaque black,
anti-aliased (drawn at 4x and box-filtered down, as a browser does).
`STYLES` adds hard variants: a thin pen on tall digits, a thick pen on small
ones, sloppier hands, and continental 1s and 7s.

The set is for measuring only: never train on it.

    python -m bench.drawn_digits --count 64 --sheet bench/results/drawn_sheet.png
"""

from __future__ import annotations

import argparse
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from mnist_core.pen_strokes import digit_strokes, pen_coverage
from mnist_core.pen_variants import continental_strokes

CANVAS_SIZE = 280
SUPERSAMPLE = 4
# Bump when the drawings change, so cached sets are regenerated.
GENERATOR_VERSION = 2
RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class DrawingStyle:
    """How the pen drawings vary; every range is sampled uniformly.

    Attributes:
        digit_heights: Ink height in canvas pixels (stroke width included).
        stroke_widths: Pen width in canvas pixels.
        max_rotation: Largest rotation either way, degrees.
        max_slant: Largest shear either way, degrees (top leaning right or left).
        wobble: Amplitude of the smooth hand wobble, as a share of the digit height.
        max_stretch: Widths are scaled by a factor between 1 / max_stretch and
            max_stretch (1.0: the digit keeps its MNIST proportions).
        min_coverage: Skip source digits whose ink a constant-width pen cannot
            reproduce (filled loops, smudges); see `pen_coverage`.
        margin: Canvas pixels kept free at each edge.
        continental: Give every 1 a flag and every 7 a crossbar, as many
            writers outside the US do (MNIST's writers mostly did not).
    """

    digit_heights: tuple[float, float] = (120.0, 240.0)
    stroke_widths: tuple[float, float] = (12.0, 28.0)
    max_rotation: float = 8.0
    max_slant: float = 8.0
    wobble: float = 0.015
    max_stretch: float = 1.0
    min_coverage: float = 0.75
    margin: int = 2
    continental: bool = False

    def __post_init__(self):
        for name in ("digit_heights", "stroke_widths"):
            low, high = getattr(self, name)
            if not 0 < low <= high <= CANVAS_SIZE:
                raise ValueError(f"{name}={(low, high)} must satisfy 0 < low <= high <= {CANVAS_SIZE}.")
        if self.stroke_widths[1] >= self.digit_heights[0]:
            raise ValueError(
                f"stroke_widths={self.stroke_widths} must stay below digit_heights={self.digit_heights}."
            )
        for name in ("max_rotation", "max_slant"):
            if not 0 <= getattr(self, name) <= 45:
                raise ValueError(f"{name}={getattr(self, name)} must be between 0 and 45 degrees.")
        if not 0 <= self.wobble <= 0.1 or not 0 <= self.min_coverage <= 1 or not 1 <= self.max_stretch <= 2:
            raise ValueError(
                f"wobble={self.wobble}, min_coverage={self.min_coverage}, max_stretch={self.max_stretch}: "
                "expected wobble in [0, 0.1], min_coverage in [0, 1] and max_stretch in [1, 2]."
            )


STYLES = {
    "normal": DrawingStyle(),
    # Hard cases: a fine pen on a tall digit, a fat pen on a small one.
    "thin": DrawingStyle(digit_heights=(240.0, 240.0), stroke_widths=(12.0, 12.0)),
    "thick": DrawingStyle(digit_heights=(120.0, 120.0), stroke_widths=(28.0, 28.0)),
    # Sloppier hands than MNIST's writers: more rotation, slant, wobble and squashing.
    "messy": DrawingStyle(max_rotation=15.0, max_slant=15.0, wobble=0.03, max_stretch=1.3),
    "continental": DrawingStyle(continental=True),
}


@dataclass(frozen=True)
class DrawnSet:
    """Canvas drawings with their labels and how each was drawn.

    Attributes:
        canvases: (N, 280, 280, 4) uint8 RGBA, white strokes on opaque black.
        labels: (N,) uint8 digits.
        sources: (N,) index of the MNIST test digit each drawing traces.
        heights: (N,) ink height in canvas pixels.
        stroke_widths: (N,) pen width in canvas pixels.
        skipped: Source digits left out because a pen cannot draw them.
        style: The style the set was drawn with.
    """

    canvases: np.ndarray
    labels: np.ndarray
    sources: np.ndarray
    heights: np.ndarray
    stroke_widths: np.ndarray
    skipped: int = 0
    style: DrawingStyle = field(default_factory=DrawingStyle)


def make_drawn_set(
    images: np.ndarray, labels: np.ndarray, count: int, seed: int, style: DrawingStyle | None = None
) -> DrawnSet:
    """Draws `count` digits picked at random (seeded) from `images`.

    Args:
        images: (M, 28, 28) MNIST-style digits; use test digits only.
        labels: (M,) their labels.
        count: Drawings to make; digits are reused, drawn anew, past M.
        seed: Makes the set reproducible: same inputs, same seed, same set.
        style: How the drawings vary (default: `DrawingStyle()`).

    Raises:
        ValueError: count < 1, or images and labels do not match.
    """
    style = style or DrawingStyle()
    if count < 1:
        raise ValueError(f"count={count} must be at least 1.")
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"{len(images)} images and {len(labels)} labels; expected equal, non-zero counts.")
    order = np.random.default_rng(seed).permutation(len(images))
    canvases = np.zeros((count, CANVAS_SIZE, CANVAS_SIZE, 4), np.uint8)
    sources, heights, widths = (np.zeros(count, np.int64), np.zeros(count), np.zeros(count))
    made = skipped = attempt = 0
    while made < count:
        if attempt >= len(images) and made == 0:
            raise ValueError("none of the images can be drawn as pen strokes; are they digits?")
        source = int(order[attempt % len(order)])
        attempt += 1
        strokes = digit_strokes(images[source])
        if not strokes or pen_coverage(images[source], strokes) < style.min_coverage:
            skipped += attempt <= len(images)
            continue
        rng = np.random.default_rng([seed, made])
        if style.continental:
            strokes = continental_strokes(strokes, int(labels[source]), rng)
        canvases[made], heights[made], widths[made] = draw_on_canvas(strokes, rng, style)
        sources[made] = source
        made += 1
    drawn_labels = np.asarray(labels)[sources].astype(np.uint8)
    return DrawnSet(canvases, drawn_labels, sources, heights, widths, skipped, style)


def draw_on_canvas(
    strokes: list[np.ndarray], rng: np.random.Generator, style: DrawingStyle
) -> tuple[np.ndarray, float, float]:
    """Draws strokes (MNIST pixel coordinates) as a person would on the canvas.

    Returns:
        (canvas RGBA uint8 (280, 280, 4), ink height, stroke width) in canvas pixels.
    """
    points = np.concatenate(strokes)
    centre = (points.min(0) + points.max(0)) / 2
    rotation = math.radians(rng.uniform(-style.max_rotation, style.max_rotation))
    slant = math.tan(math.radians(rng.uniform(-style.max_slant, style.max_slant)))
    stretch = math.exp(rng.uniform(-1, 1) * math.log(style.max_stretch))
    cos, sin = math.cos(rotation), math.sin(rotation)
    # y grows downwards, so a positive slant moves the top of the digit right.
    matrix = np.array([[cos, -sin], [sin, cos]]) @ np.array([[stretch, -slant], [0.0, 1.0]])
    wobble = _wobble_field(rng, style.wobble * 20.0)
    moved = [wobble((stroke - centre) @ matrix.T) for stroke in strokes]
    points = np.concatenate(moved)
    low, high = points.min(0), points.max(0)
    span = np.maximum(high - low, 1e-6)
    stroke_width = rng.uniform(*style.stroke_widths)
    room = CANVAS_SIZE - 2 * style.margin - stroke_width
    scale = min((rng.uniform(*style.digit_heights) - stroke_width) / span[1], room / span[0])
    ink_size = span * scale + stroke_width
    corner = style.margin + rng.uniform(0, 1, 2) * (CANVAS_SIZE - 2 * style.margin - ink_size)
    offset = corner + stroke_width / 2 - low * scale
    grey = _render([stroke * scale + offset for stroke in moved], stroke_width)
    canvas = np.empty((CANVAS_SIZE, CANVAS_SIZE, 4), np.uint8)
    canvas[:, :, :3] = grey[:, :, np.newaxis]
    canvas[:, :, 3] = 255
    return canvas, float(ink_size[1]), float(stroke_width)


def _wobble_field(rng: np.random.Generator, amplitude: float):
    """A smooth random displacement (two slow waves per axis), like an unsteady hand.

    `amplitude` is in MNIST pixels; a digit is about 20 of them tall.
    """
    frequencies = rng.uniform(-1, 1, (2, 2, 2)) * (2 * math.pi / 20.0)
    phases = rng.uniform(0, 2 * math.pi, (2, 2))

    def move(points: np.ndarray) -> np.ndarray:
        shift = np.zeros_like(points)
        for axis in range(2):
            for wave in range(2):
                shift[:, axis] += np.sin(points @ frequencies[axis, wave] + phases[axis, wave])
        return points + shift * amplitude / 2

    return move


def _render(strokes: list[np.ndarray], stroke_width: float) -> np.ndarray:
    """Round-capped, round-joined white strokes on black, anti-aliased by 4x supersampling."""
    size = CANVAS_SIZE * SUPERSAMPLE
    image = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(image)
    width = stroke_width * SUPERSAMPLE
    radius = width / 2
    for stroke in strokes:
        # Canvas pixel i covers [i, i + 1); supersampled pixel j covers [j, j + 1).
        points = [(float(x), float(y)) for x, y in stroke * SUPERSAMPLE]
        if len(points) > 1:
            draw.line(points, fill=255, width=round(width), joint="curve")
        for x, y in points:
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
    return np.asarray(image.reduce(SUPERSAMPLE))


def load_test_digits() -> tuple[np.ndarray, np.ndarray, str]:
    """MNIST test digits: full MNIST ($MNIST_NPZ) if there, else the offline fallback's test split."""
    from mnist_core.data import load_fallback, load_mnist
    from mnist_core.errors import DataError

    try:
        data = load_mnist()
    except DataError:
        data = load_fallback()
    return data.x_test, data.y_test, data.source


def cached_drawn_set(
    count: int, seed: int, style_name: str = "normal", cache_dir: Path = RESULTS_DIR
) -> DrawnSet:
    """The drawn set for (source digits, style, seed, count), kept as .npz in `cache_dir`.

    The file name carries a fingerprint of the source digits, so full MNIST and
    the offline fallback (or a test's tiny set) never share a cache entry.

    Raises:
        ValueError: Unknown style name.
    """
    if style_name not in STYLES:
        raise ValueError(f"style {style_name!r} is unknown; choose one of {', '.join(STYLES)}.")
    style = STYLES[style_name]
    images, labels, _ = load_test_digits()
    fingerprint = hashlib.sha1(np.ascontiguousarray(images).tobytes() + labels.tobytes()).hexdigest()[:10]
    name = f"drawn_v{GENERATOR_VERSION}_{fingerprint}_{style_name}_seed{seed}_n{count}.npz"
    path = Path(cache_dir) / name
    if path.is_file():
        with np.load(path) as saved:
            grey = saved["grey"]
            canvases = np.empty((*grey.shape, 4), np.uint8)
            canvases[..., :3] = grey[..., np.newaxis]
            canvases[..., 3] = 255
            return DrawnSet(
                canvases,
                saved["labels"],
                saved["sources"],
                saved["heights"],
                saved["stroke_widths"],
                int(saved["skipped"]),
                style,
            )
    drawn = make_drawn_set(images, labels, count, seed, style)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The three colour channels are equal and alpha is 255: keep one channel.
    np.savez_compressed(
        path,
        grey=drawn.canvases[..., 0],
        labels=drawn.labels,
        sources=drawn.sources,
        heights=drawn.heights,
        stroke_widths=drawn.stroke_widths,
        skipped=drawn.skipped,
    )
    return drawn


def save_contact_sheet(
    canvases: np.ndarray, path: Path, captions: list[str] | None = None, columns: int = 8, cell: int = 140
) -> Path:
    """Saves canvases (any HxW grey or RGBA) side by side as one PNG, with optional captions."""
    rows = math.ceil(len(canvases) / columns)
    sheet = Image.new("RGB", (columns * cell, rows * cell), (60, 60, 60))
    draw = ImageDraw.Draw(sheet)
    for index, canvas in enumerate(canvases):
        array = np.asarray(canvas)
        grey = array[..., 0] if array.ndim == 3 else array
        if grey.dtype != np.uint8:
            grey = (np.clip(grey, 0, 1) * 255).astype(np.uint8)
        tile = Image.fromarray(grey).resize((cell - 4, cell - 4), Image.Resampling.BOX)
        left, top = (index % columns) * cell + 2, (index // columns) * cell + 2
        sheet.paste(tile, (left, top))
        if captions:
            draw.text((left + 3, top + 2), captions[index], fill=(255, 220, 0))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=64, help="Drawings to make (default 64).")
    parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
    parser.add_argument("--style", choices=sorted(STYLES), default="normal", help="Drawing style.")
    parser.add_argument(
        "--sheet", type=Path, default=RESULTS_DIR / "drawn_sheet.png", help="Where to save the contact sheet."
    )
    args = parser.parse_args(argv)
    images, labels, source = load_test_digits()
    drawn = make_drawn_set(images, labels, args.count, args.seed, STYLES[args.style])
    captions = [
        f"{label} h{height:.0f} w{width:.0f}"
        for label, height, width in zip(drawn.labels, drawn.heights, drawn.stroke_widths, strict=True)
    ]
    save_contact_sheet(drawn.canvases, args.sheet, captions)
    print(f"{source} Drew {args.count} digits ({drawn.skipped} skipped as not pen-drawable).")
    print(f"Contact sheet: {args.sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
