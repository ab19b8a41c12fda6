"""Tests for mnist_core.limiter: a first-come-first-served limit on parallel trainings."""

import threading
import time

import pytest

from mnist_core.limiter import TrainingLimiter


def _never():
    return False


def test_limiter_max_one_runs_threads_in_fifo_order():
    limiter = TrainingLimiter(1)
    tickets = [limiter.enqueue() for _ in range(5)]
    order, running, overlaps = [], [], []
    lock = threading.Lock()

    def work(ticket):
        assert limiter.wait_turn(ticket, _never, poll_s=0.01)
        with lock:
            running.append(ticket)
            overlaps.append(len(running))
            order.append(ticket)
        time.sleep(0.02)
        with lock:
            running.remove(ticket)
        limiter.release(ticket)

    # Start the threads in reverse, so arrival order at wait_turn cannot explain the result.
    threads = [threading.Thread(target=work, args=(ticket,)) for ticket in reversed(tickets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert order == tickets
    assert max(overlaps) == 1
    assert limiter.counts() == (0, 0)


def test_limiter_max_two_runs_two_at_once():
    limiter = TrainingLimiter(2)
    first, second, third = (limiter.enqueue() for _ in range(3))

    assert limiter.wait_turn(first, _never)
    assert limiter.wait_turn(second, _never)
    assert limiter.counts() == (2, 1)
    assert limiter.position(third) == 1
    assert not limiter.wait_turn(third, lambda: True)


def test_limiter_positions_move_up():
    limiter = TrainingLimiter(1)
    first, second, third, fourth = (limiter.enqueue() for _ in range(4))

    assert [limiter.position(ticket) for ticket in (first, second, third, fourth)] == [1, 2, 3, 4]
    assert limiter.wait_turn(first, _never)
    assert [limiter.position(ticket) for ticket in (first, second, third, fourth)] == [None, 1, 2, 3]
    limiter.release(first)
    assert limiter.wait_turn(second, _never)
    assert [limiter.position(ticket) for ticket in (third, fourth)] == [1, 2]
    assert limiter.counts() == (1, 2)


def test_limiter_release_twice_is_safe():
    limiter = TrainingLimiter(1)
    first, second = limiter.enqueue(), limiter.enqueue()
    assert limiter.wait_turn(first, _never)

    limiter.release(first)
    limiter.release(first)

    assert limiter.counts() == (0, 1)
    assert limiter.position(second) == 1
    assert limiter.wait_turn(second, _never)
    assert limiter.counts() == (1, 0)


def test_limiter_give_up_leaves_queue():
    limiter = TrainingLimiter(1)
    holder, quitter, patient = (limiter.enqueue() for _ in range(3))
    assert limiter.wait_turn(holder, _never)
    stop = threading.Event()
    result = {}
    thread = threading.Thread(
        target=lambda: result.setdefault("turn", limiter.wait_turn(quitter, stop.is_set, poll_s=0.01))
    )
    thread.start()
    time.sleep(0.05)
    assert limiter.position(quitter) == 1

    stop.set()
    thread.join(5)

    assert result["turn"] is False
    assert limiter.position(quitter) is None
    assert limiter.position(patient) == 1
    assert limiter.counts() == (1, 1)


def test_limiter_waiter_wakes_when_slot_is_released():
    limiter = TrainingLimiter(1)
    holder, waiter = limiter.enqueue(), limiter.enqueue()
    assert limiter.wait_turn(holder, _never)
    started = threading.Event()
    thread = threading.Thread(target=lambda: started.set() or limiter.wait_turn(waiter, _never, poll_s=5))
    thread.start()
    started.wait(5)
    time.sleep(0.05)
    assert thread.is_alive()

    limiter.release(holder)
    thread.join(2)

    assert not thread.is_alive()
    assert limiter.counts() == (1, 0)


@pytest.mark.parametrize("max_running", [0, -1])
def test_limiter_needs_at_least_one_slot(max_running):
    with pytest.raises(ValueError, match="max_running"):
        TrainingLimiter(max_running)
