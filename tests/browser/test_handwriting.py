"""Teaching a model our handwriting in a real browser: correct its answers, reload, teach, draw again."""

from __future__ import annotations

import random
import re

import pytest

from bench.app_driver import drawing, pages

pytestmark = pytest.mark.browser

DRAWINGS = 10


def cross(rng: random.Random) -> list[list[tuple[float, float]]]:
    """A hand-drawn X: a way of writing a digit that no MNIST writer used."""
    top, bottom = rng.uniform(50, 70), rng.uniform(210, 230)
    left, right = rng.uniform(60, 80), rng.uniform(200, 220)
    return [[(left, top), (right, bottom)], [(right, top), (left, bottom)]]


def correction(page, digit: int):
    """The "No, it was a" button for `digit`."""
    group = page.locator('[data-testid="stButtonGroup"]')
    return group.locator("button").filter(has_text=re.compile(rf"^\s*{digit}\s*$"))


def test_correct_reload_teach_and_the_same_drawing_is_read_right(
    app_server, new_page, run, artifacts, timings
):
    page = new_page()
    run(pages.open_app(page, app_server.url("/draw")))
    run(drawing.wait_draw_ready(page))
    rng = random.Random(5)
    first = run(drawing.draw_strokes(page, cross(rng)))
    meant = (int(first.prediction) + 5) % 10  # Whatever it said, we meant another digit.
    run(page.screenshot(path=artifacts / "handwriting-wrong.png"))
    for number in range(DRAWINGS):
        if number:
            run(drawing.draw_strokes(page, cross(rng)))
        run(correction(page, meant).click())
        run(drawing.wait_draw_ready(page))

    run(page.reload())
    run(
        pages.navigate(
            page, "My handwriting", ready=page.get_by_text("How the models read them"), timeout=120
        )
    )
    run(pages.wait_idle(page, timeout=60))
    counts = run(page.get_by_text(re.compile("Kept per digit")).inner_text())
    assert f"{meant}: {DRAWINGS}" in counts, counts
    run(pages.full_screenshot(page, artifacts / "handwriting-page.png"))

    run(page.get_by_role("button").filter(has_text=re.compile("Teach Default CNN my handwriting")).click())
    added = page.get_by_text(re.compile("Added to your models as"))
    run(added.wait_for(timeout=300_000))
    run(pages.full_screenshot(page, artifacts / "handwriting-taught.png"))

    run(pages.navigate(page, "Draw"))
    run(drawing.wait_draw_ready(page))
    assert run(pages.selected_option(page, "Model")) == "Default CNN + my handwriting"
    again = run(drawing.draw_strokes(page, cross(random.Random(99))))
    run(page.screenshot(path=artifacts / "handwriting-read-right.png"))
    timings["handwriting_first_answer"] = first.prediction
    assert again.prediction == str(meant), (
        f"drew the X taught as {meant}, the taught model says {again.prediction}"
    )
    assert not run(pages.exception_texts(page))
