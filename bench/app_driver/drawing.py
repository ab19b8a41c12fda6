"""The Draw page: hand-made pen strokes for each digit, real mouse drawing, the answer and its timing."""

from __future__ import annotations

import itertools
import math
import random
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.app_driver.hooks import CANVAS_STABLE_JS, DRAWABLE_JS, SETTLED_JS
from bench.app_driver.pages import metric, read_metric, wait_idle

if TYPE_CHECKING:
    from playwright.async_api import Page

CANVAS_SIDE = 280
# The canvas sends its image about 200 ms after mouse-up.
CANVAS_DEBOUNCE_MS = 200
LOADING_TEXT = "Loading the models"


class CanvasMovedError(RuntimeError):
    """The canvas changed place while a stroke was drawn, so the stroke (partly) missed it."""


def canvas(page: Page):
    """The drawing surface of the Draw page's st_canvas."""
    return page.locator('[data-testid="stBidiComponentIsolated"] canvas.upper-canvas')


async def wait_draw_ready(page: Page, timeout: float = 120.0, *, replaced_key: str | None = None) -> None:
    """Waits until the canvas is on screen and still, and the Prediction metric answers "-".

    Args:
        page: A page showing (or loading) the Draw page.
        timeout: Seconds to wait.
        replaced_key: The element key of a canvas that is being replaced; it does not count.
    """
    # While Clear swaps canvases, the old and the new one can both be on the page for a moment.
    await canvas(page).last.wait_for(state="visible", timeout=timeout * 1000)
    empty = metric(page, "Prediction").filter(has_text=re.compile(r"^\s*-\s*$"))
    await empty.wait_for(timeout=timeout * 1000)
    await page.get_by_text(LOADING_TEXT).wait_for(state="detached", timeout=timeout * 1000)
    await wait_idle(page, timeout=timeout)
    await page.wait_for_function(
        CANVAS_STABLE_JS, arg=[300, replaced_key, time.time()], timeout=timeout * 1000, polling=20
    )


async def canvas_key(page: Page) -> str | None:
    """The element key (`st-key-...` class) of the canvas now on the page."""
    return await page.evaluate(
        """() => document.querySelector('[data-testid="stBidiComponentIsolated"]')
                   ?.closest('[class*="st-key-"]')?.className.match(/st-key-\\S+/)?.[0] ?? null"""
    )


async def clear_canvas(page: Page, timeout: float = 30.0) -> None:
    """Presses Clear and waits for the new, empty canvas and a "-" prediction."""
    old_key = await canvas_key(page)
    await page.get_by_role("button").filter(has_text=re.compile(r"Clear$")).click(timeout=timeout * 1000)
    await wait_draw_ready(page, timeout, replaced_key=old_key)


# Hand-made pen strokes for each digit in a box 1 high and `ASPECT` wide, (x, y) with y down,
# in the order and direction most people write them.
# fmt: off
STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.55, 0.0), (0.2, 0.1), (0.03, 0.45), (0.12, 0.85), (0.45, 1.0), (0.82, 0.88), (0.97, 0.5),
         (0.85, 0.12), (0.55, 0.0), (0.45, 0.04)]],
    1: [[(0.35, 0.12), (0.7, 0.0), (0.62, 0.5), (0.55, 1.0)]],
    2: [[(0.05, 0.25), (0.25, 0.04), (0.6, 0.0), (0.88, 0.18), (0.85, 0.42), (0.55, 0.68), (0.08, 1.0),
         (0.5, 0.97), (0.97, 1.0)]],
    3: [[(0.08, 0.12), (0.45, 0.0), (0.85, 0.1), (0.88, 0.32), (0.45, 0.47), (0.9, 0.6), (0.93, 0.85),
         (0.55, 1.0), (0.08, 0.9)]],
    # An open four: the down-and-across stroke, then the stem.
    4: [[(0.45, 0.0), (0.05, 0.62), (0.95, 0.62)], [(0.72, 0.25), (0.7, 1.0)]],
    # The body first, then the flag on top.
    5: [[(0.18, 0.0), (0.12, 0.45), (0.5, 0.36), (0.88, 0.52), (0.92, 0.8), (0.58, 1.0), (0.08, 0.9)],
        [(0.18, 0.0), (0.92, 0.0)]],
    6: [[(0.78, 0.0), (0.4, 0.22), (0.12, 0.58), (0.15, 0.88), (0.48, 1.0), (0.85, 0.85), (0.82, 0.6),
         (0.5, 0.5), (0.15, 0.66)]],
    # The top bar, then the diagonal.
    7: [[(0.02, 0.04), (0.98, 0.0), (0.7, 0.45), (0.4, 1.0)]],
    8: [[(0.85, 0.1), (0.5, 0.0), (0.17, 0.12), (0.22, 0.35), (0.78, 0.62), (0.85, 0.88), (0.5, 1.0),
         (0.15, 0.88), (0.22, 0.62), (0.78, 0.36), (0.82, 0.12)]],
    # The loop, then the stem without lifting the pen.
    9: [[(0.88, 0.2), (0.6, 0.0), (0.22, 0.05), (0.1, 0.3), (0.38, 0.46), (0.8, 0.36), (0.9, 0.15),
         (0.85, 0.6), (0.78, 1.0)]],
}
# fmt: on
ASPECT = {0: 0.7, 1: 0.3, 2: 0.65, 3: 0.6, 4: 0.7, 5: 0.6, 6: 0.6, 7: 0.6, 8: 0.6, 9: 0.6}


