"""Tablets and phones: Draw with touch at three sizes, a rotation, and the other pages at tablet width."""

from __future__ import annotations

import random
import re

import pytest

from bench.app_driver import drawing, pages, touch

pytestmark = pytest.mark.browser

# The canvas's drawing, as pixels: how much of it is ink (its lower canvas holds what was drawn).
INK_JS = """
() => {
  const host = document.querySelector('[data-testid="stBidiComponentIsolated"]');
  const canvas = (host.shadowRoot || host).querySelector("canvas.dc-canvas.lower-canvas");
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i] > 128) ink++;
  return ink / (pixels.length / 4);
}
"""


def wait_for_answer(run, page, timeout_s: float = 20.0) -> str | None:
    """The Prediction once the page has answered the drawing (the canvas sends it after a short pause)."""
    for _ in range(int(timeout_s * 4)):
        answer = run(pages.read_metric(page, "Prediction"))
        if answer not in (None, "-"):
            run(pages.wait_idle(page))
            return answer
        run(page.wait_for_timeout(250))
    return run(pages.read_metric(page, "Prediction"))


def canvas_origin(run, page) -> tuple[float, float]:
    box = run(page.evaluate(touch.CANVAS_VISIBLE_JS, 2))["box"]
    return box[0], box[1]


@pytest.mark.parametrize("device", list(touch.DEVICES))
def test_draw_with_touch_whole_canvas_answer_in_view(device, app_server, browser, run, artifacts):
    page = run(touch.touch_page(browser, device))
    try:
        run(page.goto(app_server.url("/draw")))
        run(drawing.wait_draw_ready(page))
        visible = run(page.evaluate(touch.CANVAS_VISIBLE_JS, 2))
        assert visible["visible"], f"{device}: the canvas is covered or cut at {visible['misses']}"
        before = run(page.evaluate(touch.SCROLL_JS))
        strokes = drawing.digit_strokes(7, random.Random(4))
        run(touch.touch_strokes(page, strokes, canvas_origin(run, page)))
        answer = wait_for_answer(run, page)
        run(page.screenshot(path=artifacts / f"touch-{device}.png"))

        assert run(page.evaluate(touch.SCROLL_JS)) == before, "drawing scrolled or zoomed the page"
        assert answer == "7"
        for label in ("Prediction", "Confidence"):
            assert run(touch.in_viewport(page, pages.metric(page, label))), (
                f"{device}: {label} is out of view"
            )
        clear = page.get_by_role("button").filter(has_text="Clear")
        box = run(clear.bounding_box())
        assert box["height"] >= 36 and box["width"] >= 120, f"Clear is small to hit: {box}"
        assert run(touch.in_viewport(page, clear))
        assert not run(pages.exception_texts(page))
    finally:
        run(page.context.close())


def test_a_drawing_survives_rotating_the_tablet(app_server, browser, run, artifacts):
    page = run(touch.touch_page(browser, "tablet-portrait"))
    try:
        run(page.goto(app_server.url("/draw")))
        run(drawing.wait_draw_ready(page))
        run(touch.touch_strokes(page, drawing.digit_strokes(3, random.Random(8)), canvas_origin(run, page)))
        answer, ink = wait_for_answer(run, page), run(page.evaluate(INK_JS))
        assert answer == "3" and ink > 0.02

        run(page.set_viewport_size(touch.DEVICES["tablet-landscape"]))
        run(page.wait_for_timeout(1500))
        run(page.screenshot(path=artifacts / "touch-rotated.png"))

        assert run(page.evaluate(INK_JS)) == pytest.approx(ink), "the drawing changed when the tablet turned"
        assert run(pages.read_metric(page, "Prediction")) == answer
        assert run(page.evaluate(touch.CANVAS_VISIBLE_JS, 2))["visible"]
    finally:
        run(page.context.close())


def test_the_other_pages_work_at_tablet_width_with_touch(app_server, browser, run, artifacts):
    page = run(touch.touch_page(browser, "tablet-portrait"))
    width = touch.DEVICES["tablet-portrait"]["width"]
    try:
        run(pages.open_app(page, app_server.url("/train?preset=fast-cnn")))
        editor = page.locator('[data-testid="stDataFrame"]').first
        box = run(editor.bounding_box())
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, f"the layer table is cut: {box}"
        run(pages.full_screenshot(page, artifacts / "touch-train.png"))

        run(pages.navigate(page, "Errors", ready=page.get_by_text("Misclassified digits"), timeout=120))
        run(pages.wait_idle(page, timeout=120))
        run(page.get_by_text(re.compile(r"mistakes match · page")).first.wait_for(timeout=120_000))
        assert run(pages.selected_option(page, "True digit")) == "any"
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        box, bars = run(charts.nth(0).bounding_box()), run(charts.nth(1).bounding_box())
        assert box["x"] + box["width"] <= width + 1, "the confusion matrix is cut"
        apart = bars["y"] >= box["y"] + box["height"] or bars["x"] >= box["x"] + box["width"]
        assert apart, f"the per-digit bars lie over the confusion matrix: {box}, {bars}"
        # A tap on a cell in the matrix's middle (the 10x10 cells sit below and right of the axis titles).
        run(page.touchscreen.tap(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.55))
        run(pages.wait_idle(page, timeout=60))
        run(pages.full_screenshot(page, artifacts / "touch-errors.png"))
        filters = [run(pages.selected_option(page, label)) for label in ("True digit", "Predicted digit")]
        assert "any" not in filters, f"tapping a confusion-matrix cell did not filter the gallery: {filters}"
        assert not run(pages.exception_texts(page))
    finally:
        run(page.context.close())
