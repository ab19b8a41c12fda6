"""Classroom reality in a real browser: a cold server a class opens at once, a reload mid-run, a restart."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from bench import cold_start
from bench.app_driver import drawing, pages, training
from bench.app_driver.server import AppServer, app_env

pytestmark = pytest.mark.browser

FIRST_VISITORS = 10
# The slowest first visitor may wait this many times as long as the fastest (1.1-1.2 measured).
MOST_SPREAD = 1.6
# A bound for any machine (15-17 s on one 2-core machine, 28-37 s on another; minutes before issue 8).
MOST_S = 90
TRAIN_QUERY = "preset=fast-cnn&epochs=1&train_size=600&batch_size=32"


def test_ten_first_visitors_on_a_cold_server_all_draw_side_by_side(needs_browser, run, timings, tmp_path):
    from playwright.async_api import async_playwright

    server = AppServer(app_env(MNIST_WORKSPACE_DIR=tmp_path))

    async def classroom():
        async with async_playwright() as playwright:
            # As bench.cold_start: the crowd's ten pages in the lighter headless shell.
            browser = await pages.launch_browser(playwright, shell=True)
            try:
                await asyncio.to_thread(server.start, 120)
                return await cold_start.first_visitors(browser, server, FIRST_VISITORS, 120)
            finally:
                await browser.close()

    try:
        sessions = run(classroom())
    finally:
        server.stop()
    usable = [session.get("usable_s") for session in sessions]
    timings["cold_start_10_draw_usable_s"] = usable
    print(f"{FIRST_VISITORS} first visitors: Draw usable after {sorted(usable, key=lambda s: s or 1e9)} s")
    assert all(session["errors"] == [] for session in sessions), [session["errors"] for session in sessions]
    assert all(value is not None and value <= MOST_S for value in usable), usable
    # How many seconds depends on the machine (bench.cold_start measures it against its 20 s target);
    # what must hold everywhere is that the pages load side by side, none queued behind the others.
    assert max(usable) <= MOST_SPREAD * min(usable), usable
    wrong = [(s["digit"], s["prediction"]) for s in sessions if s["prediction"] != str(s["digit"])]
    assert len(wrong) <= 1, f"each session should read its own drawn digit; wrong: {wrong}"
    assert not server.tracebacks(), server.tracebacks()[0]


def test_a_reload_mid_run_shows_the_same_run_which_can_be_stopped(app_server, browser, run, artifacts):
    figures = run(cold_start.reload_mid_run(browser, app_server))
    print(f"reload mid-run: {figures}")
    assert figures["errors"] == [], figures
    assert figures["same_run"] and figures["live_after_reload"], figures
    assert figures["stopped"] and figures["model_on_draw"], figures


def test_finished_models_are_still_listed_after_a_server_restart(browser, run, artifacts, tmp_path):
    env = app_env(MNIST_WORKSPACE_DIR=tmp_path, MNIST_MAX_TRAIN_SIZE=2000)
    first = AppServer(env)
    first.start(120)
    page = run(pages.new_page(browser))  # One browser: its cookie holds the workspace across both servers.
    try:
        run(pages.open_app(page, first.url(f"/train?{TRAIN_QUERY}"), timeout=120))
        run(training.start_training(page, timeout=120))
        outcome = run(training.wait_training(page, timeout=240))
        assert outcome.status.state == "done", outcome
        model = outcome.status.model_name
    finally:
        first.stop()

    second = AppServer(env)  # A new process on a new port, over the same workspace folder.
    second.start(120)
    try:
        started = time.perf_counter()
        run(pages.open_app(page, second.url("/draw"), timeout=120))
        run(drawing.wait_draw_ready(page, timeout=120))
        assert model in run(pages.select_options(page, "Model")), (
            "the trained model did not survive the restart"
        )
        result = run(drawing.draw_digit(page, 7, random.Random(3)))
        assert result.prediction not in (None, "-")
        run(page.screenshot(path=artifacts / "restart-draw.png"))
        print(
            f"after the restart, Draw usable in {time.perf_counter() - started:.1f} s with {model!r} listed"
        )
    finally:
        run(page.context.close())
        second.stop()
