"""Acceptance check for the models shipped in models/: accuracy on the full MNIST test set.

Needs the full data set (`$MNIST_NPZ`, else ../shared/data/mnist.npz beside the checkout) and the
model files; each test is skipped with the reason when either is missing.
"""

from pathlib import Path

import pytest

from bench.app_driver.server import find_mnist_npz
from mnist_core.data import load_npz
from mnist_core.evaluation import evaluate_model
from mnist_core.persistence import load_model

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "models"
THRESHOLDS = {"cnn.keras": 0.993, "mlp.keras": 0.980}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def full_data():
    found = find_mnist_npz()
    path = Path(found)
    if not found or not path.is_file():
        pytest.skip(
            f"full MNIST not found ({found or 'MNIST_NPZ unset, no ../shared/data/mnist.npz'}); "
            "set MNIST_NPZ to a keras-layout mnist.npz to run this"
        )
    data = load_npz(path)
    if not data.is_full:
        pytest.skip(f"{path} is not the full 60,000/10,000 MNIST set")
    return data


@pytest.mark.parametrize(("filename", "threshold"), sorted(THRESHOLDS.items()))
def test_shipped_model_accuracy_on_full_test_set(full_data, filename, threshold):
    path = MODELS_DIR / filename
    if not path.is_file():
        pytest.skip(f"{path} is missing; train it with models/retrain.sh")

    loaded = load_model(path)
    report = evaluate_model(loaded.model, full_data.x_test, full_data.y_test)

    assert len(full_data.y_test) == 10000
    assert report.accuracy >= threshold, (
        f"{filename} scores {report.accuracy:.4f} on the 10,000 test digits; the bar is {threshold}"
    )
    recorded = loaded.info.get("test_accuracy")
    if recorded is not None:
        assert report.accuracy == pytest.approx(recorded, abs=1e-4)
