"""Tests for mnist_core.pipeline: float batches from shared uint8 images, shuffling and augmentation."""

import numpy as np
import pytest

from mnist_core.pipeline import make_dataset, steps_per_epoch


def _collect(dataset):
    images, labels = [], []
    for batch_images, batch_labels in dataset:
        images.append(batch_images.numpy())
        labels.append(batch_labels.numpy())
    return images, labels


def _indexed_images(count):
    """Images whose first two pixels spell their own index, so any order can be traced back."""
    images = np.zeros((count, 28, 28), np.uint8)
    images[:, 0, 0] = np.arange(count) % 256
    images[:, 0, 1] = np.arange(count) // 256
    return images


def test_make_dataset_unshuffled_matches_source_scaled(tiny_data):
    images, labels = tiny_data.x_train[:100], tiny_data.y_train[:100]

    batches, batch_labels = _collect(make_dataset(images, labels, 32))

    assert [len(batch) for batch in batches] == [32, 32, 32, 4]
    assert all(batch.dtype == np.float32 for batch in batches)
    stacked = np.concatenate(batches)
    assert stacked.min() >= 0.0 and stacked.max() <= 1.0
    np.testing.assert_allclose(stacked, images / 255.0, atol=1e-7)
    np.testing.assert_array_equal(np.concatenate(batch_labels), labels)


def test_make_dataset_shuffle_covers_every_example_once_per_epoch():
    count = 300
    images = _indexed_images(count)
    labels = (np.arange(count) * 7 % 10).astype(np.uint8)
    dataset = make_dataset(images, labels, 64, shuffle=True, seed=3)

    orders = []
    for _ in range(2):
        batches, batch_labels = _collect(dataset)
        pixels = np.rint(np.concatenate(batches) * 255).astype(np.int64)
        order = pixels[:, 0, 0] + 256 * pixels[:, 0, 1]
        assert sorted(order) == list(range(count))
        np.testing.assert_array_equal(np.concatenate(batch_labels), labels[order])
        orders.append(order)
    assert not np.array_equal(orders[0], np.arange(count))
    assert not np.array_equal(orders[0], orders[1])


def test_make_dataset_augment_changes_images_keeps_range_and_labels(tiny_data):
    images, labels = tiny_data.x_train[:128], tiny_data.y_train[:128]

    batches, batch_labels = _collect(make_dataset(images, labels, 64, augment=True, seed=1))

    augmented = np.concatenate(batches)
    assert augmented.shape == (128, 28, 28) and augmented.dtype == np.float32
    assert augmented.min() >= 0.0 and augmented.max() <= 1.0
    np.testing.assert_array_equal(np.concatenate(batch_labels), labels)
    differences = np.abs(augmented - images / 255.0).mean(axis=(1, 2))
    assert np.mean(differences > 0.01) > 0.9
    # Every digit keeps its ink, with the strongest stroke at full strength.
    np.testing.assert_allclose(augmented.max(axis=(1, 2)), 1.0, atol=1e-5)
    # A shifted or rotated digit still resembles itself more than another digit.
    flat, originals = augmented.reshape(128, -1), images.reshape(128, -1) / 255.0
    same = np.einsum("ij,ij->i", flat, originals)
    other = np.einsum("ij,ij->i", flat, np.roll(originals, 1, axis=0))
    assert np.mean(same > other) > 0.8


@pytest.mark.parametrize(("examples", "batch_size", "steps"), [(10, 3, 4), (9, 3, 3), (1, 128, 1)])
def test_steps_per_epoch_rounds_up(examples, batch_size, steps):
    assert steps_per_epoch(examples, batch_size) == steps
