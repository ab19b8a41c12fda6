"""Tests for mnist_core.training: the threaded training job, its progress, stopping and queueing."""

import math
import threading
import time

import numpy as np
import pytest

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.data import DataSplits
from mnist_core.errors import ConfigError, JobError
from mnist_core.evaluation import evaluate_model
from mnist_core.limiter import TrainingLimiter
from mnist_core.predict import predict_one
from mnist_core.progress import JobProgress, JobStatus
from mnist_core.sizing import count_params
from mnist_core.training import TrainingJob

SMALL_MLP = MLPConfig(hidden_units=(16,))
# Enough epochs that a run is certainly still going when a test stops it.
LONG_RUN = TrainingConfig(model=SMALL_MLP, batch_size=16, epochs=100)


def _wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the job"
        time.sleep(0.005)


@pytest.fixture
def busy_limiter():
    """A one-slot limiter whose slot is already taken, so every job queues."""
    limiter = TrainingLimiter(1)
    holder = limiter.enqueue()
    assert limiter.wait_turn(holder, lambda: False)
    yield limiter
    limiter.release(holder)


def test_job_finishes_done_with_history(trained, tiny_splits):
    progress = trained.progress
    steps = math.ceil(len(tiny_splits.y_train) / trained.config.batch_size)

    assert progress.status == JobStatus.DONE and progress.finished
    assert trained.stop_reason == "completed"
    assert progress.message.startswith("Finished 3 epochs")
    assert [row["epoch"] for row in progress.epochs_history] == [1, 2, 3]
    for row in progress.epochs_history:
        assert 0 < row["val_accuracy"] <= 1 and row["val_loss"] > 0 and row["seconds"] > 0
        assert row["partial"] is False
    assert progress.steps_per_epoch == steps
    batch_lists = progress.batches
    assert {len(values) for values in batch_lists.values()} == {3 * steps}
    assert batch_lists["step"] == list(range(1, 3 * steps + 1))
    assert np.all(np.diff(batch_lists["epoch"]) > 0) and batch_lists["epoch"][-1] == pytest.approx(3.0)
    assert progress.fraction_done == 1.0 and progress.epoch == 3 and progress.batch == steps


def test_job_result_scores_model(trained, tiny_splits):
    report = evaluate_model(trained.model, tiny_splits.x_test, tiny_splits.y_test)

    assert trained.params == count_params(trained.config.model) == trained.model.count_params()
    assert trained.test_accuracy == pytest.approx(report.accuracy)
    # Ten classes: chance is 0.1, and 800 real digits teach a small MLP far more than that.
    assert trained.test_accuracy > 0.5
    history = trained.progress.epochs_history
    assert history[-1]["loss"] < history[0]["loss"]
    assert trained.seconds > 0


def test_job_batch_values_recover_per_batch_numbers(trained):
    """The per-batch losses average back to Keras's epoch loss (Keras reports running means)."""
    progress = trained.progress
    steps = progress.steps_per_epoch
    sizes = np.full(steps, trained.config.batch_size, float)
    sizes[-1] = 800 - trained.config.batch_size * (steps - 1)
    for epoch, row in enumerate(progress.epochs_history):
        losses = np.array(progress.batches["loss"][epoch * steps : (epoch + 1) * steps])
        accuracies = np.array(progress.batches["accuracy"][epoch * steps : (epoch + 1) * steps])
        assert np.average(losses, weights=sizes) == pytest.approx(row["loss"], rel=1e-3)
        assert np.average(accuracies, weights=sizes) == pytest.approx(row["accuracy"], abs=1e-3)
        assert np.all((accuracies >= -1e-3) & (accuracies <= 1 + 1e-3))


