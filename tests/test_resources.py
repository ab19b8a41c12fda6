"""Tests for mnist_core.resources: data and default models loaded once for every session."""

import shutil

import numpy as np
import pytest

from mnist_core.persistence import save_model
from mnist_core.resources import SharedResources
from mnist_core.settings import load_settings


@pytest.fixture
def shipped_dir(trained, model_dir):
    """A models folder holding the tiny trained model as both default models."""
    save_model(trained.model, model_dir / "cnn.keras", config=trained.config, test_accuracy=0.9)
    for name in ("cnn.keras", "cnn.json"):
        shutil.copy(model_dir / name, model_dir / name.replace("cnn", "mlp"))
    return model_dir


def test_shared_resources_load_data_and_default_models(shipped_dir, tiny_npz, monkeypatch):
    monkeypatch.setenv("MNIST_NPZ", str(tiny_npz))
    monkeypatch.setenv("MNIST_MAX_TRAININGS", "3")
    resources = SharedResources(load_settings(), models_dir=shipped_dir, start=False)
    assert not resources.ready and resources.data is None

    resources.load()

    assert resources.ready and resources.wait(0) and resources.stage == "Ready."
    assert resources.data_error == "" and resources.model_errors == []
    assert (len(resources.data.y_train), len(resources.data.y_test)) == (600, 200)
    assert str(tiny_npz) in resources.data.source
    assert [entry.name for entry in resources.default_models] == ["Default CNN", "Default MLP"]
    for entry in resources.default_models:
        assert entry.origin == "default" and entry.test_accuracy == 0.9
        assert entry.config is not None
    assert resources.limiter.max_running == 3


def test_shared_resources_missing_models_dir_gives_model_errors(tmp_path, tiny_npz, monkeypatch):
    monkeypatch.setenv("MNIST_NPZ", str(tiny_npz))
    resources = SharedResources(load_settings(), models_dir=tmp_path / "no-models", start=False)

    resources.load()

    assert resources.ready and resources.default_models == []
    assert len(resources.model_errors) == 2
    assert resources.model_errors[0].startswith("Default CNN: model file")
    assert "cnn.keras does not exist" in resources.model_errors[0]
    assert "mlp.keras does not exist" in resources.model_errors[1]
    assert resources.data is not None


def test_shared_resources_one_bad_model_keeps_the_other(shipped_dir, tiny_npz, monkeypatch):
    monkeypatch.setenv("MNIST_NPZ", str(tiny_npz))
    (shipped_dir / "mlp.keras").write_bytes(b"not a model")
    resources = SharedResources(load_settings(), models_dir=shipped_dir, start=False)

    resources.load()

    assert [entry.name for entry in resources.default_models] == ["Default CNN"]
    assert len(resources.model_errors) == 1 and "Default MLP" in resources.model_errors[0]


def test_shared_resources_background_thread_loads(shipped_dir, tiny_npz, monkeypatch):
    monkeypatch.setenv("MNIST_NPZ", str(tiny_npz))

    resources = SharedResources(load_settings(), models_dir=shipped_dir)

    assert resources.wait(60)
    assert len(resources.default_models) == 2
    np.testing.assert_array_equal(resources.data.y_test, np.load(tiny_npz)["y_test"])
