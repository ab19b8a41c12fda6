"""Process-wide resources: loaded once, in the background, as early as the server allows.

One `SharedResources` per server process (see `shared_resources`) serves every
session: the data set (uint8, never copied per session), the default models,
their reports and the training limiter, read-only; the workspace store and the registry of
workspaces' runs, which keep each workspace's things apart. Loading the data,
TensorFlow and the default models happens on one background thread, whatever
the number of sessions waiting for it, and `seconds_left` says roughly how
long it will take, from how long it took on this server's last start.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
from pathlib import Path

import numpy as np

from mnist_core.catalog import ModelEntry, entry_from_loaded
from mnist_core.data import MnistData, load_mnist
from mnist_core.errors import MnistCoreError, describe_error
from mnist_core.limiter import TrainingLimiter
from mnist_core.settings import Settings, class_limits, store_limits, workspace_root
from mnist_core.shared_reports import SharedReports
from mnist_core.store import WorkspaceStore
from mnist_core.workspace_runs import WorkspaceRuns

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL_FILES = {"Default CNN": "cnn.keras", "Default MLP": "mlp.keras"}
# How long loading takes on a 2-core laptop, until this server has timed itself once.
FIRST_LOAD_ESTIMATE_S = 9.0
LOAD_TIME_KEY = "load_seconds"
logger = logging.getLogger(__name__)


class SharedResources:
    """Data, default models, the limiter, the workspace store and the runs, shared by all sessions.

    Args:
        settings: Server settings (data path, limits, workspace folder).
        models_dir: Folder holding the shipped default models.
        start: Begin loading on a background thread at once.
    """

    def __init__(self, settings: Settings, models_dir: Path = MODELS_DIR, *, start: bool = True):
        self.settings = settings
        self.models_dir = models_dir
        self.limiter = TrainingLimiter(settings.max_concurrent_trainings)
        self.store = WorkspaceStore(workspace_root(settings), store_limits(settings), class_limits(settings))
        self.runs = WorkspaceRuns(self.store, self.limiter, settings.session_timeout_s)
        self.reports = SharedReports()
        self.data: MnistData | None = None
        self.data_error = ""
        self.default_models: list[ModelEntry] = []
        self.model_errors: list[str] = []
        self.stage = "Waiting to load."
        self._expected_s = self._last_load_seconds()
        self._started = time.monotonic()
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

    def seconds_left(self) -> int:
        """Roughly how many seconds loading still takes (at least 1 while it goes, 0 once done)."""
        if self.ready:
            return 0
        return max(1, round(self._expected_s - (time.monotonic() - self._started)))

    def load(self) -> None:
        """Loads everything; every error ends as a recorded, non-empty reason, never raised.

        A problem with the data is kept in `data_error`, one with a model or
        with TensorFlow in `model_errors`, so the pages can say what went wrong.
        """
        from mnist_core.runtime import tensorflow

        self._started = time.monotonic()
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
            self._remember_load_seconds(time.monotonic() - self._started)
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
                entry = entry_from_loaded(loaded, name, "default", key=f"default:{filename}")
                # Trace the prediction function now, so the first stroke is fast.
                predict_probabilities(entry.model, np.zeros((1, 28, 28), np.float32))
            except Exception as error:  # noqa: BLE001 - one bad model must not keep the other away.
                self.model_errors.append(f"{name}: {_record(error)}")
                continue
            entries.append(entry)
        return entries

    def _last_load_seconds(self) -> float:
        try:
            value = json.loads(self.store.database.get_meta(LOAD_TIME_KEY) or "null")
        except (MnistCoreError, ValueError):
            return FIRST_LOAD_ESTIMATE_S
        return float(value) if isinstance(value, (int, float)) and 0 < value < 600 else FIRST_LOAD_ESTIMATE_S

    def _remember_load_seconds(self, seconds: float) -> None:
        try:
            self.store.database.set_meta(LOAD_TIME_KEY, json.dumps(round(seconds, 1)))
        except MnistCoreError as error:
            logger.warning("Could not remember how long loading took: %s", error)


_shared: dict[Settings, SharedResources] = {}
_shared_lock = threading.Lock()


def shared_resources(settings: Settings) -> SharedResources:
    """This process's one `SharedResources` for these settings, made (and its loading started) on first call.

    The app calls it when the server starts (`app.py`'s lifespan hook) and on every page; all get the same.
    """
    with _shared_lock:
        if settings not in _shared:
            _shared[settings] = SharedResources(settings)
        return _shared[settings]


def forget_shared_resources() -> None:
    """Makes the next `shared_resources` call start afresh (for tests that change the settings' files)."""
    with _shared_lock:
        _shared.clear()


def _record(error: Exception) -> str:
    """The reason to show for `error`; an unexpected one is logged with its traceback too."""
    if not isinstance(error, MnistCoreError):
        logger.error("Loading the shared resources failed", exc_info=error)
    return describe_error(error)
