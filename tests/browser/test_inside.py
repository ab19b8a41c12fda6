"""The Inside page in a real browser: draw on Draw, open Inside, see the feature maps and the attribution."""

from __future__ import annotations

import random
import re

import pytest

from bench.app_driver import drawing, pages
from tests.browser.test_draw import open_draw_page

pytestmark = pytest.mark.browser


def image_with_caption(page, caption: str):
    return page.locator('[data-testid="stImage"]').filter(has_text=caption).locator("img")


def test_draw_then_look_inside_shows_feature_maps_attribution_and_nearest_digits(
    app_server, new_page, run, artifacts
):
    page = new_page()
    open_draw_page(page, app_server, run)
    drawn = run(drawing.draw_digit(page, 3, random.Random(5)))
    assert drawn.prediction == "3", f"drew a 3, the page says {drawn.prediction!r}"

    run(page.get_by_text("Why? Look inside the model").click())  # The Draw page's link.
    run(page.wait_for_url(re.compile(r"/inside(\?|$)")))
    run(page.get_by_text("What the model sees").wait_for(timeout=30_000))
    assert run(pages.read_metric(page, "Prediction")) == "3"
    maps = image_with_caption(page, "64 maps of 12×12").first
    run(maps.wait_for(timeout=30_000))
    box = run(maps.bounding_box())
    assert box["width"] > 200 and box["height"] > 200, box
    run(page.screenshot(path=artifacts / "inside-layers.png", full_page=False))

    run(page.get_by_role("tab", name="Why this digit").click())
    why = image_with_caption(page, "Why 3").first
    run(why.wait_for(timeout=30_000))
    assert run(why.evaluate("image => image.complete && image.naturalWidth")) == 224
    run(page.screenshot(path=artifacts / "inside-why.png"))

    run(page.get_by_role("tab", name="Nearest training digits").click())
    nearest = page.locator('[data-testid="stImage"]').filter(has_text=" · #")
    run(nearest.nth(7).wait_for(timeout=30_000))
    labels = [caption.split(" · ")[0].strip() for caption in run(nearest.all_inner_texts())]
    run(page.screenshot(path=artifacts / "inside-nearest.png"))
    assert len(labels) == 8 and labels.count("3") >= 4, labels
    assert not run(pages.exception_texts(page))
