"""Tests for mnist_core.runtime: TensorFlow configured once, and the training strategy."""

import os
import threading

import pytest

from mnist_core.runtime import device_description, distribution_strategy, tensorflow
from tests.processes import run_json_script


def test_tensorflow_configured_once_with_thread_pools():
    tf = tensorflow()

    assert tensorflow() is tf
    expected = int(os.environ.get("MNIST_TF_THREADS", "0")) or os.cpu_count()
    assert tf.config.threading.get_intra_op_parallelism_threads() == expected
    assert tf.config.threading.get_inter_op_parallelism_threads() == min(expected, 2)


def test_distribution_strategy_single_device_is_default():
    tf = tensorflow()
    strategy = distribution_strategy()

    assert distribution_strategy() is strategy
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    assert strategy.num_replicas_in_sync == len(devices)


def test_device_description_names_device():
    tf = tensorflow()
    text = device_description()

    if tf.config.list_physical_devices("GPU"):
        assert "GPU" in text
    else:
        assert text.startswith(f"CPU ({os.cpu_count()} cores")


MIRRORED_SCRIPT = """
import json
from mnist_core.data import load_fallback, make_splits
from mnist_core.presets import get_preset
from mnist_core.runtime import distribution_strategy
from mnist_core.training import TrainingJob

strategy = distribution_strategy()
splits = make_splits(load_fallback(), validation_size=200, train_size=600)
job = TrainingJob(get_preset("fast-cnn").config.replace(epochs=2, batch_size=64), splits)
result = job.run()
progress = job.progress()
print(json.dumps({
    "strategy": type(strategy).__name__,
    "replicas": strategy.num_replicas_in_sync,
    "replicas_used": result.replicas,
    "status": str(progress.status),
    "epochs": len(progress.epochs_history),
    "batches": len(progress.batches["loss"]),
    "test_accuracy": result.test_accuracy,
}))
"""


def test_training_mirrors_across_two_logical_cpus():
    """With two devices the job trains under MirroredStrategy, with no code change.

    Runs in a fresh process because logical devices must be set before
    TensorFlow's first op.
    """
    report = run_json_script(MIRRORED_SCRIPT, env={"MNIST_LOGICAL_CPUS": "2"})

    assert report["strategy"] == "MirroredStrategy"
    assert report["replicas"] == 2
    assert report["replicas_used"] == 2
    assert report["status"] == "done"
    assert report["epochs"] == 2
    assert report["batches"] == 2 * 10  # 600 examples / batch 64 = 10 steps per epoch.
    assert report["test_accuracy"] > 0.5  # Chance is 0.1; two epochs on 600 digits learn something.


@pytest.mark.skipif(
    not os.path.isdir("/proc/self/task"), reason="thread priorities are read from Linux's /proc"
)
def test_training_lowers_the_priority_of_tensorflow_compute_threads(tiny_splits):
    from mnist_core.architectures import MLPConfig
    from mnist_core.config import TrainingConfig
    from mnist_core.training import TrainingJob

    job = TrainingJob(TrainingConfig(model=MLPConfig((8,)), epochs=1), tiny_splits)
    main_priority = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    job.start()
    assert job.wait(120) and job.result is not None

    priorities = {}
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/comm") as handle:
                name = handle.read().strip()
            priority = os.getpriority(os.PRIO_PROCESS, int(task))
        except (FileNotFoundError, ProcessLookupError):
            continue  # a short-lived thread ended between listing and reading
        priorities.setdefault(name, []).append(priority)
    compute = [value for name, values in priorities.items() if name.startswith("tf_") for value in values]
    assert compute and min(compute) >= 10
    # The thread that started the job, like the app's own threads, keeps its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_priority


SKIPPED_IMPORTS_SCRIPT = """
import json, sys
from mnist_core.runtime import OPTIONAL_KERAS_IMPORTS, tensorflow
tensorflow()
import keras
loaded = [name for name in OPTIONAL_KERAS_IMPORTS if sys.modules.get(name) is not None]
importable = []
for name in OPTIONAL_KERAS_IMPORTS:
    try:
        __import__(name)
        importable.append(name)
    except ImportError:
        pass
print(json.dumps({"loaded": loaded, "importable": importable, "keras": keras.__version__}))
"""


def test_tensorflow_import_skips_keras_optional_extras_but_leaves_them_importable():
    import importlib.util

    from mnist_core.runtime import OPTIONAL_KERAS_IMPORTS

    report = run_json_script(SKIPPED_IMPORTS_SCRIPT)
    assert report["loaded"] == []
    installed = [name for name in OPTIONAL_KERAS_IMPORTS if importlib.util.find_spec(name) is not None]
    assert report["importable"] == installed