def _catmull_rom(points: list[tuple[float, float]], per_segment: int = 12) -> list[tuple[float, float]]:
    """A smooth curve through the points, as a handwriting pen would make it."""
    if len(points) < 3:
        return list(points)
    padded = [points[0], *points, points[-1]]
    curve = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1 : i + 3]
        for step in range(per_segment):
            t = step / per_segment
            curve.append(
                tuple(
                    0.5
                    * (
                        2 * p1[axis]
                        + (p2[axis] - p0[axis]) * t
                        + (2 * p0[axis] - 5 * p1[axis] + 4 * p2[axis] - p3[axis]) * t * t
                        + (3 * p1[axis] - p0[axis] - 3 * p2[axis] + p3[axis]) * t**3
                    )
                    for axis in (0, 1)
                )
            )
    curve.append(points[-1])
    return curve


def digit_strokes(
    digit: int,
    rng: random.Random,
    *,
    height: float | None = None,
    side: int = CANVAS_SIDE,
    margin: float = 14.0,
) -> list[list[tuple[float, float]]]:
    """Pen strokes for `digit` in canvas pixels: a random size (120-240 px tall) and place, a little wobble.

    Args:
        digit: 0-9.
        rng: Source of the size, place, slant and wobble.
        height: Digit height in pixels; random in [120, 240] when None.
        side: Canvas side in pixels.
        margin: Kept free at the canvas edge (about half the default stroke width).

    Returns:
        Strokes, each a list of (x, y) points relative to the canvas's top-left corner.
    """
    if digit not in STROKES:
        raise ValueError(f"digit={digit!r} has no stroke template; choose 0-9.")
    height = height or rng.uniform(120, 240)
    width = height * ASPECT[digit]
    slant = rng.uniform(-0.12, 0.12)
    left = rng.uniform(margin + max(0.0, -slant) * height, side - margin - width - max(0.0, slant) * height)
    top = rng.uniform(margin, side - margin - height)
    strokes = []
    for template in STROKES[digit]:
        wobbled = [(x + rng.gauss(0, 0.015), y + rng.gauss(0, 0.015)) for x, y in template]
        points = []
        for x, y in _catmull_rom(wobbled):
            # Slanting leans the top of the digit right (slant > 0), as many people write.
            canvas_x = left + x * width + slant * (1 - y) * height
            points.append((min(max(canvas_x, 1.0), side - 1.0), min(max(top + y * height, 1.0), side - 1.0)))
        strokes.append(points)
    return strokes


