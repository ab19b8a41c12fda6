"""Turning a 28x28 MNIST digit into the pen strokes a person would draw.

The digit is upsampled, binarised and thinned to a one-pixel skeleton; the
skeleton's pixels become a graph (8-connected, without the little triangles
thinning leaves at corners), short spurs are pruned, and the graph is traced
into polylines: one per branch between junctions and ends, plus closed loops.

Training-time only (it needs scikit-image, from requirements-dev.txt): the
pen-drawn augmentation (`mnist_core.pen_augment`) and the drawn-digits proxy
benchmark use it; nothing at prediction time does.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage
from skimage.measure import approximate_polygon
from skimage.morphology import skeletonize

# The digit is thinned at 4x resolution: a 28x28 skeleton is too jagged to trace.
UPSAMPLE = 4
# Grey level (0-1, after upsampling and blurring) above which a pixel is ink.
INK_THRESHOLD = 0.45
# Blur before thresholding (in upsampled pixels); it rounds off the pixel steps
# that otherwise grow into skeleton spurs.
BLUR_SIGMA = 1.5
# Ink blobs and holes smaller than this (in MNIST pixels) are noise, not strokes or loops.
MIN_BLOB_AREA = 3.0
MIN_HOLE_AREA = 0.4
# A branch from a junction to a free end is a thinning spur, not a stroke, when
# its ink sticks out less than this many MNIST pixels beyond the stroke it
# branches from (a bump on the outline, or the tip of a blunt corner).
SPUR_PROTRUSION = 1.5
# Polyline simplification tolerance and smoothing window, in upsampled pixels.
SIMPLIFY_TOLERANCE = 1.0
SMOOTHING_WINDOW = 7

Pixel = tuple[int, int]


def digit_strokes(image: np.ndarray) -> list[np.ndarray]:
    """Pen strokes tracing one MNIST digit.

    Args:
        image: (28, 28) uint8 (0-255) or float (0-1) MNIST image, white ink on black.

    Returns:
        A list of (K, 2) float arrays of (x, y) points in MNIST pixel
        coordinates (pixel centres at integers); K == 1 is a dot. Empty when
        the image holds no ink.
    """
    mask = ink_mask(image)
    return _trace(skeletonize(mask), ndimage.distance_transform_edt(mask))


def trace_digit(image: np.ndarray) -> tuple[list[np.ndarray], float]:
    """`digit_strokes` and `pen_coverage` of one digit, thinning it only once.

    Returns:
        (strokes, share of the ink the strokes cover); (empty, 0.0) for no ink.
    """
    mask = ink_mask(image)
    skeleton = skeletonize(mask)
    radius = ndimage.distance_transform_edt(mask)
    strokes = _trace(skeleton, radius)
    return strokes, _coverage(mask, skeleton, radius, strokes)


def _trace(skeleton: np.ndarray, radius: np.ndarray) -> list[np.ndarray]:
    graph = skeleton_graph(skeleton)
    prune_spurs(graph, radius)
    strokes = []
    for path in trace_paths(graph):
        points = np.array([(col, row) for row, col in path], np.float64)
        points = _smooth(points)
        if len(points) > 2:
            points = approximate_polygon(points, SIMPLIFY_TOLERANCE)
        strokes.append((points + 0.5) / UPSAMPLE - 0.5)
    return strokes


def ink_mask(image: np.ndarray) -> np.ndarray:
    """Boolean ink mask at UPSAMPLE times the resolution, without specks or pinholes."""
    pixels = np.asarray(image, np.float32)
    if np.issubdtype(np.asarray(image).dtype, np.integer) or pixels.max() > 1.0:
        pixels = pixels / 255.0
    size = pixels.shape[1] * UPSAMPLE, pixels.shape[0] * UPSAMPLE
    large = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BICUBIC))
    mask = ndimage.gaussian_filter(large, BLUR_SIGMA) > INK_THRESHOLD
    mask = _drop_small(mask, MIN_BLOB_AREA * UPSAMPLE**2)
    holes = ~mask
    holes &= ~_drop_small(holes, MIN_HOLE_AREA * UPSAMPLE**2, connectivity=1)
    return mask | holes


def _drop_small(mask: np.ndarray, min_area: float, connectivity: int = 2) -> np.ndarray:
    structure = ndimage.generate_binary_structure(2, connectivity)
    labels, count = ndimage.label(mask, structure)
    if count == 0:
        return mask
    areas = np.bincount(labels.ravel())
    keep = areas >= min_area
    keep[0] = False
    return keep[labels]


def skeleton_graph(skeleton: np.ndarray) -> dict[Pixel, set[Pixel]]:
    """Adjacency of skeleton pixels.

    Diagonal neighbours are linked only when no 4-connected step joins them
    already, so a corner does not become a three-way junction.
    """
    pixels = {(int(row), int(col)) for row, col in zip(*np.nonzero(skeleton), strict=True)}
    graph: dict[Pixel, set[Pixel]] = {pixel: set() for pixel in pixels}
    for row, col in pixels:
        for d_row, d_col in ((0, 1), (1, 0), (1, 1), (1, -1)):
            other = (row + d_row, col + d_col)
            if other not in pixels:
                continue
            if d_row and d_col and ((row + d_row, col) in pixels or (row, col + d_col) in pixels):
                continue
            graph[(row, col)].add(other)
            graph[other].add((row, col))
    return graph


def prune_spurs(graph: dict[Pixel, set[Pixel]], radius: np.ndarray) -> None:
    """Removes short branches that run from a junction to a free end, in place.

    Args:
        graph: Skeleton adjacency, changed in place.
        radius: Distance to the background for every upsampled pixel (the
            stroke's half-width along the skeleton).
    """
    changed = True
    while changed:
        changed = False
        for end in sorted(pixel for pixel, links in graph.items() if len(links) == 1):
            if end not in graph or len(graph[end]) != 1:
                continue
            branch = _walk_to_node(graph, end)
            junction = branch[-1]
            if len(graph[junction]) < 3:
                continue
            length = np.hypot(*np.diff(np.array(branch, float), axis=0).T).sum()
            if length + radius[end] - radius[junction] < SPUR_PROTRUSION * UPSAMPLE:
                for pixel in branch[:-1]:
                    for other in graph.pop(pixel):
                        if other in graph:
                            graph[other].discard(pixel)
                changed = True


def _walk_to_node(graph: dict[Pixel, set[Pixel]], start: Pixel) -> list[Pixel]:
    """Pixels from an end along its branch up to the next end or junction."""
    path = [start]
    previous, current = None, start
    while True:
        following = [pixel for pixel in graph[current] if pixel != previous]
        if not following or (current != start and len(graph[current]) != 2):
            return path
        previous, current = current, following[0]
        path.append(current)
        if current == start:
            return path


def trace_paths(graph: dict[Pixel, set[Pixel]]) -> list[list[Pixel]]:
    """Splits the skeleton into paths that each use every link once.

    Paths run between ends and junctions; closed loops without any junction
    (an "0") become one path that returns to its start; a lone pixel is a dot.
    """
    used: set[frozenset[Pixel]] = set()
    paths = [[pixel] for pixel in sorted(graph) if not graph[pixel]]
    nodes = sorted(pixel for pixel, links in graph.items() if len(links) != 2)
    for start in [*nodes, *sorted(graph)]:
        for first in sorted(graph[start]):
            if frozenset((start, first)) in used:
                continue
            used.add(frozenset((start, first)))
            path = [start, first]
            previous, current = start, first
            while len(graph[current]) == 2 and current != start:
                following = next(pixel for pixel in graph[current] if pixel != previous)
                if frozenset((current, following)) in used:
                    break
                used.add(frozenset((current, following)))
                path.append(following)
                previous, current = current, following
            paths.append(path)
    return paths


def _smooth(points: np.ndarray) -> np.ndarray:
    """Moving average along the path; ends stay put, loops stay closed."""
    if len(points) < 3:
        return points
    half = min(SMOOTHING_WINDOW // 2, (len(points) - 1) // 2)
    closed = len(points) > 3 and np.array_equal(points[0], points[-1])
    if closed:
        ring = points[:-1]
        padded = np.concatenate([ring[-half:], ring, ring[:half]]) if half else ring
    else:
        padded = np.concatenate([np.repeat(points[:1], half, 0), points, np.repeat(points[-1:], half, 0)])
    kernel = np.ones(2 * half + 1) / (2 * half + 1)
    smoothed = np.stack([np.convolve(padded[:, axis], kernel, mode="valid") for axis in (0, 1)], axis=1)
    if closed:
        return np.concatenate([smoothed, smoothed[:1]])
    smoothed[0], smoothed[-1] = points[0], points[-1]
    return smoothed


def pen_coverage(image: np.ndarray, strokes: list[np.ndarray]) -> float:
    """Share of the digit's ink that the strokes cover when drawn with a constant-width pen.

    The pen is as wide as the digit's median stroke. A low share means the
    digit has blobs (a filled-in loop, a smudge) that no pen stroke reproduces.
    """
    mask = ink_mask(image)
    return _coverage(mask, skeletonize(mask), ndimage.distance_transform_edt(mask), strokes)


def _coverage(mask: np.ndarray, skeleton: np.ndarray, radius: np.ndarray, strokes: list[np.ndarray]) -> float:
    if not mask.any() or not strokes:
        return 0.0
    pen_radius = float(np.median(radius[skeleton])) + 0.5
    drawing = Image.new("L", (mask.shape[1], mask.shape[0]), 0)
    draw = ImageDraw.Draw(drawing)
    for stroke in strokes:
        points = [((x + 0.5) * UPSAMPLE - 0.5, (y + 0.5) * UPSAMPLE - 0.5) for x, y in stroke]
        if len(points) > 1:
            draw.line(points, fill=255, width=round(2 * pen_radius), joint="curve")
        for x, y in points:
            draw.ellipse([x - pen_radius, y - pen_radius, x + pen_radius, y + pen_radius], fill=255)
    covered = np.asarray(drawing) > 0
    return float((mask & covered).sum() / mask.sum())
