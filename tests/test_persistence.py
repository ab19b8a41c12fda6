"""Tests for mnist_core.persistence: .keras files with a JSON sidecar, loaded safely."""

import io
import json
import re
import zipfile
from datetime import datetime

import numpy as np
import pytest

from mnist_core.errors import ModelFileError
from mnist_core.persistence import (
    check_classifier,
    load_model,
    load_model_bytes,
    model_to_bytes,
    save_model,
    sidecar_path,
)
from mnist_core.predict import predict_probabilities
from mnist_core.runtime import tensorflow


def _keras():
    tensorflow()
    import keras

    return keras


def _dense_model(input_shape, outputs=10, extra_layers=()):
    keras = _keras()
    return keras.Sequential(
        [keras.Input(input_shape), keras.layers.Flatten(), *extra_layers, keras.layers.Dense(outputs)]
    )


def test_save_and_load_model_round_trip(trained, tiny_splits, model_dir):
    path = save_model(
        trained.model,
        model_dir / "run.keras",
        config=trained.config,
        data_source="tiny",
        test_accuracy=trained.test_accuracy,
        extra={"epochs_run": 3},
    )

    loaded = load_model(path)

    assert path == model_dir / "run.keras" and path.is_file()
    images = tiny_splits.x_test[:50]
    np.testing.assert_allclose(
        predict_probabilities(loaded.model, images), predict_probabilities(trained.model, images), atol=1e-6
    )
    sidecar = json.loads(sidecar_path(path).read_text())
    assert sidecar == loaded.info
    assert sidecar["config"] == json.loads(json.dumps(trained.config.to_dict()))
    assert sidecar["kind"] == "mlp" and sidecar["params"] == trained.model.count_params()
    assert sidecar["test_accuracy"] == trained.test_accuracy
    assert sidecar["data_source"] == "tiny" and sidecar["epochs_run"] == 3
    assert datetime.fromisoformat(sidecar["created"]).tzinfo is not None
    assert loaded.path == path


def test_save_model_creates_parent_folders(trained, tmp_path):
    path = save_model(trained.model, tmp_path / "a" / "b" / "m.keras")

    assert path.is_file() and sidecar_path(path).is_file()
    assert json.loads(sidecar_path(path).read_text())["config"] is None


def test_save_model_refuses_other_suffix(trained, tmp_path):
    with pytest.raises(ModelFileError, match=r"must end in \.keras"):
        save_model(trained.model, tmp_path / "model.h5")
    assert not (tmp_path / "model.h5").exists()


def test_load_model_bytes_same_bytes_work(trained, tiny_splits, model_dir):
    path = save_model(trained.model, model_dir / "run.keras", config=trained.config)

    loaded = load_model_bytes(path.read_bytes(), "My Model.KERAS")

    assert loaded.info == {"uploaded_as": "My Model.KERAS"}
    assert loaded.path is None
    images = tiny_splits.x_test[:20]
    np.testing.assert_allclose(
        predict_probabilities(loaded.model, images), predict_probabilities(trained.model, images), atol=1e-6
    )


def test_model_to_bytes_loadable(trained, tiny_splits):
    data = model_to_bytes(trained.model)

    assert zipfile.is_zipfile(io.BytesIO(data))
    loaded = load_model_bytes(data, "download.keras")
    images = tiny_splits.x_test[:20]
    np.testing.assert_allclose(
        predict_probabilities(loaded.model, images), predict_probabilities(trained.model, images), atol=1e-6
    )


def test_load_model_unreadable_sidecar_gives_warning(trained, model_dir):
    path = save_model(trained.model, model_dir / "run.keras")
    sidecar_path(path).write_text("{not json")

    loaded = load_model(path)

    assert "unreadable" in loaded.info["warning"]


def test_load_model_missing_file_raises(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "absent.keras")


def test_load_model_corrupt_file_raises(tmp_path):
    path = tmp_path / "corrupt.keras"
    path.write_bytes(np.random.default_rng(0).bytes(4096))

    with pytest.raises(ModelFileError, match=r"corrupt\.keras is not a valid \.keras archive"):
        load_model(path)


def test_load_model_zip_without_config_raises(tmp_path):
    path = tmp_path / "archive.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", "{}")
        archive.writestr("model.weights.h5", b"\x00" * 16)

    with pytest.raises(ModelFileError, match=r"no config\.json"):
        load_model(path)


def test_load_model_broken_config_raises(tmp_path):
    path = tmp_path / "broken.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", '{"class_name": "NoSuchLayer", "config": {}}')
        archive.writestr("metadata.json", "{}")

    with pytest.raises(ModelFileError, match="could not be loaded as a Keras model"):
        load_model(path)


@pytest.mark.parametrize("filename", ["model.h5", "model.keras.zip", "weights"])
def test_load_model_bytes_non_keras_name_raises(trained, filename):
    with pytest.raises(ModelFileError, match=re.escape(f"{filename} is not a .keras file")):
        load_model_bytes(model_to_bytes(trained.model), filename)


def test_load_model_non_keras_path_raises(trained, tmp_path):
    path = tmp_path / "model.zip"
    path.write_bytes(model_to_bytes(trained.model))

    with pytest.raises(ModelFileError, match=r"model.zip is not a .keras file"):
        load_model(path)


@pytest.mark.parametrize(
    ("input_shape", "outputs", "shapes"),
    [((32, 32, 3), 10, r"\(32, 32, 3\) to \(10,\)"), ((28, 28), 5, r"\(28, 28\) to \(5,\)")],
)
def test_load_model_wrong_shape_raises(model_dir, input_shape, outputs, shapes):
    path = model_dir / "other.keras"
    _dense_model(input_shape, outputs).save(path)

    with pytest.raises(ModelFileError, match=f"maps {shapes}; an MNIST classifier"):
        load_model(path)


def test_load_model_lambda_layer_refused_by_safe_mode(model_dir):
    keras = _keras()
    path = model_dir / "lambda.keras"
    _dense_model((28, 28), extra_layers=[keras.layers.Lambda(lambda x: x * 2.0)]).save(path)

    with pytest.raises(ModelFileError, match=r"Lambda layer.*safe mode"):
        load_model(path)
    with pytest.raises(ModelFileError, match=r"upload\.keras contains a Lambda layer"):
        load_model_bytes(path.read_bytes(), "upload.keras")


@pytest.mark.parametrize("input_shape", [(28, 28), (28, 28, 1), (784,)])
def test_check_classifier_accepts_mnist_layouts(input_shape, model_dir):
    path = model_dir / "ok.keras"
    _dense_model(input_shape).save(path)

    loaded = load_model(path)

    check_classifier(loaded.model)
    assert tuple(loaded.model.inputs[0].shape[1:]) == input_shape


def test_check_classifier_refuses_two_inputs():
    keras = _keras()
    first, second = keras.Input((28, 28)), keras.Input((28, 28))
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(keras.layers.Add()([first, second])))
    model = keras.Model([first, second], outputs)

    with pytest.raises(ModelFileError, match="the model maps"):
        check_classifier(model)
