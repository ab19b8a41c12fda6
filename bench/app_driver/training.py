"""The Train page: start a run, read its status, wait for it to end (and for how long it queued)."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.app_driver.hooks import TRAIN_STATUS_JS

if TYPE_CHECKING:
    from playwright.async_api import Page


@dataclass
class TrainingStatus:
    """What the Train page shows about this session's run.

    Attributes:
        state: "none" (no run yet), "starting", "queued", "running", "done", "failed" or "cancelled".
        text: The status line: the progress bar's text, or the status message.
        model_name: The name the finished run's model was added under.
        run_label: The run's heading ("Run 1 · fast-cnn (edited)").
        start_enabled: Whether "Start training" can be pressed.
    """

    state: str
    text: str
    model_name: str | None
    run_label: str | None
    start_enabled: bool


RUN_HEADING = re.compile(r"^Run \d+ · ")
ADDED = re.compile(r"Added to your models as (.+?): inspect")


async def training_status(page: Page) -> TrainingStatus:
    """Reads the Train page's run status in one go."""
    shown = await page.evaluate(TRAIN_STATUS_JS)
    run_label = next((text for text in shown["headings"] if RUN_HEADING.match(text)), None)
    added = next((ADDED.search(text) for text in shown["captions"] if ADDED.search(text)), None)
    model_name = added.group(1) if added else None
    alerts = [(kind, text.split("\n")[-1]) for kind, text in shown["alerts"]]
    infos = [text for kind, text in alerts if kind == "Info"]
    state, text = "none", ""
    if run_label is None:
        pass
    elif shown["progress"] is not None:
        state, text = "running", shown["progress"]
    elif any(info.startswith("Queued") for info in infos):
        state, text = "queued", next(info for info in infos if info.startswith("Queued"))
    elif model_name or any(kind == "Success" for kind, _ in alerts):
        state = "done"
        text = next(text for kind, text in alerts if kind == "Success")
    elif any(kind == "Error" for kind, _ in alerts):
        state, text = "failed", next(text for kind, text in alerts if kind == "Error")
    elif any(kind == "Warning" for kind, _ in alerts):
        state, text = "cancelled", next(text for kind, text in alerts if kind == "Warning")
    else:
        state, text = "starting", infos[0] if infos else ""
    return TrainingStatus(state, text, model_name, run_label, shown["startEnabled"])


def start_button(page: Page):
    return page.get_by_role("button").filter(has_text=re.compile(r"Start training$"))


async def start_training(page: Page, timeout: float = 60.0) -> TrainingStatus:
    """Presses "Start training" and waits until the run shows up (queued or running)."""
    before = await training_status(page)
    await start_button(page).click(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = await training_status(page)
        if status.run_label and status.run_label != before.run_label:
            return status
        await asyncio.sleep(0.2)
    raise TimeoutError(f"No run appeared within {timeout:.0f} s of pressing Start training.")


@dataclass
class TrainingOutcome:
    """How a run went, seen from the browser.

    Attributes:
        status: The last status read.
        queued_s: Seconds the page showed "Queued: position k".
        total_s: Seconds from the call until the run ended (or the timeout).
        texts: The distinct status texts seen, in order.
        running_from: `time.monotonic()` when the run was first seen training (None if never).
        ended_at: `time.monotonic()` when the end (or the timeout) was seen.
    """

    status: TrainingStatus
    queued_s: float
    total_s: float
    texts: list[str]
    running_from: float | None
    ended_at: float


async def wait_training(page: Page, timeout: float = 300.0, poll: float = 0.5) -> TrainingOutcome:
    """Polls the Train page until the run ends; never raises on timeout (the status says "running")."""
    start = time.monotonic()
    queued_s, texts, running_from = 0.0, [], None
    last = start
    while True:
        status = await training_status(page)
        now = time.monotonic()
        if status.state == "queued":
            queued_s += now - last
        elif status.state == "running" and running_from is None:
            running_from = now
        last = now
        if status.text and (not texts or texts[-1] != status.text):
            texts.append(status.text)
        # A run is done for good once its model was added (the caption comes a rerun after "Finished").
        ended = status.state in ("failed", "cancelled") or (status.state == "done" and status.model_name)
        if ended or now - start > timeout:
            return TrainingOutcome(status, queued_s, now - start, texts, running_from, now)
        await asyncio.sleep(poll)
