"""tf.data input pipelines over the shared uint8 images.

Batches are gathered from one uint8 tensor and turned into float32 on the
fly, so a training run never holds a float32 copy of the data set (188 MB for
full MNIST). Augmentation also happens here, not inside the model, so saved
models contain only standard layers.
"""

from __future__ import annotations

import math

import numpy as np

from mnist_core.runtime import tensorflow

MAX_ROTATION_DEG = 12.0
ZOOM_RANGE = (0.85, 1.1)
MAX_SHIFT_PX = 2.5
MAX_SHEAR = 0.15
# Stroke width change: -1 thins by a 3x3 erosion, +1 thickens by a dilation.
STROKE_RANGE = (-0.6, 1.0)


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool = False,
    seed: int = 0,
    augment: bool = False,
    pen_augment: bool = False,
):
    """Batches of (float32 images in [0, 1], int labels) from uint8 arrays.

    Args:
        images: (N, 28, 28) uint8 images.
        labels: (N,) integer labels.
        batch_size: Examples per batch; the last batch may be smaller.
        shuffle: Reshuffle every epoch (seeded).
        seed: Seed for shuffling and augmentation.
        augment: Apply random affine and stroke-width changes.
        pen_augment: Each example is the original or one of its pen-drawn
            copies (`pen_augment.pen_drawn_copies`, cached), chosen anew every
            epoch (`pen_augment.variant_gatherer`, which also does the augmentation).
    """
    tf = tensorflow()
    image_tensor = tf.constant(images)
    label_tensor = tf.constant(labels.astype(np.int32))
    indices = tf.data.Dataset.range(len(labels))
    if shuffle:
        indices = indices.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    batches = indices.batch(batch_size)

    def gather(batch_indices):
        pixels = tf.cast(tf.gather(image_tensor, batch_indices), tf.float32) / 255.0
        return pixels, tf.gather(label_tensor, batch_indices)

    if not pen_augment:
        dataset = batches.map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        from mnist_core.pen_augment import pen_drawn_copies, variant_gatherer

        pen_copies = pen_drawn_copies(images, labels)
        choices = tf.data.Dataset.random(seed=seed + 1, rerandomize_each_iteration=True).batch(2)
        dataset = tf.data.Dataset.zip(batches, choices).map(
            variant_gatherer(images, pen_copies, labels, augment), num_parallel_calls=tf.data.AUTOTUNE
        )
    if augment and not pen_augment:
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        dataset = tf.data.Dataset.zip(dataset, seeds).map(
            lambda batch, pair: (augment_batch(batch[0], pair), batch[1]),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return dataset.prefetch(2)


def steps_per_epoch(examples: int, batch_size: int) -> int:
    return math.ceil(examples / batch_size)


def augment_batch(pixels, seed_pair):
    """Random rotation, zoom, shear, shift and stroke width for each image.

    Args:
        pixels: (B, 28, 28) float32 tensor.
        seed_pair: Two int64 seeds for the stateless random ops.
    """
    tf = tensorflow()
    seed = tf.cast(seed_pair, tf.int32)
    count = tf.shape(pixels)[0]
    images = pixels[..., tf.newaxis]

    def uniform(offset, low, high):
        return tf.random.stateless_uniform([count], seed + offset, low, high)

    angle = uniform(1, -MAX_ROTATION_DEG, MAX_ROTATION_DEG) * (math.pi / 180.0)
    zoom = uniform(2, *ZOOM_RANGE)
    shear = uniform(3, -MAX_SHEAR, MAX_SHEAR)
    shift_x = uniform(4, -MAX_SHIFT_PX, MAX_SHIFT_PX)
    shift_y = uniform(5, -MAX_SHIFT_PX, MAX_SHIFT_PX)
    # The transform maps output pixel coordinates to input coordinates, so it
    # is the inverse of the wanted change: rotate by -angle, scale by 1/zoom,
    # about the image centre.
    cos, sin = tf.cos(angle) / zoom, tf.sin(angle) / zoom
    a0, a1 = cos, sin + shear / zoom
    b0, b1 = -sin, cos
    centre = 13.5
    a2 = centre - a0 * centre - a1 * centre - shift_x
    b2 = centre - b0 * centre - b1 * centre - shift_y
    zeros = tf.zeros_like(angle)
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    images = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.constant([28, 28]),
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )
    stroke = tf.reshape(uniform(6, *STROKE_RANGE), [-1, 1, 1, 1])
    thick = tf.nn.max_pool2d(images, 3, 1, "SAME")
    thin = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    images = tf.where(stroke > 0, images + stroke * (thick - images), images + stroke * (images - thin))
    images = tf.clip_by_value(images[..., 0], 0.0, 1.0)
    # Like the preprocessing of drawings, keep the strongest ink at 1.
    peak = tf.reduce_max(images, axis=[1, 2], keepdims=True)
    return images / tf.maximum(peak, 1e-3)