def test_job_progress_consistent_during_threaded_run(tiny_splits):
    config = TrainingConfig(model=SMALL_MLP, batch_size=8, epochs=3)
    job = TrainingJob(config, tiny_splits)
    snapshots = [job.progress()]
    job.start()
    while not job.wait(0.002):
        snapshots.append(job.progress())
    snapshots.append(job.progress())

    assert snapshots[0].status == JobStatus.QUEUED and snapshots[0].epoch == 0
    running = [snapshot for snapshot in snapshots if snapshot.status == JobStatus.RUNNING and snapshot.batch]
    assert len(running) >= 3, "no snapshot caught the job mid-run"
    previous_steps = 0
    for snapshot in snapshots:
        steps = snapshot.batches["step"]
        assert len({len(values) for values in snapshot.batches.values()}) == 1
        assert 0 <= snapshot.epoch <= config.epochs and 0 <= snapshot.batch <= snapshot.steps_per_epoch
        if steps:
            assert steps[-1] == (snapshot.epoch - 1) * snapshot.steps_per_epoch + snapshot.batch
        assert snapshot.epoch - 1 <= len(snapshot.epochs_history) <= max(snapshot.epoch, 0)
        assert len(steps) >= previous_steps
        previous_steps = len(steps)
        assert 0.0 <= snapshot.fraction_done <= 1.0
        assert snapshot.eta_s is None or snapshot.eta_s >= 0
    assert any(snapshot.eta_s for snapshot in running) and any(s.samples_per_second > 0 for s in running)
    assert snapshots[-1].status == JobStatus.DONE and len(snapshots[-1].epochs_history) == 3


def test_job_stop_mid_run_keeps_model(tiny_splits):
    job = TrainingJob(LONG_RUN, tiny_splits)
    job.start()
    _wait_until(lambda: job.progress().batch > 0)

    job.stop()
    assert job.wait(60)

    progress, result = job.progress(), job.result
    assert progress.status == JobStatus.DONE
    assert result is not None and result.stop_reason == "stopped"
    assert "Stopped by you" in progress.message
    assert len(progress.epochs_history) == progress.epoch < LONG_RUN.epochs
    assert all(row["val_accuracy"] is not None for row in progress.epochs_history)
    assert len(progress.batches["step"]) == (progress.epoch - 1) * progress.steps_per_epoch + progress.batch
    prediction = predict_one(result.model, tiny_splits.x_test[0])
    assert 0 <= prediction.digit <= 9
    # Stopping again after the end changes nothing.
    job.stop()
    assert job.progress().status == JobStatus.DONE and job.result.stop_reason == "stopped"


def test_job_stop_before_start_runs_nothing(tiny_splits):
    job = TrainingJob(LONG_RUN, tiny_splits)
    job.stop()

    result = job.run()

    assert result is not None and result.stop_reason == "stopped"
    assert len(job.progress().batches["step"]) <= 1


def test_job_too_high_learning_rate_diverges(tiny_splits):
    config = TrainingConfig(model=SMALL_MLP, batch_size=32, epochs=3, learning_rate=10.0)
    job = TrainingJob(config, tiny_splits)

    result = job.run()

    progress = job.progress()
    assert result is None and job.result is None
    assert progress.status == JobStatus.DIVERGED and progress.finished
    assert "learning rate 10 is too high" in progress.message
    assert len(progress.epochs_history) < config.epochs


def test_job_batch_size_larger_than_data_refused(tiny_splits):
    config = TrainingConfig(model=SMALL_MLP, batch_size=801)

    with pytest.raises(ConfigError, match="batch_size=801 is larger than the 800 training examples"):
        TrainingJob(config, tiny_splits)


def test_job_start_twice_raises(tiny_splits, busy_limiter):
    job = TrainingJob(LONG_RUN, tiny_splits, limiter=busy_limiter)
    job.start()

    with pytest.raises(JobError, match="already been started"):
        job.start()
    with pytest.raises(JobError, match="already been started"):
        job.run()
    job.stop()
    assert job.wait(10)
    with pytest.raises(JobError, match="already been started"):
        job.start()


def test_job_queued_reports_position_and_stop_cancels(tiny_splits, busy_limiter):
    first = TrainingJob(LONG_RUN, tiny_splits, limiter=busy_limiter)
    second = TrainingJob(LONG_RUN, tiny_splits, limiter=busy_limiter)
    first.start()
    second.start()

    assert (first.progress().status, first.progress().queue_position) == (JobStatus.QUEUED, 1)
    assert second.progress().queue_position == 2
    assert second.progress().message == "Queued: position 2."

    first.stop()
    assert first.wait(10)

    progress = first.progress()
    assert progress.status == JobStatus.CANCELLED and progress.queue_position is None
    assert "you stopped it" in progress.message
    assert first.result is None
    assert second.progress().queue_position == 1
    second.stop()
    assert second.wait(10)
    assert busy_limiter.counts() == (1, 0)


