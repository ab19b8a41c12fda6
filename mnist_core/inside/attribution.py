"""Why this digit: SmoothGrad attribution maps over the 28x28 input.

A map says, for every pixel, how much more ink there would raise (positive)
or lower (negative) a digit's score: the gradient of the score with respect
to the image, averaged over noisy copies of the image (SmoothGrad, Smilkov et
al. 2017), which keeps the shape and drops the gradient's speckle. Times the
image ("on the ink", the default), it says what each stroke did for the
score. "Why 9 and not 3" is the 9's map minus the 3's (the maps are linear in
the score, and both use the same noise). Both kinds pass the
model-randomisation check of Adebayo et al. (2018): a network with random
weights gives a different map (see `rank_correlation`, bench/inside.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.architectures import NUM_CLASSES
from mnist_core.inside.network import Network

METHOD_TEXT = {
    True: (
        "SmoothGrad × input: how much each pixel's ink adds to the digit's score (the gradient of the score, "
        "averaged over {samples} noisy copies of the image, times the ink). Red: this ink argues for the "
        "digit; blue: against it."
    ),
    False: (
        "SmoothGrad: the gradient of the digit's score for every pixel, averaged over {samples} noisy copies "
        "of the image. Red: more ink there would raise the score; blue: it would lower it."
    ),
}


@dataclass(frozen=True)
class SmoothGrad:
    """How the maps are made.

    Attributes:
        on_ink: Multiply by the image (what the ink did), else the gradient at every pixel.
        samples: Noisy copies averaged per map.
        noise: Standard deviation of the noise, in pixel values (the image runs from 0 to 1).
        seed: Seed of the noise, so the same drawing always gives the same map.
    """

    on_ink: bool = True
    samples: int = 32
    noise: float = 0.15
    seed: int = 0

    @property
    def description(self) -> str:
        return METHOD_TEXT[self.on_ink].format(samples=self.samples)


def attributions(
    network: Network, image: np.ndarray, digits: list[int], method: SmoothGrad = SmoothGrad()
) -> np.ndarray:
    """One (28, 28) map per digit, from one call of the network on the same noisy copies."""
    image = np.asarray(image, np.float32)
    rng = np.random.default_rng(method.seed)
    noise = rng.normal(0.0, method.noise, (method.samples, *image.shape)).astype(np.float32)
    weights = np.repeat(np.eye(NUM_CLASSES, dtype=np.float32)[list(digits)], method.samples, axis=0)
    batch = np.tile(image[np.newaxis] + noise, (len(digits), 1, 1))
    gradients = network.gradients(batch, weights).reshape(len(digits), method.samples, *image.shape)
    maps = gradients.mean(axis=1)
    return maps * image if method.on_ink else maps


def rank_correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman's rank correlation of two signed maps (the maps as shown: red and blue)."""
    ranks = [_ranks(np.asarray(array, np.float64).ravel()) for array in (first, second)]
    return float(np.corrcoef(ranks[0], ranks[1])[0, 1])


def share_near_ink(saliency: np.ndarray, image: np.ndarray, reach: int = 1) -> float:
    """The share of the map's absolute mass on the ink or within `reach` pixels of it."""
    ink = np.asarray(image) > 0.1
    near = ink.copy()
    for _ in range(reach):
        grown = near.copy()
        grown[1:] |= near[:-1]
        grown[:-1] |= near[1:]
        grown[:, 1:] |= near[:, :-1]
        grown[:, :-1] |= near[:, 1:]
        near = grown
    mass = np.abs(saliency)
    total = float(mass.sum())
    return float(mass[near].sum()) / total if total > 0 else 0.0


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks with ties given their mean rank."""
    order = values.argsort(kind="stable")
    ranks = np.empty(len(values), np.float64)
    ranks[order] = np.arange(len(values), dtype=np.float64)
    unique, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    if len(unique) < len(values):
        sums = np.bincount(inverse, weights=ranks)
        ranks = (sums / counts)[inverse]
    return ranks
