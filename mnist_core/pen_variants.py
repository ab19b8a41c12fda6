"""Ways people write digits that MNIST's writers rarely used, as edits of pen strokes.

Each function takes strokes as `pen_strokes.digit_strokes` returns them
((K, 2) arrays of (x, y) points in MNIST pixel coordinates, y downwards) and
returns new strokes: a flag on a 1 or a crossbar through a 7
(`continental_strokes`), a 9 whose tail curls to the left (`curl_tail`), and
an unsteady hand (`smooth_deformation`). They use only NumPy.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

# A stroke end this close to another stroke's end (MNIST pixels) is a joint, not a free end.
JOINT_DISTANCE = 1.0
# How far back from the end the tail's direction is measured, in MNIST pixels.
TAIL_DIRECTION_SPAN = 3.0
ARC_POINTS = 10


def continental_strokes(
    strokes: list[np.ndarray],
    label: int,
    rng: np.random.Generator,
    flag_lengths: tuple[float, float] = (0.2, 0.35),
    flag_angles: tuple[float, float] = (40.0, 65.0),
) -> list[np.ndarray]:
    """Adds the strokes many writers outside the US use: a flag on 1, a crossbar through 7.

    Other digits, and a 7 whose stem cannot be found, come back unchanged.

    Args:
        strokes: The digit's strokes.
        label: The digit.
        rng: Random source.
        flag_lengths: Range of a 1's flag length, as a share of the digit height.
        flag_angles: Range of the flag's angle below the horizontal, degrees.
    """
    points = np.concatenate(strokes)
    top, bottom = points[points[:, 1].argmin()], points[points[:, 1].argmax()]
    height = bottom[1] - top[1]
    if label == 1:
        angle = np.radians(rng.uniform(*flag_angles))
        length = rng.uniform(*flag_lengths) * height
        flag = top + length * np.array([-np.cos(angle), np.sin(angle)])
        added = [np.stack([flag, top])]
        if rng.uniform() < 0.25:
            half = np.array([rng.uniform(0.2, 0.3) * height, 0.0])
            added.append(np.stack([bottom - half, bottom + half]))
        return [*strokes, *added]
    if label == 7:
        middle = top[1] + rng.uniform(0.45, 0.6) * height
        crossings = [
            start[0] + (middle - start[1]) * (end[0] - start[0]) / (end[1] - start[1])
            for stroke in strokes
            for start, end in itertools.pairwise(stroke)
            if min(start[1], end[1]) <= middle < max(start[1], end[1])
        ]
        if not crossings:
            return strokes
        centre = np.array([crossings[0], middle])
        half = rng.uniform(0.15, 0.25) * height * np.array([1.0, np.tan(np.radians(rng.uniform(-6, 6)))])
        return [*strokes, np.stack([centre - half, centre + half])]
    return strokes


def curl_tail(
    strokes: list[np.ndarray],
    rng: np.random.Generator,
    radius_share: tuple[float, float] = (0.1, 0.25),
    sweep_degrees: tuple[float, float] = (60.0, 180.0),
) -> list[np.ndarray]:
    """Bends the lowest free stroke end (a 9's tail) into a hook curling to the left.

    Many writers end a 9 (like a "g") with a tail that curls back left; MNIST's
    9s nearly all end straight. The stroke ending lowest, when it points
    downwards and ends in the bottom third of the digit, gets an arc appended
    that keeps turning the pen towards the left.

    Args:
        strokes: The digit's strokes.
        rng: Random source for the hook's size and sweep.
        radius_share: Range of the hook's radius, as a share of the digit height.
        sweep_degrees: Range of how far the pen turns along the hook.

    Returns:
        New strokes; the input comes back unchanged when no end qualifies.
    """
    if not strokes:
        return strokes
    points = np.concatenate(strokes)
    top, bottom = points[:, 1].min(), points[:, 1].max()
    height = bottom - top
    ends = []
    for index, stroke in enumerate(strokes):
        if len(stroke) < 2 or np.allclose(stroke[0], stroke[-1]):
            continue
        for at_start in (True, False):
            end = stroke[0] if at_start else stroke[-1]
            others = [s[i] for j, s in enumerate(strokes) for i in (0, -1) if j != index]
            others.append(stroke[-1] if at_start else stroke[0])
            if min(np.hypot(*(end - other)) for other in others) > JOINT_DISTANCE:
                ends.append((end[1], index, at_start))
    if not ends or height <= 0:
        return strokes
    lowest, index, at_start = max(ends)
    if lowest < top + height * 2 / 3:
        return strokes
    path = strokes[index][::-1] if at_start else strokes[index]
    direction = path[-1] - _point_back(path, TAIL_DIRECTION_SPAN)
    length = float(np.hypot(*direction))
    if length == 0 or direction[1] / length < 0.5:
        return strokes
    radius = rng.uniform(*radius_share) * height
    sweep = math.radians(rng.uniform(*sweep_degrees))
    # With y downwards, turning a downward heading by +angle moves the pen to the left.
    heading = math.atan2(direction[1], direction[0])
    angles = heading + np.linspace(0.0, sweep, ARC_POINTS)
    steps = radius * sweep / (ARC_POINTS - 1) * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    arc = path[-1] + np.cumsum(steps[1:], axis=0)
    curled = np.concatenate([path, arc])
    return [*strokes[:index], curled[::-1] if at_start else curled, *strokes[index + 1 :]]


def _point_back(path: np.ndarray, distance: float) -> np.ndarray:
    """The point `distance` along the path back from its last point (or its first point)."""
    travelled = 0.0
    for point, following in itertools.pairwise(path[::-1]):
        travelled += float(np.hypot(*(following - point)))
        if travelled >= distance:
            return following
    return path[0]


def smooth_deformation(
    strokes: list[np.ndarray], rng: np.random.Generator, amplitude: float
) -> list[np.ndarray]:
    """Moves every point by a smooth random field (two slow waves per axis), like an unsteady hand.

    Args:
        strokes: The digit's strokes.
        rng: Random source for the waves.
        amplitude: Largest displacement in MNIST pixels (a digit is about 20 tall).
    """
    frequencies = rng.uniform(-1, 1, (2, 2, 2)) * (2 * math.pi / 20.0)
    phases = rng.uniform(0, 2 * math.pi, (2, 2))
    moved = []
    for stroke in strokes:
        shift = np.zeros_like(stroke)
        for axis, wave in itertools.product(range(2), range(2)):
            shift[:, axis] += np.sin(stroke @ frequencies[axis, wave] + phases[axis, wave])
        moved.append(stroke + shift * amplitude / 2)
    return moved
