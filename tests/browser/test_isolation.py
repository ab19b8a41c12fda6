"""Two browser sessions at once: what one trains never shows up in the other."""

from __future__ import annotations

import pytest

from bench.app_driver import drawing, pages, training

pytestmark = pytest.mark.browser

TRAIN_QUERY = "preset=fast-cnn&epochs=1&train_size=1000"
DEFAULT_MODELS = ["Default CNN", "Default MLP"]


def test_model_trained_in_one_session_is_absent_from_another(app_server, new_page, run, artifacts):
    owner, other = new_page(), new_page()
    run(pages.open_app(owner, app_server.url(f"/train?{TRAIN_QUERY}")))
    run(training.start_training(owner))
    run(pages.open_app(other, app_server.url("/draw")))
    run(drawing.wait_draw_ready(other))

    outcome = run(training.wait_training(owner, timeout=240))
    assert outcome.status.state == "done", outcome
    model = outcome.status.model_name

    run(pages.navigate(owner, "Draw"))
    run(drawing.wait_draw_ready(owner))
    assert run(pages.select_options(owner, "Model")) == [*DEFAULT_MODELS, model]

    # The other session reruns its pages after the run finished: still only the defaults.
    run(pages.navigate(other, "Errors", ready=other.get_by_text("Misclassified digits"), timeout=120))
    assert run(pages.select_options(other, "Model")) == DEFAULT_MODELS
    run(pages.navigate(other, "Draw"))
    run(drawing.wait_draw_ready(other))
    assert run(pages.select_options(other, "Model")) == DEFAULT_MODELS
    run(other.screenshot(path=artifacts / "isolation-other-draw.png"))
    run(owner.screenshot(path=artifacts / "isolation-owner-draw.png"))
