"""Tests for mnist_core.resources: data and default models loaded once for every session."""

import io
import shutil
import zipfile

import numpy as np
import pytest

import mnist_core.data as data_module
import mnist_core.resources as resources_module
import mnist_core.runtime as runtime_module
from mnist_core.persistence import save_model
from mnist_core.resources import SharedResources
from mnist_core.settings import load_settings


@pytest.fixture
def shipped_dir(trained, model_dir):
    """A models folder holding the tiny trained model as both default models."""
    save_model(trained.model, model_dir / "cnn.keras", config=trained.config, test_accuracy=0.9)
    for name in ("cnn.keras", "cnn.keras.json"):
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


def test_shared_resources_unexpected_data_error_recorded_and_models_still_load(
    shipped_dir, tiny_npz, monkeypatch
):
    def out_of_memory(*args, **kwargs):
        raise MemoryError()  # No message, as numpy's allocation failures have none.

    monkeypatch.setattr(resources_module, "load_mnist", out_of_memory)
    resources = SharedResources(load_settings(), models_dir=shipped_dir, start=False)

    resources.load()

    assert resources.ready and resources.data is None
    assert resources.data_error.startswith("unexpected error (MemoryError)")
    assert [entry.name for entry in resources.default_models] == ["Default CNN", "Default MLP"]


def test_shared_resources_unexpected_model_error_recorded_per_model(shipped_dir, tiny_npz, monkeypatch):
    monkeypatch.setenv("MNIST_NPZ", str(tiny_npz))

    def broken(*args, **kwargs):
        raise TypeError("'list' object has no attribute 'get'")

    monkeypatch.setattr(resources_module, "entry_from_loaded", broken)
    resources = SharedResources(load_settings(), models_dir=shipped_dir, start=False)

    resources.load()

    assert resources.ready and resources.stage == "Ready." and resources.data is not None
    assert resources.default_models == []
    assert resources.model_errors == [
        f"Default {kind}: unexpected error (TypeError: 'list' object has no attribute 'get'); "
        "the server log has the details."
        for kind in ("CNN", "MLP")
    ]


# The import thread meets the same ImportError; the loading thread records it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_shared_resources_failed_tensorflow_recorded_not_raised(shipped_dir, tiny_npz, monkeypatch):
    monkeypatch.setenv("MNIST_NPZ", str(tiny_npz))

    def no_tensorflow():
        raise ImportError("libtensorflow_framework.so.2: cannot open shared object file")

    monkeypatch.setattr(runtime_module, "tensorflow", no_tensorflow)
    resources = SharedResources(load_settings(), models_dir=shipped_dir, start=False)

    resources.load()

    assert resources.ready and resources.data is not None and resources.default_models == []
    assert len(resources.model_errors) == 1
    assert resources.model_errors[0].startswith(
        "Loading stopped before the default models were ready: unexpected error (ImportError: libtensorflow"
    )
    assert resources.stage.startswith("Loading failed: unexpected error (ImportError")


def test_shared_resources_forged_mnist_npz_falls_back_with_reason(shipped_dir, tmp_path, monkeypatch):
    forged = tmp_path / "forged.npz"
    with zipfile.ZipFile(forged, "w") as archive:
        for key, shape in (("x_train", (10**9, 28, 28)), ("y_train", (10**9,)), ("x_test", (1, 28, 28))):
            buffer = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                buffer, {"descr": "|u1", "fortran_order": False, "shape": shape}
            )
            archive.writestr(f"{key}.npy", buffer.getvalue())
        archive.writestr("y_test.npy", b"")
    monkeypatch.setenv("MNIST_NPZ", str(forged))
    monkeypatch.setattr(data_module, "_keras_load_data", lambda: (_ for _ in ()).throw(OSError("offline")))
    resources = SharedResources(load_settings(), models_dir=shipped_dir, start=False)

    resources.load()

    assert resources.data is not None and resources.data_error == ""
    assert "x_train declares shape (1000000000, 28, 28)" in resources.data.source
    assert "Offline fallback" in resources.data.source
    assert len(resources.default_models) == 2
