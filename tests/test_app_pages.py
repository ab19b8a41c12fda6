"""AppTest tests of the pages, on a tiny data set with server caps set by environment variables.

Each `AppTest` is one browser session; they share the process-wide `SharedResources`
(made afresh for this module, so the environment below applies).
"""

import io

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from mnist_core.persistence import load_model_bytes, model_to_bytes
from mnist_core.presets import PRESETS
from mnist_core.resources import forget_shared_resources
from pages.ui import evaluations, state
from pages.ui.resources import get_resources
from tests.apptest import (
    APP,
    TIMEOUT,
    button,
    loading,
    model_names,
    open_app,
    run_until,
    server_environment,
    texts,
    train_tiny_model,
    wait_until_no_training,
)
from tests.hostile_images import EPS, encode, gif_with_last_byte, tiff_second_page_without_size
from tests.hostile_zips import declare_unpacked_size

MAX_EPOCHS, MAX_UNITS = 5, 256
# A run that takes a second or two on 540 tiny-set digits.
TINY_RUN = {"preset": "seed-mlp-32-64", "epochs": "1", "train_size": "300"}


@pytest.fixture(scope="module", autouse=True)
def app_environment(tiny_npz):
    """The server's settings for every session of this module: tiny data, low caps, one run at a time."""
    with server_environment(
        MNIST_NPZ=tiny_npz, MNIST_MAX_EPOCHS=MAX_EPOCHS, MNIST_MAX_UNITS=MAX_UNITS, MNIST_MAX_TRAININGS=1
    ):
        yield


def gallery(at) -> list[str]:
    """The Errors page's mistakes, by their captions (each a button that opens a closer look)."""
    return [item.label for item in at.button if item.key and item.key.startswith("mistake_")]


# Home ----------------------------------------------------------------------------------------


def test_home_shows_links_data_source_and_default_models():
    at = open_app()
    assert at.title[0].value.endswith("MNIST Playground")
    assert [link.label for link in at.page_link] == ["Train", "Errors", "Draw", "Inside", "My handwriting"]
    assert "tiny_mnist.npz" in texts(at.warning), "a partial data set is flagged"
    assert "In use: 600 training and 200 test digits." in texts(at.caption)
    assert model_names(at) == ["Default CNN", "Default MLP"]


def test_home_waits_for_a_fresh_load_without_rerunning():
    forget_shared_resources()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [link.label for link in at.page_link] == ["Train", "Errors", "Draw", "Inside", "My handwriting"]
    assert not loading(at), "the page waits in place for the load, then shows what loaded"
    assert model_names(at) == ["Default CNN", "Default MLP"]


# Train ---------------------------------------------------------------------------------------


def test_train_page_renders_form_estimate_and_start():
    at = open_app("pages/train.py")
    assert at.selectbox(key="cfg.recipe").value == "fast-cnn"
    assert at.number_input(key="cfg.epochs").value == PRESETS["fast-cnn"].config.epochs
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Parameters"] == "225,546"
    assert "Time per epoch (est.)" in metrics
    assert not button(at, "Start training").disabled
    assert button(at, "Stop").disabled
    assert "No run yet" in texts(at.info)


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ("", "Hidden layer sizes: hidden_units is empty"),
        ("128, , 64", "entry 2 is empty"),
        ("128, 0", "hidden_units[1]=0 is out of range"),
        ("wide", "is not a whole number"),
        ("512", f"above this server's cap of {MAX_UNITS} (set by MNIST_MAX_UNITS)"),
    ],
)
def test_train_invalid_hidden_layers_show_a_message_and_block_start(sizes, message):
    at = open_app("pages/train.py")
    at.selectbox(key="cfg.recipe").set_value("custom MLP").run()
    at.text_input(key="cfg.hidden_units").input(sizes).run()
    assert not at.exception
    assert message in texts(at.error)
    assert button(at, "Start training").disabled


def test_train_zero_learning_rate_shows_a_message():
    at = open_app("pages/train.py")
    at.number_input(key="cfg.learning_rate").set_value(0.0).run()
    assert "Learning rate: learning_rate=0.0 is out of range" in texts(at.error)
    assert button(at, "Start training").disabled


def test_train_query_parameters_prefill_the_form_and_report_ignored_values():
    query = {"preset": "seed-cnn-dropout", "epochs": "2", "bogus": "1", "learning_rate": "fast"}
    at = open_app("pages/train.py", query)
    assert at.selectbox(key="cfg.recipe").value == "seed-cnn-dropout"
    assert at.number_input(key="cfg.epochs").value == 2
    assert at.slider(key="cfg.dense_dropout_rate").value == 0.5
    notices = texts(at.warning)
    assert "Ignored bogus='1'" in notices and "Ignored learning_rate='fast'" in notices
    assert "/train?preset=seed-cnn-dropout&epochs=2" in at.code[0].value


