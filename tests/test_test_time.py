"""Tests for mnist_core.test_time: a classifier averaged over shifted copies of the image, in one file."""

import json

import numpy as np
import pytest

from mnist_core import test_time
from mnist_core.cli import main
from mnist_core.config import config_from_dict
from mnist_core.errors import ConfigError, ModelFileError
from mnist_core.evaluation import evaluate_model
from mnist_core.persistence import load_model, save_model
from mnist_core.predict import predict_probabilities


def _shifted(images: np.ndarray, down: int, right: int) -> np.ndarray:
    """The images moved by (down, right) pixels, with zeros coming in at the edges."""
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    size = images.shape[1]
    return padded[:, 2 - down : 2 - down + size, 2 - right : 2 - right + size]


def test_shift_average_is_the_softmax_of_the_mean_log_probabilities(trained, tiny_data):
    images = tiny_data.x_test[:40].astype(np.float32) / 255.0

    averaged = predict_probabilities(test_time.shift_average(trained.model), images)

    logs = [np.log(predict_probabilities(trained.model, _shifted(images, *s))) for s in test_time.SHIFTS]
    expected = np.exp(np.mean(logs, axis=0))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(averaged, expected, atol=1e-4)


def test_shift_average_of_no_shift_is_the_model_itself(trained, tiny_data):
    images = tiny_data.x_test[:20]

    same = test_time.shift_average(trained.model, shifts=((0, 0),))

    np.testing.assert_allclose(
        predict_probabilities(same, images), predict_probabilities(trained.model, images), atol=1e-5
    )


def test_shift_average_saves_and_loads_in_safe_mode(trained, tiny_data, tmp_path):
    wrapped = test_time.shift_average(trained.model)
    images = tiny_data.x_test[:10]

    loaded = load_model(save_model(wrapped, tmp_path / "shifted.keras")).model

    np.testing.assert_allclose(predict_probabilities(loaded, images), predict_probabilities(wrapped, images))
    assert loaded.count_params() == trained.model.count_params()


@pytest.mark.parametrize("shifts", [(), ((0, 3),)])
def test_shift_average_rejects_bad_shifts(trained, shifts):
    with pytest.raises(ConfigError, match="shifts="):
        test_time.shift_average(trained.model, shifts=shifts)


def test_shift_average_rejects_a_model_without_softmax(trained):
    wrapped = test_time.shift_average(trained.model)

    with pytest.raises(ModelFileError, match="Sequential model ending in a softmax"):
        test_time.shift_average(wrapped)


def test_shift_average_command_wraps_scores_and_keeps_the_sidecar(trained, tiny_npz, tmp_path, capsys):
    source = save_model(trained.model, tmp_path / "single.keras", config=trained.config, test_accuracy=0.5)
    out = tmp_path / "shifted.keras"

    code = main(["shift-average", str(source), "--out", str(out), "--data", str(tiny_npz)])

    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    loaded = load_model(out)
    with np.load(tiny_npz) as data:
        accuracy = evaluate_model(loaded.model, data["x_test"], data["y_test"]).accuracy
    assert summary["test_accuracy"] == pytest.approx(accuracy, abs=1e-6)
    assert loaded.info["test_accuracy"] == pytest.approx(accuracy)
    assert config_from_dict(loaded.info["config"]) == trained.config
    assert loaded.info["single_model_test_accuracy"] == 0.5
    assert len(loaded.info["test_time_shifts"]) == len(test_time.SHIFTS)


def test_shift_average_command_missing_model_is_a_one_line_error(tmp_path, capsys):
    assert main(["shift-average", str(tmp_path / "none.keras"), "--out", str(tmp_path / "out.keras")]) == 2
    error = capsys.readouterr().err
    assert "none.keras" in error and error.count("\n") == 1 and "Traceback" not in error


def test_unwrap_gives_back_the_classifier_and_the_shifts_even_from_a_file(trained, tiny_data, tmp_path):
    wrapped = test_time.shift_average(trained.model, shifts=((0, 0), (1, -2), (-1, 0)), name="shifted")
    images = tiny_data.x_test[:20]

    loaded = load_model(save_model(wrapped, tmp_path / "shifted.keras")).model
    parts = test_time.unwrap(loaded)

    assert parts is not None and parts.shifts == ((0, 0), (1, -2), (-1, 0)) and parts.name == "shifted"
    single, again = predict_probabilities(parts.classifier, images), parts.wrap(parts.classifier)
    np.testing.assert_allclose(single, predict_probabilities(trained.model, images), atol=1e-5)
    np.testing.assert_allclose(predict_probabilities(again, images), predict_probabilities(wrapped, images))


def test_unwrap_leaves_plain_models_alone(trained):
    assert test_time.unwrap(trained.model) is None
    assert test_time.unwrap(None) is None


def test_a_shift_averaged_model_is_fine_tuned_through_its_classifier(trained, tiny_splits, monkeypatch):
    from mnist_core import models
    from mnist_core.training import TrainingJob

    started_from = []
    original = models.continue_from

    def continue_from(model, *args):
        started_from.append(model)
        return original(model, *args)

    monkeypatch.setattr(models, "continue_from", continue_from)
    wrapped = test_time.shift_average(trained.model)

    result = TrainingJob(trained.config.replace(epochs=1), tiny_splits, start_from=wrapped).run()

    assert result is not None and [type(model).__name__ for model in started_from] == ["Sequential"]
    parts = test_time.unwrap(result.model)
    assert parts is not None and parts.shifts == test_time.SHIFTS, "the tuned model is averaged again"
    tuned = evaluate_model(result.model, tiny_splits.x_test, tiny_splits.y_test).accuracy
    assert result.test_accuracy == pytest.approx(tuned)
    assert not np.allclose(result.model.get_weights()[0], wrapped.get_weights()[0]), "the copy was trained"
