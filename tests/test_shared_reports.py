"""Tests for mnist_core.shared_reports: a default model's report is scored once, whoever asks."""

import threading
import time

import pytest

from mnist_core.shared_reports import SharedReports


def test_many_threads_asking_at_once_share_one_scoring():
    reports, calls = SharedReports(), []

    def score():
        calls.append(1)
        time.sleep(0.2)  # Long enough for every thread to arrive while the first one scores.
        return object()

    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(reports.get(("cnn", "test"), score))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(calls) == 1 and len(answers) == 8 and len({id(answer) for answer in answers}) == 1
    assert reports.known(("cnn", "test")) and not reports.known(("cnn", "validation"))


def test_a_failed_scoring_keeps_nothing_and_the_next_request_tries_again():
    reports = SharedReports()

    def fail():
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError):
        reports.get("key", fail)
    assert not reports.known("key")
    assert reports.get("key", lambda: "report") == "report"