def test_train_query_is_read_once_so_later_edits_stay():
    at = open_app("pages/train.py", {"preset": "seed-mlp-128", "epochs": "2"})
    at.number_input(key="cfg.epochs").set_value(4).run()
    at.switch_page("pages/draw.py").run()
    at.switch_page("pages/train.py").run()
    assert at.number_input(key="cfg.epochs").value == 4
    assert at.selectbox(key="cfg.recipe").value == "seed-mlp-128"


def test_train_epochs_above_the_cap_are_lowered_with_a_notice():
    at = open_app("pages/train.py", {"preset": "seed-mlp-128", "epochs": "40"})
    assert at.number_input(key="cfg.epochs").value == MAX_EPOCHS
    assert at.number_input(key="cfg.epochs").max == MAX_EPOCHS
    assert f"epochs=40 is above this server's cap of {MAX_EPOCHS}" in texts(at.warning)
    assert f"at most {MAX_EPOCHS} epochs" in texts(at.caption)


def test_tiny_run_survives_page_switches_and_its_model_reaches_errors_and_draw():
    at = open_app("pages/train.py", TINY_RUN)
    button(at, "Start training").click().run()
    assert button(at, "Start training").disabled, "a second Start must be impossible while training"
    assert not button(at, "Stop").disabled
    runs = get_resources().runs
    job = runs.latest(at.session_state[state.WORKSPACE]).job
    at.switch_page("pages/draw.py").run()
    at.switch_page("pages/train.py").run()
    assert runs.latest(at.session_state[state.WORKSPACE]).job is job
    run_until(at, lambda at: at.success, what="the run to finish")
    assert "Finished 1 epochs" in texts(at.success)
    name = "Run 1 · seed-mlp-32-64 (edited)"
    assert model_names(at) == ["Default CNN", "Default MLP", name]
    assert not button(at, "Start training").disabled
    assert at.multiselect[0].value == [name], "the finished run is offered for comparison"
    assert at.selectbox(key=state.FILES_MODEL).value == name, "the download box offers the newest model"
    store = get_resources().store
    record = store.models.list(at.session_state[state.WORKSPACE])[-1]
    trained = store.models.load(at.session_state[state.WORKSPACE], record.id)
    assert record.name == name and (
        load_model_bytes(model_to_bytes(trained), "run.keras").model.count_params() == trained.count_params()
    )

    at.switch_page("pages/errors.py").run()
    assert not at.exception
    assert at.selectbox(key="errors_model").value == name
    metrics = {metric.label: metric.value for metric in at.metric}
    mistakes = int(metrics["Mistakes (of 200)"])
    assert len(gallery(at)) == min(mistakes, 40), "the gallery's first page holds up to 40"
    assert f"{mistakes:,} mistakes match · page 1 of" in texts(at.caption)
    at.selectbox(key="errors_true").set_value(7).run()
    sevens = gallery(at)
    assert sevens and all(caption.startswith("7 →") for caption in sevens)
    first = next(item for item in at.button if item.key and item.key.startswith("mistake_"))
    first.click().run()
    said = sevens[0].split(" → ")[1].split(" ")[0]
    looks = [caption for image in at.get("image") for caption in image.captions]
    assert f"Why {said} and not 7" in looks and "SmoothGrad" in texts(at.caption), looks
    assert not at.exception

    at.switch_page("pages/draw.py").run()
    assert at.selectbox(key="draw_model").value == name
    assert [(metric.label, metric.value) for metric in at.metric] == [("Prediction", "-")]


def test_diverging_run_reports_advice_and_adds_no_model():
    at = open_app("pages/train.py", {**TINY_RUN, "learning_rate": "10", "batch_size": "10"})
    status = train_tiny_model(at)
    assert "The loss blew up" in status and "learning rate 10 is too high" in status
    assert model_names(at) == ["Default CNN", "Default MLP"]


def test_second_session_waits_in_the_queue_and_stop_frees_the_slot():
    first = open_app("pages/train.py", {**TINY_RUN, "epochs": "5", "batch_size": "2"})  # Long enough to stop.
    second = open_app("pages/train.py", TINY_RUN)
    wait_until_no_training()
    button(first, "Start training").click().run()
    button(second, "Start training").click().run()
    assert "Queued: position 1." in texts(second.info)
    button(first, "Stop").click().run()
    run_until(first, lambda at: at.success, what="the stopped run to end")
    assert "Stopped by you" in texts(first.success)
    run_until(second, lambda at: at.success, what="the queued run to finish")
    assert "Finished 1 epochs" in texts(second.success)


