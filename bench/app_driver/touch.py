"""Tablets and phones: touch-screen browser contexts, strokes as real touch events, and what is on screen."""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING

from bench.app_driver.hooks import INIT_SCRIPT

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

# The emulated devices: CSS pixels, at a device pixel ratio of 2, with touch and a mobile viewport.
DEVICES = {
    "phone": {"width": 390, "height": 844},
    "tablet-portrait": {"width": 820, "height": 1180},
    "tablet-landscape": {"width": 1180, "height": 820},
}

# For each point along the canvas's four edges (inset `inset` px): is the canvas the element there, and is
# the point inside the viewport? Answers {visible, misses: [[x, y, what is there]], box}.
CANVAS_VISIBLE_JS = """
(inset) => {
  const host = document.querySelector('[data-testid="stBidiComponentIsolated"]');
  const root = host && (host.shadowRoot || host);
  const surface = root && root.querySelector("canvas.upper-canvas");
  if (!surface) return {visible: false, misses: [["no canvas"]], box: null};
  const box = surface.getBoundingClientRect();
  const points = [];
  for (let i = 0; i <= 10; i++) {
    const fx = box.left + inset + (box.width - 2 * inset) * i / 10;
    const fy = box.top + inset + (box.height - 2 * inset) * i / 10;
    points.push([fx, box.top + inset], [fx, box.bottom - inset]);
    points.push([box.left + inset, fy], [box.right - inset, fy]);
  }
  const misses = [];
  for (const [x, y] of points) {
    const inside = x >= 0 && y >= 0 && x <= innerWidth && y <= innerHeight;
    const hit = (root.elementFromPoint ? root : document).elementFromPoint(x, y);
    const what = !inside ? "off screen" : hit ? hit.tagName + "." + hit.className : "none";
    if (!inside || hit !== surface) misses.push([x, y, what]);
  }
  const place = [box.left, box.top, box.width, box.height];
  return {visible: misses.length === 0, misses: misses.slice(0, 5), box: place};
}
"""

# Where the page is scrolled to (Streamlit scrolls its main block, not the window).
SCROLL_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return [window.scrollX, window.scrollY, main ? main.scrollTop : 0, window.visualViewport.scale];
}
"""


async def touch_page(browser: Browser, device: str) -> Page:
    """A page in a fresh touch-screen context (a new Streamlit session) sized like `device`."""
    context = await browser.new_context(
        viewport=DEVICES[device], device_scale_factor=2, is_mobile=True, has_touch=True
    )
    await context.add_init_script(INIT_SCRIPT)
    return await context.new_page()


async def touch_strokes(
    page: Page, strokes: list[list[tuple[float, float]]], origin: tuple[float, float]
) -> None:
    """Draws strokes with real touch events (touchStart, touchMove every few pixels, touchEnd).

    Args:
        page: The page.
        strokes: Points in canvas pixels, one list per stroke.
        origin: The canvas's top-left corner in the viewport.
    """
    session = await page.context.new_cdp_session(page)
    for stroke in strokes:
        points = [{"x": origin[0] + x, "y": origin[1] + y} for x, y in stroke]
        await session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
        for start, end in itertools.pairwise(points):
            steps = max(1, int(max(abs(end["x"] - start["x"]), abs(end["y"] - start["y"])) / 6))
            for step in range(1, steps + 1):
                point = {
                    "x": start["x"] + (end["x"] - start["x"]) * step / steps,
                    "y": start["y"] + (end["y"] - start["y"]) * step / steps,
                }
                await session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        await session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        await asyncio.sleep(0.05)
    await session.detach()


async def in_viewport(page: Page, locator) -> bool:
    """Whether the element is wholly inside the viewport (nothing to scroll to see it)."""
    box = await locator.bounding_box()
    size = page.viewport_size
    return bool(
        box
        and size
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"]
    )
