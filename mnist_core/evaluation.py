"""Scoring a model on a data split: accuracy, confusion, and the digits it gets wrong."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from mnist_core.architectures import NUM_CLASSES
from mnist_core.predict import predict_probabilities

SORT_KEYS = ("confidence", "loss", "index")
_EPSILON = 1e-7


@dataclass(frozen=True)
class Misclassified:
    """One example the model got wrong."""

    index: int
    true_label: int
    predicted_label: int
    confidence: float
    loss: float


@dataclass(frozen=True)
class ClassScores:
    """Per-digit scores; accuracy is the recall of that digit."""

    digit: int
    count: int
    accuracy: float
    precision: float
    recall: float


@dataclass(frozen=True)
class EvaluationReport:
    """A model's scores on one split.

    Attributes:
        accuracy: Share of examples classified correctly.
        loss: Mean cross-entropy.
        confusion: 10x10 counts, rows = true digit, columns = prediction.
        per_class: Scores for digits 0-9.
        misclassified: Every wrong example, most confident mistakes first.
    """

    accuracy: float
    loss: float
    confusion: list[list[int]]
    per_class: list[ClassScores]
    misclassified: list[Misclassified]

    def to_dict(self, include_misclassified: bool = False) -> dict:
        data = {
            "accuracy": self.accuracy,
            "loss": self.loss,
            "confusion_matrix": self.confusion,
            "per_class_accuracy": {str(row.digit): row.accuracy for row in self.per_class},
            "per_class": [asdict(row) for row in self.per_class],
            "misclassified_count": len(self.misclassified),
        }
        if include_misclassified:
            data["misclassified"] = [asdict(item) for item in self.misclassified]
        return data


def report_from_dict(data: object) -> EvaluationReport | None:
    """The report `EvaluationReport.to_dict(include_misclassified=True)` wrote; None for anything else."""
    if not isinstance(data, dict):
        return None
    try:
        return EvaluationReport(
            accuracy=float(data["accuracy"]),
            loss=float(data["loss"]),
            confusion=[[int(count) for count in row] for row in data["confusion_matrix"]],
            per_class=[ClassScores(**row) for row in data["per_class"]],
            misclassified=[Misclassified(**item) for item in data["misclassified"]],
        )
    except (KeyError, TypeError, ValueError):
        return None


def evaluate_model(model, images: np.ndarray, labels: np.ndarray) -> EvaluationReport:
    """Scores `model` on (N, 28, 28) images (uint8 or float in [0, 1]) and labels."""
    labels = np.asarray(labels, dtype=np.int64)
    probabilities = predict_probabilities(model, images)
    return report_from_probabilities(probabilities, labels)


def report_from_probabilities(probabilities: np.ndarray, labels: np.ndarray) -> EvaluationReport:
    """Builds the report from (N, 10) probabilities and true labels."""
    predicted = probabilities.argmax(axis=1)
    true_probability = probabilities[np.arange(len(labels)), labels]
    losses = -np.log(np.clip(true_probability, _EPSILON, 1.0))
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = []
    for digit in range(NUM_CLASSES):
        count = int(confusion[digit].sum())
        predicted_count = int(confusion[:, digit].sum())
        correct = int(confusion[digit, digit])
        recall = correct / count if count else 0.0
        precision = correct / predicted_count if predicted_count else 0.0
        per_class.append(ClassScores(digit, count, recall, precision, recall))
    wrong = np.flatnonzero(predicted != labels)
    misclassified = [
        Misclassified(
            index=int(index),
            true_label=int(labels[index]),
            predicted_label=int(predicted[index]),
            confidence=float(probabilities[index, predicted[index]]),
            loss=float(losses[index]),
        )
        for index in wrong
    ]
    return EvaluationReport(
        accuracy=float((predicted == labels).mean()) if len(labels) else 0.0,
        loss=float(losses.mean()) if len(labels) else 0.0,
        confusion=confusion.tolist(),
        per_class=per_class,
        misclassified=sort_misclassified(misclassified, "confidence"),
    )


def sort_misclassified(
    items: list[Misclassified],
    by: str = "confidence",
    descending: bool = True,
    true_label: int | None = None,
    predicted_label: int | None = None,
) -> list[Misclassified]:
    """Filters and sorts mistakes.

    Args:
        items: Mistakes from a report.
        by: "confidence", "loss" or "index".
        descending: Largest first.
        true_label: Keep only this true digit.
        predicted_label: Keep only this predicted digit.

    Raises:
        ValueError: Unknown sort key.
    """
    if by not in SORT_KEYS:
        raise ValueError(f"cannot sort by {by!r}; choose one of {', '.join(SORT_KEYS)}.")
    kept = [
        item
        for item in items
        if (true_label is None or item.true_label == true_label)
        and (predicted_label is None or item.predicted_label == predicted_label)
    ]
    return sorted(kept, key=lambda item: getattr(item, by), reverse=descending)