def test_job_queued_owner_gone_leaves_queue(tiny_splits, busy_limiter):
    job = TrainingJob(
        LONG_RUN, tiny_splits, limiter=busy_limiter, owner_alive=lambda: False, abandon_after_s=0.05
    )
    job.start()

    assert job.wait(10)

    assert job.progress().status == JobStatus.CANCELLED
    assert "its page was closed" in job.progress().message
    assert busy_limiter.counts() == (1, 0)


def test_job_runs_after_queue_frees(tiny_splits):
    limiter = TrainingLimiter(1)
    holder = limiter.enqueue()
    assert limiter.wait_turn(holder, lambda: False)
    job = TrainingJob(TrainingConfig(model=SMALL_MLP, batch_size=100, epochs=1), tiny_splits, limiter=limiter)
    job.start()
    time.sleep(0.3)
    assert job.progress().status == JobStatus.QUEUED

    limiter.release(holder)

    assert job.wait(60)
    assert job.progress().status == JobStatus.DONE
    assert limiter.counts() == (0, 0)


def test_job_running_owner_gone_stops(tiny_splits):
    calls = []

    def owner_alive():
        calls.append(threading.current_thread().name)
        return False

    job = TrainingJob(LONG_RUN, tiny_splits, owner_alive=owner_alive, abandon_after_s=0.2)

    result = job.run()

    assert result is not None and result.stop_reason == "abandoned"
    assert job.progress().status == JobStatus.DONE
    assert "its page was closed" in job.progress().message
    assert len(job.progress().epochs_history) < LONG_RUN.epochs
    assert calls


def _shifted_validation(splits: DataSplits) -> DataSplits:
    """Validation labels moved one digit on, so learning the real digits makes validation worse."""
    wrong = ((splits.y_val.astype(int) + 1) % 10).astype(np.uint8)
    return DataSplits(splits.x_train, splits.y_train, splits.x_val, wrong, splits.x_test, splits.y_test)


def test_job_early_stopping_stops_and_keeps_best_weights(tiny_splits):
    splits = _shifted_validation(tiny_splits)
    config = TrainingConfig(model=SMALL_MLP, batch_size=32, epochs=10, early_stopping_patience=1)
    job = TrainingJob(config, splits)

    result = job.run()

    history = job.progress().epochs_history
    assert result.stop_reason == "early_stopping"
    assert len(history) < config.epochs
    assert "Stopped early" in job.progress().message
    best = min(row["val_loss"] for row in history)
    assert history[-1]["val_loss"] > best
    restored = evaluate_model(result.model, splits.x_val, splits.y_val)
    assert restored.loss == pytest.approx(best, rel=1e-3)


def test_job_target_val_accuracy_stops_once_reached(tiny_splits):
    target = 0.5
    config = TrainingConfig(model=SMALL_MLP, batch_size=32, epochs=20, target_val_accuracy=target)
    job = TrainingJob(config, tiny_splits)

    result = job.run()

    history = job.progress().epochs_history
    assert result.stop_reason == "target"
    assert len(history) < config.epochs
    assert history[-1]["val_accuracy"] >= target
    assert all(row["val_accuracy"] < target for row in history[:-1])
    assert "Reached the target validation accuracy" in job.progress().message


def test_job_on_epoch_called_once_per_epoch(tiny_splits):
    rows, threads = [], []

    def on_epoch(row):
        rows.append(row)
        threads.append(threading.current_thread())

    config = TrainingConfig(model=SMALL_MLP, batch_size=64, epochs=3)
    job = TrainingJob(config, tiny_splits, on_epoch=on_epoch)
    job.start()
    assert job.wait(60)

    assert [row["epoch"] for row in rows] == [1, 2, 3]
    history = job.progress().epochs_history
    assert [row["val_loss"] for row in rows] == [row["val_loss"] for row in history]
    assert threading.current_thread() not in threads


def test_job_cnn_with_augmentation_and_one_cycle_trains(tiny_splits):
    model = CNNConfig(conv_blocks=(ConvBlock(8, kernel_size=5, strides=2, pooling=False),), dense_units=())
    config = TrainingConfig(
        model=model, batch_size=64, epochs=1, augment=True, lr_schedule="one_cycle", learning_rate=3e-3
    )
    job = TrainingJob(config, tiny_splits)

    result = job.run()

    assert job.progress().status == JobStatus.DONE, job.progress().message
    assert 0.0 <= result.test_accuracy <= 1.0 and math.isfinite(result.test_loss)