def test_uploading_a_corrupt_model_shows_the_reason_and_keeps_the_list():
    at = open_app("pages/train.py")
    broken = ("broken.keras", b"not a zip file", "application/octet-stream")
    at.file_uploader(key="train_upload").set_value(broken).run()
    assert "not a valid .keras archive" in texts(at.error)
    assert model_names(at) == ["Default CNN", "Default MLP"]


def test_uploading_a_model_that_would_unpack_to_a_gigabyte_is_refused_in_one_sentence():
    data = model_to_bytes(get_resources().default_models[1].model)
    bomb = declare_unpacked_size(data, "config.json", 1 << 30)
    at = open_app("pages/train.py")
    at.file_uploader(key="train_upload").set_value(("bomb.keras", bomb, "application/octet-stream")).run()
    assert not at.exception
    assert "possible decompression bomb" in texts(at.error)
    assert model_names(at) == ["Default CNN", "Default MLP"]


def test_uploading_a_keras_model_adds_it_to_the_workspace():
    data = model_to_bytes(get_resources().default_models[1].model)
    at = open_app("pages/train.py")
    at.file_uploader(key="train_upload").set_value(("my-mlp.keras", data, "application/octet-stream")).run()
    assert "Added Uploaded · my-mlp to your models." in texts(at.success)
    assert model_names(at)[-1] == "Uploaded · my-mlp"
    another_browser = open_app("pages/draw.py")
    assert another_browser.selectbox(key="draw_model").options == ["Default CNN", "Default MLP"]


# Errors and Draw -------------------------------------------------------------------------------


def test_errors_page_scores_a_default_model_and_caches_the_report():
    at = open_app("pages/errors.py")
    assert at.selectbox(key="errors_model").value == "Default CNN"
    assert {metric.label for metric in at.metric} == {"Accuracy", "Mistakes (of 200)", "Mean loss"}
    at.radio(key="errors_split").set_value("validation").run()
    assert not at.exception
    assert len(at.session_state[state.EVALUATIONS]) == 2


def test_a_default_models_report_is_scored_once_for_every_session(monkeypatch):
    first = open_app("pages/errors.py")
    accuracy = {metric.label: metric.value for metric in first.metric}["Accuracy"]

    def refuse(*args, **kwargs):
        raise AssertionError("a second session scored the default model again")

    monkeypatch.setattr(evaluations, "evaluate_model", refuse)
    second = open_app("pages/errors.py")
    assert not second.exception
    assert {metric.label: metric.value for metric in second.metric}["Accuracy"] == accuracy


def test_draw_page_with_an_empty_canvas_predicts_nothing():
    at = open_app("pages/draw.py")
    assert [(metric.label, metric.value) for metric in at.metric] == [("Prediction", "-")]
    assert "draw a digit" in texts(at.info)
    assert [item.label for item in at.main.button] == ["Clear"]
    at.checkbox(key="draw_compare").check().run()
    assert at.selectbox(key="draw_model_b").value == "Default MLP"


def test_draw_page_classifies_an_uploaded_picture(digit_canvas):
    canvas, label = digit_canvas
    picture = io.BytesIO()
    Image.fromarray(255 - canvas).save(picture, format="PNG")  # Dark ink on white paper.
    at = open_app("pages/draw.py")
    at.file_uploader(key="draw_upload").set_value(("digit.png", picture.getvalue(), "image/png")).run()
    metrics = [(metric.label, metric.value) for metric in at.metric if "Prediction" in metric.label]
    # The empty canvas keeps its own "Prediction"; the picture's answer is labelled apart.
    assert metrics == [("Prediction", "-"), ("Prediction for the picture", str(label))]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (encode(Image.new("L", (1, 1), 255), "PNG"), "is 1x1 pixels, too small to hold a digit"),
        (encode(Image.new("L", (10000, 10), 255), "PNG"), "is 10000x10 pixels, too thin"),
        (gif_with_last_byte(b"!"), "is damaged or truncated"),
        (tiff_second_page_without_size(), "is not an image in a format this app reads"),
        (EPS, "is not an image in a format this app reads"),
    ],
    ids=["1x1", "10000x10 strip", "corrupt gif", "tiff page without size", "eps named png"],
)
def test_draw_page_refuses_a_hostile_picture_in_one_sentence_without_a_traceback(data, message):
    at = open_app("pages/draw.py")
    at.file_uploader(key="draw_upload").set_value(("digit.png", data, "image/png")).run()
    assert not at.exception
    errors = [error.value for error in at.error]
    assert len(errors) == 1 and message in errors[0] and errors[0].count(". ") == 0
    assert [(metric.label, metric.value) for metric in at.metric] == [("Prediction", "-")]


def test_draw_page_explains_an_upload_that_is_not_an_image():
    at = open_app("pages/draw.py")
    at.file_uploader(key="draw_upload").set_value(("digit.png", b"plain text", "image/png")).run()
    assert "not an image" in texts(at.error)
