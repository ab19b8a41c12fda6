"""AppTest tests of the Inside page: each part (layers, why, nearest digits, preprocessing)."""

import numpy as np
import pytest

from mnist_core.errors import ModelFileError
from pages.ui import state
from pages.ui.resources import get_resources
from tests.apptest import open_app, run_until, server_environment, texts, train_tiny_model


def captions(at) -> list[str]:
    """Every image's caption on the page."""
    return [caption for image in at.get("image") for caption in image.captions]


@pytest.fixture(scope="module", autouse=True)
def app_environment(tiny_npz):
    with server_environment(MNIST_NPZ=tiny_npz):
        yield


def inside(digit_canvas, model: str = "Default CNN"):
    """A session whose Draw page holds a drawing, on the Inside page with `model`, nearest digits ready."""
    at = open_app()
    at.session_state[state.DRAWING] = np.dstack([digit_canvas[0]] * 3 + [np.full((280, 280), 255, np.uint8)])
    at.session_state[state.DRAW_MODEL] = model
    at.switch_page("pages/inside.py").run()
    run_until(at, lambda at: "Finding the nearest" not in texts(at.info), what="the nearest training digits")
    assert not at.exception, at.exception
    return at


def test_without_a_drawing_it_offers_a_test_digit_and_a_link_to_draw():
    at = open_app("pages/inside.py")
    assert at.radio(key=state.INSIDE_SOURCE).value == "An MNIST test digit"
    assert at.metric[0].label == "Prediction"
    at.radio(key=state.INSIDE_SOURCE).set_value("The drawing from the Draw page").run()
    assert "There is no drawing yet" in texts(at.info)
    assert not at.exception


def test_cnn_shows_every_layer_its_filters_and_the_shift_note(digit_canvas):
    at = inside(digit_canvas)
    digit = digit_canvas[1]
    assert at.metric[0].value == str(digit)
    markdown = texts(at.markdown)
    for layer in ("conv_1", "batch_norm_1", "conv_2", "dense_1", "probabilities"):
        assert layer in markdown
    assert "What the first layer learned" in markdown
    assert "shifted by a pixel" in texts(at.info)
    assert "3200 numbers" in texts(at.caption)
    assert "64 maps of 12×12, one colour scale" in captions(at)


def test_why_explains_the_answer_and_a_digit_the_learner_picks(digit_canvas):
    at = inside(digit_canvas)
    digit = digit_canvas[1]
    other = (digit + 3) % 10
    assert "SmoothGrad × input" in texts(at.caption)
    at.selectbox(key=f"{state.INSIDE_WHY}_digit").set_value(other).run()
    shown = captions(at)
    assert f"Why {digit}" in shown and f"Why {other}" in shown
    assert f"Why {digit} and not {other}" in shown
    at.toggle(key=f"{state.INSIDE_WHY}_on_ink").set_value(False).run()
    assert "more ink there would raise the score" in texts(at.caption)
    assert not at.exception


def test_nearest_training_digits_are_eight_with_labels(digit_canvas):
    at = inside(digit_canvas)
    nearest = [caption for caption in captions(at) if " · #" in caption]
    assert len(nearest) == 8
    labels = [int(caption.split(" · ")[0]) for caption in nearest]
    assert labels.count(digit_canvas[1]) >= 4, labels


def test_mlp_shows_weight_templates_and_no_filters(digit_canvas):
    at = inside(digit_canvas, "Default MLP")
    markdown = texts(at.markdown)
    assert "most active first-layer units" in markdown
    assert "What the first layer learned" not in markdown
    assert not [info for info in at.info if "shifted" in info.value]


def test_skipping_preprocessing_steps_changes_what_the_model_sees(digit_canvas):
    at = inside(digit_canvas)
    assert at.metric[-2].label == "The answer with every step"
    at.toggle(key=f"{state.INSIDE_RECIPE}_crop").set_value(False).run()
    at.toggle(key=f"{state.INSIDE_RECIPE}_scale").set_value(False).run()
    assert at.metric[-2].label == "The answer with these steps"
    assert "stretched to fill" in texts(at.caption)
    assert not at.exception


def test_a_run_on_the_train_page_reads_the_drawing_after_every_epoch(digit_canvas):
    at = open_app(query={"preset": "seed-mlp-32-64", "epochs": "2", "train_size": "300"})
    at.session_state[state.DRAWING] = np.dstack([digit_canvas[0]] * 3 + [np.full((280, 280), 255, np.uint8)])
    at.switch_page("pages/train.py").run()
    assert "Finished 2 epochs" in train_tiny_model(at)
    run_until(at, lambda at: "Inside, as it trains" in texts(at.markdown), what="the run's look inside")
    assert "Your drawing" in captions(at)
    assert not at.exception
    store, workspace_id = get_resources().store, at.session_state[state.WORKSPACE]
    model = store.models.load(workspace_id, store.models.list(workspace_id)[-1].id)
    assert model._mnist_inside_neighbours.wait(10), "the new model's index starts in the background"


def test_a_model_that_cannot_be_opened_up_gets_one_sentence(digit_canvas, monkeypatch):
    from mnist_core.inside import neighbours

    def refuse(model, images, labels):
        raise ModelFileError("This model cannot be opened up layer by layer (a test).")

    monkeypatch.setattr(neighbours, "neighbour_index", refuse)
    at = open_app("pages/inside.py")
    assert "cannot be opened up layer by layer" in texts(at.error)
    assert not at.exception