def test_job_without_validation_data(tiny_data):
    from mnist_core.data import make_splits

    splits = make_splits(tiny_data, validation_size=0)
    job = TrainingJob(TrainingConfig(model=SMALL_MLP, batch_size=200, epochs=1), splits)

    result = job.run()

    assert result is not None
    assert job.progress().epochs_history[0]["val_loss"] is None


def _progress(status, epoch, batch, epochs=4, steps=10):
    return JobProgress(status, "", epoch, epochs, batch, steps, 0.0, None, 0.0, None, {}, [])


@pytest.mark.parametrize(
    ("progress", "fraction"),
    [
        (_progress(JobStatus.QUEUED, 0, 0), 0.0),
        (_progress(JobStatus.RUNNING, 1, 5), 0.125),
        (_progress(JobStatus.RUNNING, 3, 10), 0.75),
        (_progress(JobStatus.DONE, 2, 3), 1.0),
        (_progress(JobStatus.CANCELLED, 0, 0), 0.0),
    ],
)
def test_progress_fraction_done(progress, fraction):
    assert progress.fraction_done == pytest.approx(fraction)


def test_repeated_training_does_not_leak_graphs(tiny_splits):
    """Each trained model must free its traced graphs once it is dropped.

    TensorFlow's all-reduce registers a global custom gradient per traced
    train step that is never freed (about 10 MB per model); the core's
    optimizers skip it on one device. Counted here: functions in the eager
    context and entries in the global gradient registry.
    """
    import gc

    from tensorflow.python.eager import context
    from tensorflow.python.framework import ops

    config = TrainingConfig(
        model=CNNConfig(conv_blocks=(ConvBlock(8, strides=2, pooling=False),), dense_units=()),
        lr_schedule="one_cycle",
        batch_size=64,
        epochs=1,
    )

    def train_and_drop() -> tuple[int, int]:
        assert TrainingJob(config, tiny_splits).run() is not None
        gc.collect()
        return len(context.context().list_function_names()), len(ops._gradient_registry.list())

    train_and_drop()
    first_functions, first_gradients = train_and_drop()
    for _ in range(3):
        functions, gradients = train_and_drop()
    # Without the fix each model leaves ~24 functions and one gradient behind. Other
    # tests' background jobs may trace a few functions meanwhile, hence the small slack.
    assert functions - first_functions < 12
    assert gradients == first_gradients


def test_job_with_pen_augment_trains_on_the_pen_drawn_copies(tiny_splits, monkeypatch):
    from mnist_core import pen_augment

    asked = []

    def fake_copies(images, labels):
        asked.append(len(labels))
        return np.repeat(images[np.newaxis], 2, axis=0)

    monkeypatch.setattr(pen_augment, "pen_drawn_copies", fake_copies)
    config = TrainingConfig(model=SMALL_MLP, batch_size=64, epochs=1, pen_augment=True)

    result = TrainingJob(config, tiny_splits).run()

    assert result is not None and asked == [len(tiny_splits.y_train)]
    assert result.config.pen_augment is True


@pytest.mark.parametrize(
    ("model", "kernel_shape"),
    [
        (MLPConfig(hidden_units=(16,)), (784, 16)),
        (CNNConfig(conv_blocks=(ConvBlock(filters=4, kernel_size=3),), dense_units=(8,)), (3, 3, 1, 4)),
    ],
    ids=["mlp", "cnn"],
)
def test_a_run_shows_its_first_layer_as_it_learns_and_reads_the_probe_every_epoch(
    tiny_splits, model, kernel_shape
):
    probe = tiny_splits.x_test[0].astype(np.float32) / 255.0
    seen: list[np.ndarray] = []
    job = TrainingJob(
        TrainingConfig(model=model, batch_size=32, epochs=2, seed=0, train_size=300),
        tiny_splits,
        probe=probe,
        on_epoch=lambda row: seen.append(job.progress().first_layer),
    )
    result = job.run()

    assert result is not None
    assert [weights.shape for weights in seen] == [kernel_shape, kernel_shape]
    assert not np.allclose(seen[0], seen[1]), "the weights shown should change as the model learns"
    rows = result.progress.epochs_history
    assert [len(row["probe"]) for row in rows] == [10, 10]
    assert sum(rows[-1]["probe"]) == pytest.approx(1.0, abs=1e-4)
    final = predict_one(result.model, probe).probabilities
    assert rows[-1]["probe"] == pytest.approx(final, abs=1e-4), "the last epoch's reading is the model's"
    assert result.progress.first_layer is None  # Kept only while the run goes.
