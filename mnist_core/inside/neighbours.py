"""The MNIST training digits a model thinks look most like a drawing.

"Like" is measured where the model decides: the penultimate layer, the last
representation before the class scores. Every training digit's vector there
is computed once per model (in a background thread, about 2 s for the 60,000
digits with the default CNN on 2 cores) and kept on the model, so a drawing's
neighbours cost one matrix product.

Memory is bounded: vectors wider than MAX_DIMENSIONS (a CNN whose last
convolution feeds the classifier directly has thousands) are projected to
that many by a fixed random matrix, which keeps distances to within a few
percent (Johnson-Lindenstrauss), so an index holds at most 61 MB (60,000
float32 vectors: float16 would halve it but makes a lookup 15 ms instead of
2); and only the MAX_INDEXES most recently used indexes are kept.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from mnist_core.inside.network import Network, network_of

_INDEX_ATTRIBUTE = "_mnist_inside_neighbours"
_lock = threading.Lock()
_recent: OrderedDict[int, weakref.ref] = OrderedDict()
BATCH = 256
NEAREST = 8
MAX_DIMENSIONS = 256
MAX_INDEXES = 4


@dataclass(frozen=True)
class Neighbour:
    """One training digit near the drawing.

    Attributes:
        index: Its position in the training set (`x_train` of mnist.npz).
        label: Its label.
        distance: Euclidean distance to the drawing in the penultimate layer.
    """

    index: int
    label: int
    distance: float

    def to_dict(self) -> dict:
        return {"index": self.index, "label": self.label, "distance": round(self.distance, 4)}


class NeighbourIndex:
    """The training digits' penultimate-layer vectors for one model, filled in the background.

    Args:
        network: The model's Network.
        images: (N, 28, 28) uint8 training images.
        labels: (N,) their labels.
        start: Begin computing at once on a background thread.
    """

    def __init__(self, network: Network, images: np.ndarray, labels: np.ndarray, *, start: bool = True):
        self.images = images
        self.labels = labels
        self._network = network
        self._vectors: np.ndarray | None = None
        self._squared_norms: np.ndarray | None = None
        self._projection: np.ndarray | None = None
        self.error = ""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._compute, name="inside-neighbours", daemon=True)
        if start:
            self._thread.start()

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Waits until the vectors are computed (or failed); True if done."""
        return self._done.wait(timeout)

    def compute_now(self) -> None:
        """Computes the vectors on the calling thread (when not started in the background)."""
        self._compute()

    def nearest(self, image: np.ndarray, count: int = NEAREST) -> list[Neighbour]:
        """The `count` training digits closest to a (28, 28) float image; [] until ready."""
        if self._vectors is None or self._squared_norms is None:
            return []
        vector = self._project(self._network.embed(np.asarray(image, np.float32)[np.newaxis]))[0]
        squared = self._squared_norms - 2.0 * (self._vectors @ vector) + float(vector @ vector)
        count = min(count, len(squared))
        closest = np.argpartition(squared, count - 1)[:count] if count else np.array([], int)
        closest = closest[np.argsort(squared[closest])]
        return [
            Neighbour(int(index), int(self.labels[index]), float(np.sqrt(max(squared[index], 0.0))))
            for index in closest
        ]

    def _project(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors wider than MAX_DIMENSIONS through one fixed random projection; others as they are."""
        width = vectors.shape[1]
        if width <= MAX_DIMENSIONS:
            return vectors
        if self._projection is None:
            gaussian = np.random.default_rng(0).normal(size=(width, MAX_DIMENSIONS)) / np.sqrt(MAX_DIMENSIONS)
            self._projection = gaussian.astype(np.float32)
        return vectors @ self._projection

    def _compute(self) -> None:
        try:
            vectors = [
                self._project(
                    self._network.embed(self.images[start : start + BATCH].astype(np.float32) / 255.0)
                )
                for start in range(0, len(self.images), BATCH)
            ]
            matrix = np.concatenate(vectors) if vectors else np.zeros((0, 1), np.float32)
            self._squared_norms = np.einsum("ij,ij->i", matrix, matrix)
            self._vectors = matrix
        except Exception as error:  # noqa: BLE001 - recorded: the view says why there are no neighbours.
            self.error = f"The nearest training digits could not be computed: {error}"
        finally:
            self._done.set()


def neighbour_index(model, images: np.ndarray, labels: np.ndarray, *, start: bool = True) -> NeighbourIndex:
    """The model's (cached) index over these training images, started in the background when new."""
    with _lock:
        index = getattr(model, _INDEX_ATTRIBUTE, None)
        if index is None or index.images is not images:
            index = NeighbourIndex(network_of(model), images, labels, start=start)
            setattr(model, _INDEX_ATTRIBUTE, index)
        _recent[id(model)] = weakref.ref(model)
        _recent.move_to_end(id(model))
        while len(_recent) > MAX_INDEXES:
            _, oldest = _recent.popitem(last=False)
            evicted = oldest()
            if evicted is not None and hasattr(evicted, _INDEX_ATTRIBUTE):
                delattr(evicted, _INDEX_ATTRIBUTE)
    return index
