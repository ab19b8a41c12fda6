"""The Train page in a real browser: a run from a link, page switches mid-run, then Errors and Draw."""

from __future__ import annotations

import random
import time

import pytest

from bench.app_driver import drawing, pages, training

pytestmark = pytest.mark.browser

# Small enough to finish in seconds on 2 cores; batches of 8 make it long enough (500 steps)
# to watch the progress move and to switch pages while it runs.
TRAIN_QUERY = "preset=fast-cnn&epochs=2&train_size=2000&batch_size=8"
DEFAULT_MODELS = ["Default CNN", "Default MLP"]


def run_heading(page, label: str):
    return page.locator("h3").filter(has_text=label)


def test_train_from_link_then_errors_and_draw_use_the_model(app_server, new_page, run, artifacts, timings):
    page = new_page()
    run(pages.open_app(page, app_server.url(f"/train?{TRAIN_QUERY}")))
    # The link's settings are in the form and nothing in it was ignored.
    assert run(page.get_by_label("Epochs", exact=True).input_value()) == "2"
    assert run(page.get_by_label("Training examples", exact=True).input_value()) == "2000"
    assert run(page.locator('[data-testid="stAlertContentWarning"]').count()) == 0
    assert run(pages.selected_option(page, "Recipe")) == "fast-cnn"
    run(pages.full_screenshot(page, artifacts / "train.png"))

    # A double press: both clicks reach the server, only one run starts.
    started = time.perf_counter()
    run(training.start_button(page).dblclick())
    status = run(training.training_status(page))
    while status.run_label is None:
        status = run(training.training_status(page))
    label = status.run_label
    assert label.startswith("Run 1 · fast-cnn"), label

    # The live view moves while it runs: the progress text changes and the curves appear.
    progress, charts = [], 0
    while (len(set(progress)) < 3 or not charts) and status.state in ("starting", "queued", "running"):
        run(page.wait_for_timeout(250))
        status = run(training.training_status(page))
        if status.state == "running":
            progress.append(status.text)
            charts = run(page.locator('[data-testid="stVegaLiteChart"]').count())
            assert not status.start_enabled, "Start training should be disabled while a run is going"
    assert len(set(progress)) >= 3, f"the progress text did not move while running: {progress}"
    assert charts >= 2, "the loss and accuracy curves did not show while running"
    run(pages.full_screenshot(page, artifacts / "train-running.png"))

    # Away to Draw and back, with the app's own links: same session, the run carries on.
    run(pages.navigate(page, "Draw"))
    run(drawing.wait_draw_ready(page))
    run(pages.navigate(page, "Train", ready=run_heading(page, label)))
    status = run(training.training_status(page))
    assert status.run_label == label and status.state in ("running", "done"), status
    if status.state == "running":
        # Pressing the (disabled) Start button again must not start a second run.
        run(training.start_button(page).click(force=True))
        run(page.wait_for_timeout(500))

    outcome = run(training.wait_training(page, timeout=240))
    total_s = time.perf_counter() - started
    timings["train_fast_cnn_2x2000_s"] = round(total_s, 1)
    print(f"Run finished in {total_s:.1f} s: {outcome.status.text}; statuses seen: {outcome.texts}")
    assert outcome.status.state == "done", outcome
    assert run(page.locator("h3").filter(has_text="Run 2").count()) == 0, "a second run started"
    model = outcome.status.model_name
    assert model == label, (model, label)
    run(pages.wait_idle(page))
    assert run(training.training_status(page)).start_enabled, "Start training should be enabled again"
    run(pages.full_screenshot(page, artifacts / "train-done.png"))

    # Errors: the new model is selected, with its confusion matrix and gallery of mistakes.
    gallery = page.get_by_text("Misclassified digits")
    run(pages.navigate(page, "Errors", ready=gallery, timeout=120))
    run(pages.wait_idle(page, timeout=120))
    assert run(pages.selected_option(page, "Model")) == model
    assert run(page.locator('[data-testid="stVegaLiteChart"]').count()) >= 2  # Matrix and per-digit bars.
    assert run(page.locator('[data-testid="stImage"] img').count()) > 0, "no misclassified digits shown"
    assert run(pages.exception_texts(page)) == []
    run(pages.full_screenshot(page, artifacts / "errors-run.png"))

    # Draw: the model is in the picker (and selected), and it answers a drawing.
    run(pages.navigate(page, "Draw"))
    run(drawing.wait_draw_ready(page))
    assert run(pages.selected_option(page, "Model")) == model
    assert run(pages.select_options(page, "Model")) == [*DEFAULT_MODELS, model]
    result = run(drawing.draw_digit(page, 3, random.Random(1)))
    assert result.prediction not in (None, "-")
    run(page.screenshot(path=artifacts / "draw-run-model.png"))
