"""Server memory: idle, per session that trains and keeps a CNN, and with a crowd of sessions.

Reads VmRSS, RssAnon (the heap: arrays, models, Python objects) and RssFile
(mapped files, mostly TensorFlow's shared libraries) of the `streamlit run`
process from /proc/<pid>/status at each step:

1. the server alone, before any visit;
2. one session on the home page, with the data and default models loaded;
3. the same session after opening Draw and drawing one digit;
4. K more sessions, one at a time, each training one CNN (a Train link) and keeping it;
5. optionally crowds of N sessions (--crowd 10,30), half of them having trained, the rest
   on the Draw page having drawn a digit.

Every session stays open to the end, so its state stays on the server.

    python -m bench.memory [--trained 5] [--crowd 10,30] [--train-query ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time

from bench.app_driver import drawing, pages, training
from bench.app_driver.server import AppServer, Memory, app_env

TRAIN_QUERY = "preset=fast-cnn&epochs=1&train_size=2000"
IDLE_TARGET_MB = 750
PER_SESSION_TARGET_MB = 60
# Seconds to let the server settle (threads end, buffers are freed) before reading memory.
SETTLE_S = 2.0


class Probe:
    """Reads the server's memory after a settling pause and keeps every reading."""

    def __init__(self, server: AppServer):
        self.server = server
        self.steps: list[dict] = []

    async def read(self, step: str, sessions: int, trained: int) -> Memory:
        await asyncio.sleep(SETTLE_S)
        memory = self.server.memory()
        self.steps.append({"step": step, "sessions": sessions, "trained": trained, **memory.to_dict()})
        print(
            f"{step:<40} sessions {sessions:2d} trained {trained:2d}: RSS {memory.rss:7.1f} MB "
            f"(anon {memory.anon:6.1f}, file {memory.file:6.1f})",
            flush=True,
        )
        return memory


async def train_session(browser, server: AppServer, query: str, timeout: float):
    """A new session that trains one model from a Train link and waits for it; returns the page."""
    page = await pages.new_page(browser)
    await pages.open_app(page, server.url(f"/train?{query}"), timeout=120)
    await training.start_training(page, timeout=120)
    outcome = await training.wait_training(page, timeout=timeout)
    if outcome.status.state != "done":
        raise RuntimeError(f"a run ended as {outcome.status.state!r}: {outcome.status.text}")
    await pages.wait_idle(page, timeout=60)
    return page


async def draw_session(browser, server: AppServer, seed: int):
    """A new session on the Draw page that has drawn one digit; returns the page."""
    page = await pages.new_page(browser)
    await pages.open_app(page, server.url("/draw"), timeout=120)
    await drawing.wait_draw_ready(page, timeout=120)
    await drawing.draw_digit(page, seed % 10, random.Random(seed), timeout=60)
    return page


async def main_async(args: argparse.Namespace) -> dict:
    from playwright.async_api import async_playwright

    env = app_env(MNIST_NPZ="/nonexistent/mnist.npz") if args.offline else app_env()
    server = AppServer(env)
    server.start(120)
    probe = Probe(server)
    open_pages = []
    started = time.monotonic()
    try:
        async with async_playwright() as playwright:
            browser = await pages.launch_browser(playwright)
            await probe.read("server started, no session", 0, 0)

            first = await pages.new_page(browser)
            open_pages.append(first)
            await pages.open_app(first, server.url("/"), timeout=180)
            await pages.wait_models_loaded(first)
            home = await probe.read("1 session: home, models loaded", 1, 0)
            await pages.navigate(first, "Draw", ready=drawing.canvas(first), timeout=120)
            await drawing.wait_draw_ready(first, timeout=120)
            await drawing.draw_digit(first, 7, random.Random(0), timeout=60)
            idle = await probe.read("1 session: Draw, one digit drawn", 1, 0)

            trained, previous, increments = 0, idle, []
            for _ in range(args.trained):
                open_pages.append(await train_session(browser, server, args.train_query, args.run_timeout))
                trained += 1
                memory = await probe.read(f"+1 session trained a CNN (#{trained})", len(open_pages), trained)
                increments.append(round(memory.rss - previous.rss, 1))
                previous = memory

            crowds = {}
            for size in args.crowd:
                while len(open_pages) < size:
                    if trained < size // 2:
                        page = await train_session(browser, server, args.train_query, args.run_timeout)
                        trained += 1
                    else:
                        page = await draw_session(browser, server, len(open_pages))
                    open_pages.append(page)
                memory = await probe.read(f"crowd of {size} sessions", len(open_pages), trained)
                crowds[str(size)] = {"trained": trained, **memory.to_dict()}
            await browser.close()
    finally:
        server.stop()

    per_session = statistics.mean(increments) if increments else None
    # The first run also loads TensorFlow's training machinery once for the whole process.
    later = statistics.mean(increments[1:]) if len(increments) > 1 else None
    result = {
        "bench": "memory",
        "train_query": args.train_query,
        "mnist_npz": env.get("MNIST_NPZ", ""),
        "steps": probe.steps,
        "home_mb": home.to_dict(),
        "idle_mb": idle.to_dict(),
        "idle_target_mb": IDLE_TARGET_MB,
        "per_trained_session_mb": increments,
        "per_trained_session_mean_mb": round(per_session, 1) if per_session is not None else None,
        "per_trained_session_after_first_mean_mb": round(later, 1) if later is not None else None,
        "per_trained_session_target_mb": PER_SESSION_TARGET_MB,
        "crowds": crowds,
        "elapsed_s": round(time.monotonic() - started, 1),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    print(
        f"idle (1 session, Draw used): RSS {idle.rss:.0f} MB = anon {idle.anon:.0f} + file {idle.file:.0f} "
        f"(target <= {IDLE_TARGET_MB} MB); per trained session: {increments} MB, mean "
        f"{result['per_trained_session_mean_mb']} MB, after the first "
        f"{result['per_trained_session_after_first_mean_mb']} MB (target <= {PER_SESSION_TARGET_MB} MB)"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trained", type=int, default=5, help="Sessions that train one by one (default 5).")
    parser.add_argument(
        "--crowd",
        type=lambda text: sorted(int(part) for part in text.split(",") if part.strip()),
        default=[],
        help="Session counts to measure too, half trained, e.g. 10,30 (default none).",
    )
    parser.add_argument(
        "--train-query", default=TRAIN_QUERY, help=f"Train link query (default {TRAIN_QUERY})."
    )
    parser.add_argument(
        "--run-timeout", type=float, default=300, help="Seconds one run may take (default 300)."
    )
    parser.add_argument(
        "--offline", action="store_true", help="Point MNIST_NPZ at a missing file: the 5k fallback set."
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