@dataclass
class DrawResult:
    """What one drawing got: the answer and how long it took (all times from the last mouse-up).

    Attributes:
        prediction: The Prediction metric after the last stroke ("-" for none).
        latency_ms: Until the Prediction/Confidence metrics changed on screen in answer to the
            last stroke; None when they show the same as before it (a second stroke that does not
            change the answer) or nothing was sent.
        answer_ms: Until the whole answer was on screen (the 28x28 image is drawn last).
        server_ms: From the rerun message leaving the page to its `script_finished` arriving: the
            server's time for the Draw fragment's rerun plus a local round trip.
        send_delay_ms: Until the canvas sent its image (its debounce).
        strokes: Number of strokes drawn.
    """

    prediction: str | None
    latency_ms: float | None
    answer_ms: float | None
    server_ms: float | None
    send_delay_ms: float | None
    strokes: int


async def draw_strokes(
    page: Page,
    strokes: list[list[tuple[float, float]]],
    *,
    step_px: float = 5.0,
    timeout: float = 30.0,
    send_wait_ms: float = 10_000,
) -> DrawResult:
    """Draws strokes on the canvas with real mouse events and waits for the answer.

    The pointer first crosses the middle of the canvas, as a hand on a mouse does. Until
    the canvas is hovered, its (invisible) toolbar covers the top-right corner (x >= 139,
    y <= 30) and swallows a press there; it slides away within half a second of hovering,
    so each press waits until its point is really on the drawing surface. Each stroke is
    mouse down, a move every `step_px` pixels along it, mouse up.

    Args:
        page: A page on the Draw page with the canvas ready.
        strokes: Points in canvas pixels, one list per stroke.
        step_px: Distance between mouse moves.
        timeout: Seconds to wait for the answer.
        send_wait_ms: A drawing the canvas has not sent this long after the last mouse-up
            counts as never sent (a click, which the canvas keeps to itself).
    """
    box = await canvas(page).bounding_box()
    if box is None:
        raise RuntimeError("The drawing canvas is not on screen.")
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for stroke in strokes:
        x0, y0 = stroke[0]
        await page.mouse.move(box["x"] + x0, box["y"] + y0, steps=3)
        await page.wait_for_function(DRAWABLE_JS, arg=[x0, y0], timeout=timeout * 1000, polling=20)
        await page.mouse.down()
        for (xa, ya), (xb, yb) in itertools.pairwise(stroke):
            steps = max(1, math.ceil(math.dist((xa, ya), (xb, yb)) / step_px))
            await page.mouse.move(box["x"] + xb, box["y"] + yb, steps=steps)
        await page.mouse.up()
        moved = await canvas(page).bounding_box()
        if moved != box:
            raise CanvasMovedError(
                f"The canvas moved from {_place(box)} to {_place(moved)} while a stroke was drawn on it."
            )
    mouse_up = await page.evaluate("() => window.__mnist.mouseups.at(-1)")
    await page.wait_for_function(
        SETTLED_JS, arg=[mouse_up, send_wait_ms, 150], timeout=timeout * 1000, polling=25
    )
    return await drawing_result(page, mouse_up, len(strokes))


def _place(box: dict | None) -> str:
    return "nowhere" if box is None else f"({box['x']:.0f}, {box['y']:.0f})"


async def drawing_result(page: Page, mouse_up: float, strokes: int) -> DrawResult:
    """Reads the page's timing log for the drawing whose last mouse-up was at `mouse_up`."""
    log = await page.evaluate("() => window.__mnist")
    sends = [t for t in log["sends"] if t > mouse_up]
    latency = answer = server = send_delay = None
    starts = [t for t in log["starts"] if sends and t > sends[-1]]
    if starts:
        send_delay = sends[0] - mouse_up
        finishes = [t for t, _ in log["finishes"] if t > starts[0]]
        server = finishes[0] - sends[-1] if finishes else None
        metrics = [t for t, changed, _, _ in log["changes"] if t > starts[0] and changed]
        images = [t for t, _, changed, _ in log["changes"] if t > starts[0] and changed]
        latency = metrics[0] - mouse_up if metrics else None
        answer = images[0] - mouse_up if images else latency
    prediction = await read_metric(page, "Prediction")
    return DrawResult(prediction, latency, answer, server, send_delay, strokes)


async def draw_digit(page: Page, digit: int, rng: random.Random, **options) -> DrawResult:
    """Draws one digit from its template at a random size and place; see `draw_strokes`."""
    return await draw_strokes(page, digit_strokes(digit, rng), **options)
