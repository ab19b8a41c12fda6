"""Tests for mnist_core.evaluation: scores from probabilities, and sorting the mistakes."""

import math

import numpy as np
import pytest

from mnist_core.evaluation import Misclassified, evaluate_model, report_from_probabilities, sort_misclassified


def _probabilities(rows):
    """Pads short probability rows with zeros up to ten classes."""
    matrix = np.zeros((len(rows), 10), np.float32)
    for index, row in enumerate(rows):
        matrix[index, : len(row)] = row
    return matrix


# True labels and the probabilities a made-up model gives for digits 0, 1, 2.
LABELS = np.array([0, 1, 2, 2, 1])
PROBABILITIES = _probabilities(
    [
        [0.7, 0.2, 0.1],  # 0 -> 0, right
        [0.1, 0.6, 0.3],  # 1 -> 1, right
        [0.05, 0.9, 0.05],  # 2 -> 1, wrong and confident
        [0.2, 0.2, 0.6],  # 2 -> 2, right
        [0.5, 0.4, 0.1],  # 1 -> 0, wrong
    ]
)


def test_report_from_probabilities_accuracy_and_loss():
    report = report_from_probabilities(PROBABILITIES, LABELS)

    assert report.accuracy == pytest.approx(3 / 5)
    expected_loss = -np.mean(np.log([0.7, 0.6, 0.05, 0.6, 0.4]))
    assert report.loss == pytest.approx(expected_loss, rel=1e-5)


def test_report_from_probabilities_confusion_counts():
    report = report_from_probabilities(PROBABILITIES, LABELS)

    expected = np.zeros((10, 10), int)
    expected[0, 0] = expected[1, 1] = expected[1, 0] = expected[2, 1] = expected[2, 2] = 1
    np.testing.assert_array_equal(report.confusion, expected)
    assert np.asarray(report.confusion).sum() == len(LABELS)


def test_report_from_probabilities_per_class_precision_recall():
    scores = report_from_probabilities(PROBABILITIES, LABELS).per_class

    assert [row.digit for row in scores] == list(range(10))
    assert [row.count for row in scores[:3]] == [1, 2, 2]
    # Digit 0: its one example is right, but half the "0" answers were a 1.
    assert (scores[0].recall, scores[0].precision) == (1.0, 0.5)
    # Digit 1: one of two found; one of two "1" answers right.
    assert (scores[1].recall, scores[1].precision) == (0.5, 0.5)
    # Digit 2: one of two found; every "2" answer right.
    assert (scores[2].recall, scores[2].precision) == (0.5, 1.0)
    assert all(row.accuracy == row.recall for row in scores)
    assert all((row.count, row.recall, row.precision) == (0, 0.0, 0.0) for row in scores[3:])


def test_report_from_probabilities_misclassified_most_confident_first():
    mistakes = report_from_probabilities(PROBABILITIES, LABELS).misclassified

    assert [(item.index, item.true_label, item.predicted_label) for item in mistakes] == [
        (2, 2, 1),
        (4, 1, 0),
    ]
    assert mistakes[0].confidence == pytest.approx(0.9)
    assert mistakes[0].loss == pytest.approx(-math.log(0.05), rel=1e-5)
    assert mistakes[1].confidence == pytest.approx(0.5)
    assert mistakes[1].loss == pytest.approx(-math.log(0.4), rel=1e-5)


def test_report_from_probabilities_zero_probability_loss_is_finite():
    report = report_from_probabilities(_probabilities([[0.0, 1.0]]), np.array([0]))

    assert math.isfinite(report.loss) and report.loss > 10
    assert report.accuracy == 0.0


def test_report_to_dict_keys():
    report = report_from_probabilities(PROBABILITIES, LABELS)

    data = report.to_dict()
    assert data["accuracy"] == report.accuracy and data["misclassified_count"] == 2
    assert data["per_class_accuracy"]["2"] == 0.5 and len(data["per_class_accuracy"]) == 10
    assert "misclassified" not in data
    assert [item["index"] for item in report.to_dict(include_misclassified=True)["misclassified"]] == [2, 4]


MISTAKES = [
    Misclassified(index=7, true_label=3, predicted_label=5, confidence=0.6, loss=2.0),
    Misclassified(index=2, true_label=3, predicted_label=8, confidence=0.9, loss=1.0),
    Misclassified(index=9, true_label=4, predicted_label=9, confidence=0.7, loss=3.0),
    Misclassified(index=4, true_label=5, predicted_label=3, confidence=0.5, loss=0.5),
]


@pytest.mark.parametrize(
    ("by", "descending", "expected"),
    [
        ("confidence", True, [2, 9, 7, 4]),
        ("confidence", False, [4, 7, 9, 2]),
        ("loss", True, [9, 7, 2, 4]),
        ("loss", False, [4, 2, 7, 9]),
        ("index", False, [2, 4, 7, 9]),
        ("index", True, [9, 7, 4, 2]),
    ],
)
def test_sort_misclassified_by_key(by, descending, expected):
    assert [item.index for item in sort_misclassified(MISTAKES, by, descending)] == expected


def test_sort_misclassified_filters_by_true_and_predicted_label():
    assert [item.index for item in sort_misclassified(MISTAKES, true_label=3)] == [2, 7]
    assert [item.index for item in sort_misclassified(MISTAKES, predicted_label=3)] == [4]
    assert [item.index for item in sort_misclassified(MISTAKES, true_label=3, predicted_label=5)] == [7]
    assert sort_misclassified(MISTAKES, true_label=0) == []


def test_sort_misclassified_unknown_key_raises():
    with pytest.raises(ValueError, match=r"'label'.*confidence, loss, index"):
        sort_misclassified(MISTAKES, "label")


def test_evaluate_model_agrees_with_training_result(trained, tiny_splits):
    report = evaluate_model(trained.model, tiny_splits.x_test, tiny_splits.y_test)

    assert report.accuracy == pytest.approx(trained.test_accuracy)
    assert report.loss == pytest.approx(trained.test_loss, rel=1e-3)
    assert len(report.misclassified) == round((1 - report.accuracy) * len(tiny_splits.y_test))
    float_report = evaluate_model(trained.model, tiny_splits.x_test / 255.0, tiny_splits.y_test)
    assert float_report.accuracy == report.accuracy
