"""Tests for mnist_core.runtime: TensorFlow configured once, and the training strategy."""

import os

from mnist_core.runtime import device_description, distribution_strategy, tensorflow


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
