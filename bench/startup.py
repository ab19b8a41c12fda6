"""Cold start: `streamlit run app.py` to a rendered home page, and to a usable Draw page.

Each run starts a fresh server process, opens the home page in a fresh browser
context (cold cache) and times, from the moment the process is launched:

- health: /_stcore/health answers "ok";
- home: the title, the three page links and the sidebar are visible and the app is idle;
- models: the home page's model table is up (data, TensorFlow and the default models loaded);
- draw: after the in-app link to Draw, the canvas is up and the default model is ready
  (Prediction shows "-", no "Loading the models" note).

The browser is started once, before the first run, and is not timed.

    python -m bench.startup [--runs 3] [--offline]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

from bench.app_driver import drawing, pages
from bench.app_driver.server import AppServer, app_env

HOME_TARGET_S = 3.0
DRAW_TARGET_S = 6.0
# A missing file makes the app fall back to its 5,000 offline digits.
OFFLINE_NPZ = "/nonexistent/mnist.npz"


async def one_run(browser, env: dict[str, str]) -> dict[str, float]:
    """Starts a server and times the home and Draw pages; returns seconds since launch."""
    server = AppServer(env)
    try:
        health = await asyncio.to_thread(server.start, 120)
        page = await pages.new_page(browser)
        await page.goto(server.url("/"), timeout=120_000)
        await page.get_by_role("heading", name="MNIST Playground").wait_for(timeout=120_000)
        links = page.locator('[data-testid="stPageLink"]')
        await links.nth(2).wait_for(timeout=120_000)
        await page.locator('[data-testid="stSidebarNav"] a').first.wait_for(timeout=120_000)
        await pages.wait_idle(page, quiet_ms=100, timeout=120)
        home = time.perf_counter() - server.started_at
        await pages.wait_models_loaded(page, timeout=120)
        models = time.perf_counter() - server.started_at
        await pages.navigate(page, "Draw", ready=drawing.canvas(page), timeout=120)
        await drawing.wait_draw_ready(page, timeout=120)
        draw = time.perf_counter() - server.started_at
        memory = server.memory()
        await page.context.close()
        return {"health_s": health, "home_s": home, "models_s": models, "draw_s": draw, "rss_mb": memory.rss}
    finally:
        server.stop()


async def main_async(runs: int, env: dict[str, str]) -> dict:
    from playwright.async_api import async_playwright

    results = []
    async with async_playwright() as playwright:
        browser = await pages.launch_browser(playwright)
        for number in range(1, runs + 1):
            result = await one_run(browser, env)
            results.append(result)
            print(
                f"run {number}: health {result['health_s']:.2f} s, home rendered {result['home_s']:.2f} s, "
                f"models loaded {result['models_s']:.2f} s, Draw usable {result['draw_s']:.2f} s "
                f"(RSS {result['rss_mb']:.0f} MB)",
                flush=True,
            )
        await browser.close()
    medians = {key: statistics.median(result[key] for result in results) for key in results[0]}
    print(
        f"median: home {medians['home_s']:.2f} s (target <= {HOME_TARGET_S:g} s), "
        f"Draw {medians['draw_s']:.2f} s (target <= {DRAW_TARGET_S:g} s)"
    )
    return {
        "bench": "startup",
        "mnist_npz": env.get("MNIST_NPZ", ""),
        "runs": [{key: round(value, 2) for key, value in result.items()} for result in results],
        "median_health_s": round(medians["health_s"], 2),
        "median_home_s": round(medians["home_s"], 2),
        "median_models_s": round(medians["models_s"], 2),
        "median_draw_s": round(medians["draw_s"], 2),
        "home_target_s": HOME_TARGET_S,
        "draw_target_s": DRAW_TARGET_S,
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Cold starts to time (default 3).")
    parser.add_argument(
        "--offline", action="store_true", help="Point MNIST_NPZ at a missing file: the 5k fallback set."
    )
    args = parser.parse_args()
    env = app_env(MNIST_NPZ=OFFLINE_NPZ) if args.offline else app_env()
    print(json.dumps(asyncio.run(main_async(args.runs, env))))


if __name__ == "__main__":
    main()
