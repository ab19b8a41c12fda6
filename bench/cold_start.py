"""Classroom cold start: every student opens the link on a freshly started server at the same moment.

The teacher starts `streamlit run app.py` and hands out the link; N browser
sessions (one headless Chromium, N contexts) open `/draw` together, at once,
while the server is still starting. For each session: the seconds from the
server's launch until its Draw canvas is usable (the default model loaded,
the canvas still, Prediction "-"), and whether a digit it then draws is read
right. Then a reload-mid-run check: one session starts a training run from a
link, reloads the tab while it trains, and must see the same run again, live,
and be able to stop it; its model must reach the Draw page's list.

    python -m bench.cold_start --sessions 30
    python -m bench.load_test --cold --sessions 30   # the same
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time

from bench.app_driver import drawing, pages, training
from bench.app_driver.server import AppServer, MemorySampler, app_env
from bench.app_driver.stats import summary

DRAW_TARGET_S = 20.0
# A cheap first look, four times a second, until the canvas is there and loading is over; only then
# the precise waits, which poll every animation frame: in ten pages at once that costs the server's cores.
CANVAS_SHOWN_JS = """() => {
  const host = document.querySelector('[data-testid="stBidiComponentIsolated"]');
  const canvas = host && (host.shadowRoot || host).querySelector("canvas.upper-canvas");
  return Boolean(canvas) && !document.body.textContent.includes("Loading the models");
}"""
RELOAD_QUERY = "preset=fast-cnn&epochs=5&train_size=5000&batch_size=8"  # Long enough to stop it mid-run.


async def open_draw(browser, server: AppServer, number: int, timeout: float) -> dict:
    """One student: open /draw now, wait for a usable canvas, draw a digit; returns what they saw."""
    page = await pages.new_page(browser)
    figures: dict = {"session": number, "errors": []}
    try:
        await page.goto(server.url("/draw"), timeout=timeout * 1000)
        await page.wait_for_function(CANVAS_SHOWN_JS, timeout=timeout * 1000, polling=250)
        await drawing.wait_draw_ready(page, timeout=timeout)
        figures["usable_s"] = round(time.perf_counter() - server.started_at, 2)
        digit = number % 10
        result = await drawing.draw_digit(page, digit, random.Random(number), timeout=60)
        figures.update({"digit": digit, "prediction": result.prediction, "latency_ms": result.latency_ms})
        figures["errors"] += await pages.exception_texts(page)
    except Exception as error:  # noqa: BLE001 - a failed session is a finding of the benchmark.
        figures["errors"].append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await page.context.close()
    return figures


async def first_visitors(browser, server: AppServer, count: int, timeout: float) -> list[dict]:
    """`count` students opening /draw at the same moment; what each saw (see `open_draw`)."""
    return await asyncio.gather(
        *(open_draw(browser, server, number, timeout) for number in range(1, count + 1))
    )


async def reload_mid_run(browser, server: AppServer) -> dict:
    """Starts a run, reloads the tab while it trains, finds the same run live, stops it, finds its model."""
    page = await pages.new_page(browser)
    figures: dict = {"errors": []}
    try:
        await pages.open_app(page, server.url(f"/train?{RELOAD_QUERY}"), timeout=120)
        before = await training.start_training(page, timeout=120)
        status = before
        while status.state != "running":
            await asyncio.sleep(0.3)
            status = await training.training_status(page)
        await asyncio.sleep(2.0)
        progress_before = status.text
        reloaded = time.perf_counter()
        await page.reload()
        await page.locator("h3").filter(has_text=before.run_label).first.wait_for(timeout=120_000)
        status = await training.training_status(page)
        while status.state not in ("running", "done", "failed", "cancelled"):
            await asyncio.sleep(0.3)
            status = await training.training_status(page)
        figures["shown_again_s"] = round(time.perf_counter() - reloaded, 2)
        figures["same_run"] = status.run_label == before.run_label
        figures["live_after_reload"] = status.state == "running"
        figures["progress"] = [progress_before, status.text]
        await page.get_by_role("button").filter(has_text=re.compile(r"Stop$")).click()
        outcome = await training.wait_training(page, timeout=120)
        figures["stopped"] = "Stopped by you" in outcome.status.text
        model = outcome.status.model_name
        await pages.navigate(page, "Draw", ready=drawing.canvas(page), timeout=120)
        await drawing.wait_draw_ready(page, timeout=120)
        figures["model_on_draw"] = model in await pages.select_options(page, "Model")
    except Exception as error:  # noqa: BLE001
        figures["errors"].append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await page.context.close()
    return figures


async def main_async(args: argparse.Namespace) -> dict:
    from playwright.async_api import async_playwright

    env = app_env(**({"MNIST_WORKSPACE_DIR": args.workspace_dir} if args.workspace_dir else {}))
    async with async_playwright() as playwright:
        browser = await pages.launch_browser(playwright, shell=True)
        server = AppServer(env)
        try:
            # The students click the link while the server is starting: open as soon as it answers.
            await asyncio.to_thread(server.start, 120)
            sampler = MemorySampler(server.pid)
            sampler.start()
            health_s = time.perf_counter() - server.started_at
            sessions = await first_visitors(browser, server, args.sessions, args.timeout)
            reload = await reload_mid_run(browser, server) if args.reload_check else None
            await sampler.stop()
        finally:
            server.stop()
            await browser.close()
    usable = [session["usable_s"] for session in sessions if "usable_s" in session]
    right = sum(session.get("prediction") == str(session.get("digit")) for session in sessions)
    errors = [f"session {session['session']}: {error}" for session in sessions for error in session["errors"]]
    errors += [f"server traceback: {text.splitlines()[-1][:200]}" for text in server.tracebacks()]
    result = {
        "bench": "cold_start",
        "sessions": args.sessions,
        "health_s": round(health_s, 2),
        "draw_usable_s": summary(usable),
        "usable_within_target": sum(value <= DRAW_TARGET_S for value in usable),
        "draw_target_s": DRAW_TARGET_S,
        "own_digit_read_right": f"{right}/{args.sessions}",
        "reload_mid_run": reload,
        "errors": len(errors),
        "error_list": errors[:20],
        "rss_peak_mb": sampler.peak().to_dict(),
        "cpu": sampler.cpu,
    }
    print(
        f"{args.sessions} first visitors at once: Draw usable p50 {result['draw_usable_s']['p50']} s, "
        f"max {result['draw_usable_s']['max']} s after the server's launch "
        f"({result['usable_within_target']}/{args.sessions} within {DRAW_TARGET_S:g} s); "
        f"own digit read right {result['own_digit_read_right']}; errors {len(errors)}"
    )
    if reload:
        print(f"reload mid-run: {reload}")
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """The cold start's options (also offered by `bench.load_test --cold`)."""
    parser.add_argument("--sessions", type=int, default=10, help="First visitors at once (default 10).")
    parser.add_argument(
        "--timeout", type=float, default=300, help="Seconds a session may wait (default 300)."
    )
    parser.add_argument(
        "--no-reload-check", dest="reload_check", action="store_false", help="Skip the reload-mid-run check."
    )
    parser.add_argument(
        "--workspace-dir", help="The server's MNIST_WORKSPACE_DIR (default: a fresh /tmp folder)."
    )


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
