"""Process-wide, read-only resources, loaded once in the background.

The app creates one `SharedResources` per server process (through
`st.cache_resource`) and every session reads from it: the data set (uint8,
never copied per session), the default models and the training limiter.
Loading happens on a background thread so the home page renders before
TensorFlow has finished importing.
"""

from __future__ import annotations

import gc
import logging
import threading
from pathlib import Path

import numpy as np

from mnist_core.catalog import ModelEntry, entry_from_loaded
from mnist_core.data import MnistData, load_mnist
from mnist_core.errors import MnistCoreError, describe_error
from mnist_core.limiter import TrainingLimiter
from mnist_core.settings import Settings

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL_FILES = {"Default CNN": "cnn.keras", "Default MLP": "mlp.keras"}
logger = logging.getLogger(__name__)


class SharedResources:
    """Data, default models and the limiter, shared by all sessions.

    Args:
        settings: Server settings (data path, limits).
        models_dir: Folder holding the shipped default models.
        start: Begin loading on a background thread at once.
    """

    def __init__(self, settings: Settings, models_dir: Path = MODELS_DIR, *, start: bool = True):
        self.settings = settings
        self.models_dir = models_dir
        self.limiter = TrainingLimiter(settings.max_concurrent_trainings)
        self.data: MnistData | None = None
        self.data_error = ""
        self.default_models: list[ModelEntry] = []
        self.model_errors: list[str] = []
        self.stage = "Waiting to load."
        self._done = threading.Event()
        self._thread = threading.Thread(target=self.load, name="shared-resources", daemon=True)
        if start:
            self._thread.start()

    @property
    def ready(self) -> bool:
        """Whether loading has finished (successfully or not)."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Waits for loading to finish; True if it has."""
        return self._done.wait(timeout)

    def load(self) -> None:
        """Loads everything; every error ends as a recorded, non-empty reason, never raised.

        A problem with the data is kept in `data_error`, one with a model or
        with TensorFlow in `model_errors`, so the pages can say what went wrong.
        """
        from mnist_core.runtime import tensorflow

        try:
            self.stage = "Loading MNIST and TensorFlow…"
            # Importing TensorFlow is mostly Python work and reading the data
            # mostly decompression outside the GIL: side by side they overlap.
            importer = threading.Thread(target=tensorflow, name="tensorflow-import", daemon=True)
            importer.start()
            try:
                self.data = load_mnist(self.settings.mnist_npz or None, strict=False)
            except Exception as error:  # noqa: BLE001 - recorded; the pages say why there is no data.
                self.data_error = _record(error)
            importer.join()
            tensorflow()  # Returns at once, or raises here what the import thread met.
            self.stage = "Loading the default models…"
            self.default_models = self._load_default_models()
            # TensorFlow, Keras and the models are ~450,000 long-lived Python
            # objects; frozen, each garbage collection skips them (300 ms -> ~1 ms).
            gc.freeze()
            self.stage = "Ready."
        except Exception as error:  # noqa: BLE001 - a dead loader would leave every page blank.
            reason = _record(error)
            self.model_errors.append(f"Loading stopped before the default models were ready: {reason}")
            if self.data is None and not self.data_error:
                self.data_error = reason
            self.stage = f"Loading failed: {reason}"
        finally:
            self._done.set()

    def _load_default_models(self) -> list[ModelEntry]:
        from mnist_core.persistence import load_model
        from mnist_core.predict import predict_probabilities

        entries = []
        for name, filename in DEFAULT_MODEL_FILES.items():
            try:
                loaded = load_model(self.models_dir / filename)
                entry = entry_from_loaded(loaded, name, "default")
                # Trace the prediction function now, so the first stroke is fast.
                predict_probabilities(entry.model, np.zeros((1, 28, 28), np.float32))
            except Exception as error:  # noqa: BLE001 - one bad model must not keep the other away.
                self.model_errors.append(f"{name}: {_record(error)}")
                continue
            entries.append(entry)
        return entries


def _record(error: Exception) -> str:
    """The reason to show for `error`; an unexpected one is logged with its traceback too."""
    if not isinstance(error, MnistCoreError):
        logger.error("Loading the shared resources failed", exc_info=error)
    return describe_error(error)
