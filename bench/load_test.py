"""Classroom load: N browser sessions at once on one server, drawing digits; half of them also train.

One headless Chromium holds N contexts (N Streamlit sessions), started a little
apart. Every session draws digits on the Draw page with real mouse strokes and
records the mouse-up -> Prediction latency (measured in the page), the
server's time for the rerun, and whether the answer was right. Trainer
sessions first open a Train link, press Start and follow the run to its end
(time spent "Queued: position k", total time), then check that their Draw model
picker holds the defaults plus their own run only, and draw for their model.
Drawers keep drawing, with a short pause between digits, until the trainings
are over. The server's RSS is sampled every 0.5 s throughout.

Errors counted: a `stException` box or Python traceback on a page, a timeout
of any step, a run that does not finish, a wrong model list; tracebacks in the
server's log are reported too.

    python -m bench.load_test [--sessions 10] [--trainers 5] [--timeout 600]
    python -m bench.load_test --cold --sessions 30   # all at once on a freshly started server
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import cold_start
from bench.app_driver import drawing, pages, training
from bench.app_driver.server import AppServer, MemorySampler, app_env
from bench.app_driver.stats import summary

DEFAULT_MODELS = ["Default CNN", "Default MLP"]
TRAIN_QUERY = "preset=fast-cnn&epochs=1&train_size=3000"
SERVER_TARGET_MS = 150


@dataclass
class Session:
    """What one browser session did and saw."""

    number: int
    trainer: bool
    load_s: float | None = None
    draws: list[dict] = field(default_factory=list)
    training: dict | None = None
    models_ok: bool | None = None
    canvas_moves: int = 0
    errors: list[str] = field(default_factory=list)
    finished: bool = False


class Classroom:
    """The shared state of one load test: the server, the browser, the sessions."""

    def __init__(self, args: argparse.Namespace, server: AppServer, browser):
        self.args = args
        self.server = server
        self.browser = browser
        self.sessions: list[Session] = []
        self.trainings_left = args.trainers
        self.started = time.monotonic()

    async def run_session(self, session: Session) -> None:
        page = None
        step = "opening"
        try:
            page = await pages.new_page(self.browser)
            if session.trainer:
                step = "training"
                try:
                    await self.train(session, page)
                finally:
                    self.trainings_left -= 1
                step = "checking the Draw model list"
                await pages.navigate(page, "Draw", ready=drawing.canvas(page), timeout=120)
                await drawing.wait_draw_ready(page, timeout=120)
                own = [session.training["model"]] if session.training.get("model") else []
                await self.check_models(session, page, [*DEFAULT_MODELS, *own])
                step = "drawing"
                await self.draw(session, page, self.args.digits, model="own")
            else:
                step = "opening /draw"
                start = time.perf_counter()
                await pages.open_app(page, self.server.url("/draw"), timeout=120)
                await drawing.wait_draw_ready(page, timeout=120)
                session.load_s = time.perf_counter() - start
                step = "drawing"
                await self.draw(session, page, self.args.digits, model="default", keep_going=True)
                step = "checking the Draw model list"
                await self.check_models(session, page, DEFAULT_MODELS)
            session.finished = True
        except asyncio.CancelledError:
            session.errors.append(f"timeout: still {step} when the overall --timeout ran out")
            raise
        except Exception as error:  # noqa: BLE001 - any failure of a session is a finding, not a crash.
            session.errors.append(f"{step}: {type(error).__name__}: {str(error).splitlines()[0][:300]}")
        finally:
            if page is not None:
                await self.note_page_errors(session, page)
                await page.context.close()

    async def train(self, session: Session, page) -> None:
        start = time.perf_counter()
        await pages.open_app(page, self.server.url(f"/train?{self.args.train_query}"), timeout=120)
        session.load_s = time.perf_counter() - start
        pressed = time.monotonic()
        await training.start_training(page, timeout=120)
        remaining = self.args.timeout - (time.monotonic() - self.started)
        outcome = await training.wait_training(page, timeout=max(remaining, 1.0))
        session.training = {
            "state": outcome.status.state,
            "message": outcome.status.text,
            "model": outcome.status.model_name,
            "queued_s": round(outcome.queued_s, 1),
            "total_s": round(outcome.ended_at - pressed, 1),
            "running_from": outcome.running_from,
            "ended_at": outcome.ended_at,
        }
        if outcome.status.state != "done":
            raise RuntimeError(f"the run ended as {outcome.status.state!r}: {outcome.status.text}")

    async def draw(self, session: Session, page, count: int, *, model: str, keep_going: bool = False) -> None:
        """Draws `count` digits; with keep_going, more until the trainings are over (at most --max-digits)."""
        rng = random.Random(session.number)
        number = 0
        while number < count or (keep_going and self.trainings_left > 0 and number < self.args.max_digits):
            digit = (session.number + number) % 10
            began = time.monotonic()
            try:
                result = await drawing.draw_digit(page, digit, rng, timeout=60)
            except drawing.CanvasMovedError:
                # The canvas jumped (it can, for a moment, after Clear); draw that digit again.
                session.canvas_moves += 1
                await drawing.clear_canvas(page, timeout=60)
                began = time.monotonic()
                result = await drawing.draw_digit(page, digit, rng, timeout=60)
            if result.prediction == "-" and self.args.failures:
                self.args.failures.mkdir(parents=True, exist_ok=True)
                name = f"session{session.number:02d}-digit{number:02d}-{digit}.png"
                await pages.full_screenshot(page, self.args.failures / name)
            session.draws.append(
                {
                    "digit": digit,
                    "prediction": result.prediction,
                    "correct": result.prediction == str(digit),
                    "latency_ms": result.latency_ms,
                    "answer_ms": result.answer_ms,
                    "server_ms": result.server_ms,
                    "model": model,
                    "at": (began + time.monotonic()) / 2,
                }
            )
            await drawing.clear_canvas(page, timeout=60)
            number += 1
            await asyncio.sleep(rng.uniform(0.3, 1.0))  # A moment to think of the next digit.

    async def check_models(self, session: Session, page, expected: list[str]) -> None:
        shown = await pages.select_options(page, "Model")
        session.models_ok = shown == expected
        if not session.models_ok:
            session.errors.append(f"Draw model list is {shown}, expected {expected}")

    async def note_page_errors(self, session: Session, page) -> None:
        try:
            for text in await pages.exception_texts(page):
                session.errors.append(f"exception shown on the page: {text[:300]}")
        except Exception as error:  # noqa: BLE001 - a closed page cannot be read; say so.
            session.errors.append(f"could not read the page for errors: {type(error).__name__}")


def trainings_running_at(sessions: list[Session], moment: float) -> int:
    return sum(
        1
        for session in sessions
        if session.training
        and session.training["running_from"] is not None
        and session.training["running_from"] <= moment <= session.training["ended_at"]
    )


async def warm_up(server: AppServer, browser) -> float:
    """One session opens the home page and waits for the models, as a teacher would first."""
    start = time.perf_counter()
    page = await pages.new_page(browser)
    await pages.open_app(page, server.url("/"), timeout=180)
    await pages.wait_models_loaded(page)
    await page.context.close()
    return time.perf_counter() - start


async def main_async(args: argparse.Namespace) -> dict:
    from playwright.async_api import async_playwright

    env = app_env(MNIST_NPZ="/nonexistent/mnist.npz") if args.offline else app_env()
    server = AppServer(env)
    server.start(120)
    sampler = MemorySampler(server.pid)
    try:
        async with async_playwright() as playwright:
            browser = await pages.launch_browser(playwright)
            warm_s = await warm_up(server, browser)
            idle_memory = server.memory()
            print(f"server up and models loaded in {warm_s:.1f} s; RSS {idle_memory.rss:.0f} MB", flush=True)
            sampler.start()
            classroom = Classroom(args, server, browser)
            roles = [True] * args.trainers + [False] * (args.sessions - args.trainers)
            classroom.sessions = [Session(number, trainer) for number, trainer in enumerate(roles, start=1)]

            async def staggered(session: Session) -> None:
                await asyncio.sleep((session.number - 1) * args.stagger)
                await classroom.run_session(session)

            tasks = [asyncio.ensure_future(staggered(session)) for session in classroom.sessions]
            _, pending = await asyncio.wait(tasks, timeout=args.timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            elapsed = time.monotonic() - classroom.started
            await sampler.stop()
            await browser.close()
    finally:
        server.stop()
    if args.details:
        args.details.write_text(
            json.dumps([vars(session) for session in classroom.sessions], indent=1) + "\n"
        )
    return report(args, classroom.sessions, sampler, idle_memory, elapsed, server.tracebacks(), env)


def report(
    args, sessions: list[Session], sampler: MemorySampler, idle_memory, elapsed, tracebacks, env
) -> dict:
    """Prints a line per session and the totals; returns the JSON summary."""
    for session in sessions:
        latencies = [d["latency_ms"] for d in session.draws if d["latency_ms"] is not None]
        figures = summary(latencies)
        trained = session.training or {}
        print(
            f"session {session.number:2d} {'trainer' if session.trainer else 'drawer '} "
            f"load {session.load_s or float('nan'):5.1f} s  draws {len(session.draws):2d} "
            f"right {sum(d['correct'] for d in session.draws):2d}  latency p50 {figures['p50']} "
            f"p95 {figures['p95']} max {figures['max']} ms"
            + (f"  queued {trained.get('queued_s')} s, run {trained.get('total_s')} s" if trained else "")
            + (f"  ERRORS: {'; '.join(session.errors)}" if session.errors else "")
        )
    draws = [d for session in sessions for d in session.draws]
    default_draws = [d for d in draws if d["model"] == "default"]
    latencies = [d["latency_ms"] for d in draws if d["latency_ms"] is not None]
    busy = [d for d in draws if trainings_running_at(sessions, d["at"]) >= 2]
    quiet = [d for d in draws if trainings_running_at(sessions, d["at"]) == 0]
    trainings = [session.training for session in sessions if session.training]
    queued = [training["queued_s"] for training in trainings]
    errors = [f"session {session.number}: {error}" for session in sessions for error in session.errors]
    errors += [f"server traceback: {text.splitlines()[-1][:200]}" for text in tracebacks]
    peak, final = sampler.peak(), sampler.final()

    def values(items, key):
        return [item[key] for item in items if item[key] is not None]

    result = {
        "bench": "load_test",
        "sessions": args.sessions,
        "trainers": args.trainers,
        "train_query": args.train_query,
        "mnist_npz": env.get("MNIST_NPZ", ""),
        "elapsed_s": round(elapsed, 1),
        "sessions_finished": sum(session.finished for session in sessions),
        "draws": len(draws),
        "default_model_correct": f"{sum(d['correct'] for d in default_draws)}/{len(default_draws)}",
        "latency_ms": summary(latencies),
        "latency_ms_2_trainings_running": summary(values(busy, "latency_ms")),
        "latency_ms_no_training_running": summary(values(quiet, "latency_ms")),
        "answer_ms": summary(values(draws, "answer_ms")),
        "server_ms": summary(values(draws, "server_ms")),
        "server_ms_2_trainings_running": summary(values(busy, "server_ms")),
        "server_target_ms": SERVER_TARGET_MS,
        "page_load_s": summary([session.load_s for session in sessions if session.load_s is not None]),
        "trainings_finished": sum(training["state"] == "done" for training in trainings),
        "queued_s": {
            "mean": round(statistics.mean(queued), 1) if queued else None,
            "max": max(queued) if queued else None,
        },
        "training_total_s": summary([training["total_s"] for training in trainings]),
        "canvas_moved_mid_stroke": sum(session.canvas_moves for session in sessions),
        "isolation_ok": all(session.models_ok for session in sessions if session.models_ok is not None),
        "errors": len(errors),
        "error_list": errors[:20],
        "rss_idle_mb": idle_memory.to_dict(),
        "rss_peak_mb": peak.to_dict(),
        "rss_final_mb": final.to_dict(),
        "cpu": sampler.cpu,
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    print(
        f"{result['sessions_finished']}/{args.sessions} sessions finished in {elapsed:.0f} s; "
        f"{len(draws)} drawings, default model right {result['default_model_correct']}; "
        f"mouse-up -> Prediction p50/p95/max {result['latency_ms']['p50']}/{result['latency_ms']['p95']}/"
        f"{result['latency_ms']['max']} ms (with 2 trainings running: "
        f"p50 {result['latency_ms_2_trainings_running']['p50']} ms over {len(busy)}); server-side p50 "
        f"{result['server_ms']['p50']} ms (with 2 trainings: "
        f"{result['server_ms_2_trainings_running']['p50']} ms, target <= {SERVER_TARGET_MS} ms)"
    )
    print(
        f"trainings finished {result['trainings_finished']}/{args.trainers}, queued mean "
        f"{result['queued_s']['mean']} s max {result['queued_s']['max']} s; errors {len(errors)}; RSS idle "
        f"{idle_memory.rss:.0f} MB, peak {peak.rss:.0f} MB (anon {peak.anon:.0f}, file {peak.file:.0f}), "
        f"final {final.rss:.0f} MB; CPU cores used on average: server {sampler.cpu.get('server_cores')}, "
        f"browser and client {sampler.cpu.get('client_and_browser_cores')} (of {os.cpu_count()})"
    )
    for error in errors[:20]:
        print(f"  error: {error}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10, help="Browser sessions at once (default 10).")
    parser.add_argument("--trainers", type=int, help="Sessions that also train (default: half).")
    parser.add_argument(
        "--digits", type=int, default=3, help="Digits each session draws at least (default 3)."
    )
    parser.add_argument(
        "--max-digits", type=int, default=12, help="Most digits a drawer draws while waiting (default 12)."
    )
    parser.add_argument(
        "--train-query", default=TRAIN_QUERY, help=f"Train link query (default {TRAIN_QUERY})."
    )
    parser.add_argument(
        "--stagger", type=float, default=1.0, help="Seconds between session starts (default 1)."
    )
    parser.add_argument("--timeout", type=float, default=600, help="Overall time bound in s (default 600).")
    parser.add_argument(
        "--offline", action="store_true", help="Point MNIST_NPZ at a missing file: the 5k fallback set."
    )
    parser.add_argument("--failures", type=Path, help="Save a screenshot of each unanswered drawing here.")
    parser.add_argument(
        "--details", type=Path, help="Also write every session's drawings and run to this JSON file."
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="Instead: every session arrives at once on a freshly started server (see bench.cold_start).",
    )
    args, rest = parser.parse_known_args()
    if args.cold:
        cold_start.main([f"--sessions={args.sessions}", *rest])
        return
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.trainers is None:
        args.trainers = args.sessions // 2
    if not 0 <= args.trainers <= args.sessions:
        parser.error(f"--trainers={args.trainers} must be between 0 and --sessions={args.sessions}.")
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
