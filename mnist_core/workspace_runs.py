"""Training runs that belong to a workspace, not to a browser session.

`WorkspaceRuns` holds each workspace's latest run in this process: any page of
any session of that workspace (after a reload, a reconnect, in a second tab)
finds the same job, shows the same live progress and can stop it. When the
job ends, the worker thread itself saves the model into the workspace store,
whether or not a page is open. A run is abandoned only once no session of its
workspace has been connected for the timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mnist_core.catalog import ModelEntry, entry_from_info, info_from_result
from mnist_core.config import TrainingConfig
from mnist_core.data import DataSplits, MnistData
from mnist_core.errors import JobError, StoreError
from mnist_core.finetune import FinetuneConfig
from mnist_core.limiter import TrainingLimiter
from mnist_core.progress import JobStatus
from mnist_core.store import WorkspaceStore
from mnist_core.teaching import Lesson, teach
from mnist_core.training import TrainingJob, TrainingResult


@dataclass
class WorkspaceRun:
    """One training run of a workspace.

    Attributes:
        id: The run's record in the store.
        workspace_id: Whose run it is.
        label: "Run 2 · fast-cnn": also the name its model is saved under.
        job: The training job (progress, stop).
        model_id: The saved model's id, once the run is done.
        model_name: The saved model's name (the label, or "label (2)").
        save_error: Why the model could not be kept in the store, if it could not.
        unsaved: The model, in memory only, when saving failed (usable until the server stops).
        origin: What the model is: "trained", or "taught" (a fine-tune on drawings).
        lesson: For a teaching: its figures (before/after on the drawings, MNIST), filled in as known.
        describe: Makes the saved model's info from the result.
    """

    id: str
    workspace_id: str
    label: str
    job: TrainingJob
    model_id: str | None = None
    model_name: str | None = None
    save_error: str | None = None
    unsaved: ModelEntry | None = None
    origin: str = "trained"
    lesson: Lesson | None = None
    describe: Callable[[TrainingResult], dict] = info_from_result

    @property
    def settled(self) -> bool:
        """Whether the run is over and whatever it made is kept (or known to be lost)."""
        return self.job.wait(0) and (
            self.model_id is not None or self.save_error is not None or not self.job.result
        )


class WorkspaceRuns:
    """The latest run of every workspace, in this process.

    Args:
        store: Where finished runs' models are kept.
        limiter: The process-wide queue of trainings.
        abandon_after_s: A run whose workspace has had no connected session this long is stopped.
        session_alive: Whether a Streamlit session id is still connected; None counts every session alive.
    """

    def __init__(
        self,
        store: WorkspaceStore,
        limiter: TrainingLimiter,
        abandon_after_s: float,
        session_alive: Callable[[str], bool] | None = None,
    ):
        self.store, self.limiter, self.abandon_after_s = store, limiter, abandon_after_s
        self.session_alive = session_alive
        self._runs: dict[str, WorkspaceRun] = {}
        self._sessions: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def attach(self, workspace_id: str, session_id: str) -> None:
        """Notes that a browser session shows this workspace (so its run is not abandoned)."""
        with self._lock:
            self._sessions.setdefault(workspace_id, set()).add(session_id)

    def latest(self, workspace_id: str) -> WorkspaceRun | None:
        """The workspace's latest run in this process, going or finished."""
        with self._lock:
            return self._runs.get(workspace_id)

    def start(
        self,
        workspace_id: str,
        config: TrainingConfig,
        label: str,
        splits: DataSplits,
        probe: np.ndarray | None = None,
    ) -> WorkspaceRun:
        """Queues a run for the workspace; its model joins the workspace when it is done.

        `probe`, the learner's latest drawing (28x28), is read by the model after every epoch.

        Raises:
            JobError: The workspace's previous run is still going.
            StoreError: The workspace is full, or the store cannot record the run.
            ConfigError: The batch is larger than the training set.
        """
        number = self._check_free(workspace_id)
        run_label = f"Run {number} · {label}"
        run_id = self.store.runs.record(workspace_id, run_label, config.to_dict())
        run: WorkspaceRun
        job = self._job(
            workspace_id, config, splits, on_finish=lambda finished: self._finished(run), probe=probe
        )
        run = WorkspaceRun(run_id, workspace_id, run_label, job)
        return self._begin(run)

    def start_teaching(
        self,
        workspace_id: str,
        base: ModelEntry,
        images: np.ndarray,
        labels: np.ndarray,
        data: MnistData,
        settings: FinetuneConfig | None = None,
        taught: str = "my handwriting",
    ) -> WorkspaceRun:
        """Queues teaching `base` the drawings; "<base> + <taught>" joins the workspace when done.

        Raises:
            ConfigError: Too few drawings.
            JobError, StoreError: As for `start`.
        """
        self._check_free(workspace_id)
        label = f"{base.name} + {taught}"
        run_id = self.store.runs.record(workspace_id, label, {"taught_from": base.name})

        def make_job(config, splits, *, start_from, on_finish) -> TrainingJob:
            return self._job(workspace_id, config, splits, on_finish=on_finish, start_from=start_from)

        def describe(result: TrainingResult) -> dict:
            info = info_from_result(result)
            info["config"] = base.config.to_dict() if base.config is not None else None
            info["description"] = f"{base.description} · taught {len(labels)} drawings"
            return {**info, "taught_from": base.name, "handwriting": dict(lesson.figures)}

        lesson = teach(
            base.model,
            base.config.model if base.config is not None else None,
            images,
            labels,
            data,
            settings,
            mnist_before=base.test_accuracy,
            make_job=make_job,
            on_trained=lambda job: self._finished(run),
            on_measured=lambda finished: self._measured(run),
        )
        run = WorkspaceRun(
            run_id, workspace_id, label, lesson.job, origin="taught", lesson=lesson, describe=describe
        )
        return self._begin(run)

    def _check_free(self, workspace_id: str) -> int:
        """The number the workspace's next run gets; refuses while a run goes or the workspace is full."""
        with self._lock:
            previous = self._runs.get(workspace_id)
            if previous is not None and not previous.settled:
                raise JobError("Your run is still going: stop it or let it finish before starting another.")
        self.store.models.check_room(workspace_id)
        return len(self.store.runs.list(workspace_id)) + 1

    def _begin(self, run: WorkspaceRun) -> WorkspaceRun:
        """Makes `run` the workspace's latest and starts it."""
        with self._lock:
            self._runs[run.workspace_id] = run
        self.store.runs.update(run.workspace_id, run.id, "running", "")
        run.job.start()
        return run

    def _job(self, workspace_id: str, config: TrainingConfig, splits: DataSplits, **options) -> TrainingJob:
        return TrainingJob(
            config,
            splits,
            limiter=self.limiter,
            owner_alive=lambda: self._owner_alive(workspace_id),
            abandon_after_s=self.abandon_after_s,
            **options,
        )

    def unsaved_models(self, workspace_id: str) -> list[ModelEntry]:
        """Models of this workspace that are only in memory (their saving failed)."""
        run = self.latest(workspace_id)
        return [run.unsaved] if run is not None and run.unsaved is not None else []

    def _owner_alive(self, workspace_id: str) -> bool:
        if self.session_alive is None:
            return True
        with self._lock:
            sessions = self._sessions.get(workspace_id, set())
            alive = {session for session in sessions if self.session_alive(session)}
            self._sessions[workspace_id] = alive
        return bool(alive)

    def _finished(self, run: WorkspaceRun) -> None:
        """On the worker thread: keeps the model in the store and records how the run ended."""
        progress, result = run.job.progress(), run.job.result
        status = str(progress.status)
        try:
            if progress.status == JobStatus.DONE and result is not None:
                try:
                    info = run.describe(result)
                    record = self.store.models.add(
                        run.workspace_id, run.label, run.origin, result.model, info
                    )
                except StoreError as error:
                    run.save_error = str(error)
                    model = result.model
                    run.unsaved = entry_from_info(
                        f"{run.label} (not saved)", run.origin, info, run.id, lambda: model
                    )
                else:
                    run.model_id, run.model_name = record.id, record.name
            self.store.runs.update(run.workspace_id, run.id, status, progress.message, run.model_id)
        except StoreError as error:
            run.save_error = run.save_error or str(error)

    def _measured(self, run: WorkspaceRun) -> None:
        """On a worker thread: the cross-validated figures of a teaching join its kept model's record."""
        if run.model_id is None or run.lesson is None or run.job.result is None:
            return
        try:
            info = run.describe(run.job.result)
            self.store.models.update_info(run.workspace_id, run.model_id, info)
        except StoreError as error:
            run.save_error = str(error)
