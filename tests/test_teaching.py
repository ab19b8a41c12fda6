"""Tests for mnist_core.finetune and mnist_core.teaching: teaching a model drawings, measured honestly."""

import numpy as np
import pytest

from mnist_core.errors import ConfigError
from mnist_core.finetune import HOLDOUT_FROM, FinetuneConfig, folds, holdout_split, teaching_splits
from mnist_core.teaching import teach
from mnist_core.training import TrainingJob

QUICK = FinetuneConfig(epochs=1, copies=4, replay=300)


def test_holdout_split_is_stratified_and_disjoint():
    labels = np.repeat(np.arange(10), 12)
    teach_on, held_out = holdout_split(labels)
    assert len(set(teach_on) & set(held_out)) == 0 and len(teach_on) + len(held_out) == len(labels)
    assert np.bincount(labels[held_out], minlength=10).tolist() == [2] * 10


def test_folds_cover_every_drawing_once_and_spread_each_digit():
    labels = np.repeat(np.arange(10), 5)
    parts = folds(labels)
    assert len(parts) == 5 and sorted(np.concatenate(parts).tolist()) == list(range(50))
    assert all(np.bincount(labels[part], minlength=10).tolist() == [1] * 10 for part in parts)


def test_teaching_splits_repeat_the_drawings_and_replay_mnist(tiny_data):
    images = tiny_data.x_test[:10]
    labels = tiny_data.y_test[:10]
    splits = teaching_splits(images, labels, images[:2], labels[:2], tiny_data, QUICK)
    assert len(splits.y_train) == 10 * QUICK.copies + QUICK.replay
    copies = splits.x_train[: QUICK.copies]
    assert splits.y_train[: QUICK.copies].tolist() == [labels[0]] * QUICK.copies
    assert len({copy.tobytes() for copy in copies}) == QUICK.copies, "each copy is augmented differently"
    assert all(copy.max() == 255 for copy in copies), "the strongest ink stays at full strength"
    replay = np.random.default_rng(QUICK.seed).choice(len(tiny_data.y_train), QUICK.replay, replace=False)
    assert np.array_equal(splits.x_train[10 * QUICK.copies :], tiny_data.x_train[replay]), "replay as it is"
    assert len(splits.y_val) == 2 and splits.x_test is tiny_data.x_test


def test_too_few_drawings_are_refused_saying_how_many_are_needed(trained, tiny_data):
    with pytest.raises(ConfigError, match="at least 10 drawings and there are 4; draw 6 more"):
        teach(
            trained.model, trained.config.model, tiny_data.x_test[:4], tiny_data.y_test[:4], tiny_data, QUICK
        )


def test_few_drawings_are_measured_by_cross_validation(trained, tiny_data):
    images, labels = tiny_data.x_test[:30], tiny_data.y_test[:30]
    lesson = teach(trained.model, trained.config.model, images, labels, tiny_data, QUICK)
    assert lesson.method == "5-fold" and lesson.figures["held_out"] == 30

    result = lesson.job.run()
    assert lesson.measured.wait(300)

    figures = lesson.figures
    assert result is not None and "measuring" not in figures
    assert 0 <= figures["before"] <= 1 and 0 <= figures["after"] <= 1
    assert figures["mnist_before"] == pytest.approx(trained.test_accuracy)
    assert figures["mnist_after"] == pytest.approx(result.test_accuracy)
    assert result.model is not trained.model, "the model taught is a copy"


def test_each_fold_is_scored_by_its_own_job_on_that_fold_not_on_mnist(trained, tiny_data):
    images, labels = tiny_data.x_test[:30], tiny_data.y_test[:30]
    jobs = []

    def make_job(config, splits, **kwargs):
        jobs.append(TrainingJob(config, splits, **kwargs))
        return jobs[-1]

    lesson = teach(trained.model, trained.config.model, images, labels, tiny_data, QUICK, make_job=make_job)
    lesson.job.run()
    assert lesson.measured.wait(300)

    fold_jobs = jobs[1:]
    assert len(fold_jobs) == 5 and len(jobs[0].splits.y_test) == len(tiny_data.y_test)
    scored = np.concatenate([job.splits.y_test for job in fold_jobs])
    assert sorted(scored.tolist()) == sorted(labels.tolist()), "every drawing is scored once, MNIST never"
    right = sum(round(job.result.test_accuracy * len(job.splits.y_test)) for job in fold_jobs)
    assert lesson.figures["after"] == pytest.approx(right / len(labels))


def test_many_drawings_hold_a_fifth_out(trained, tiny_data):
    count = HOLDOUT_FROM
    images, labels = tiny_data.x_train[:count], tiny_data.y_train[:count]
    trained_events = []
    lesson = teach(
        trained.model,
        None,
        images,
        labels,
        tiny_data,
        QUICK,
        on_trained=lambda job: trained_events.append(job),
    )
    assert lesson.method == "held-out" and lesson.figures["held_out"] >= count // 5 - 5
    lesson.job.run()
    assert lesson.measured.wait(60) and trained_events == [lesson.job]
    assert lesson.figures["after"] is not None and lesson.figures["before"] is not None
    progress = lesson.job.progress()
    assert progress.epochs_history[-1]["val_accuracy"] == pytest.approx(lesson.figures["after"], abs=1e-6)
