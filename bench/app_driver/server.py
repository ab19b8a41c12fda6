"""The app server under test: `streamlit run app.py` in a subprocess, and its memory from /proc."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Where the full MNIST file is looked for when MNIST_NPZ is not set: ../shared beside the checkout.
DATA_CANDIDATES = (REPO.parent / "shared" / "data" / "mnist.npz",)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)")


def find_mnist_npz() -> str:
    """The full MNIST file: MNIST_NPZ if set, else shared/data/mnist.npz when present, else ""."""
    if os.environ.get("MNIST_NPZ"):
        return os.environ["MNIST_NPZ"]
    return next((str(path) for path in DATA_CANDIDATES if path.is_file()), "")


def app_env(**overrides: str | int) -> dict[str, str]:
    """Environment for the app server: this process's, MNIST_NPZ filled in when found, then overrides.

    An override of "" removes the variable (MNIST_NPZ="" forces the offline fallback set).
    Without MNIST_WORKSPACE_DIR, the server gets a fresh temporary workspace folder.
    """
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # A server under test keeps its workspaces in a folder of its own, never the user's.
    env.setdefault("MNIST_WORKSPACE_DIR", tempfile.mkdtemp(prefix="mnist-workspaces-"))
    npz = find_mnist_npz()
    if npz:
        env["MNIST_NPZ"] = npz
    for name, value in overrides.items():
        if value == "":
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Memory:
    """Resident memory of a process tree in MB, from /proc/<pid>/status."""

    rss: float
    anon: float
    file: float
    shmem: float

    def to_dict(self) -> dict[str, float]:
        return {name: round(value, 1) for name, value in vars(self).items()}


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants that still exist."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                stack += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def process_memory(pid: int) -> Memory:
    """VmRSS, RssAnon, RssFile and RssShmem of `pid` and its children, summed, in MB."""
    totals = dict.fromkeys(("VmRSS", "RssAnon", "RssFile", "RssShmem"), 0.0)
    for member in process_tree(pid):
        try:
            lines = Path(f"/proc/{member}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            name, _, value = line.partition(":")
            if name in totals:
                totals[name] += int(value.split()[0]) / 1024
    return Memory(totals["VmRSS"], totals["RssAnon"], totals["RssFile"], totals["RssShmem"])


class AppServer:
    """`streamlit run app.py` on a free local port, in its own process group.

    Args:
        env: The server's environment (see `app_env`).
        port: Port to listen on; a free one when None.
        watch_files: Leave Streamlit's file watcher on. Off by default: in a shared
            checkout other people's edits would otherwise rerun the app mid-test.
        extra_args: More `streamlit run` options.
    """

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        port: int | None = None,
        watch_files: bool = False,
        extra_args: tuple[str, ...] = (),
    ):
        self.env = env if env is not None else app_env()
        self.port = port or free_port()
        self.watch_files = watch_files
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        descriptor, log_name = tempfile.mkstemp(prefix="streamlit-", suffix=".log")
        os.close(descriptor)
        self.log_path = Path(log_name)

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("The server has not been started; call start() first.")
        return self.process.pid

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path if path.startswith('/') else '/' + path}"

    def start(self, timeout: float = 60.0) -> float:
        """Starts the server and waits until /_stcore/health answers "ok"; returns the seconds taken."""
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            *(() if self.watch_files else ("--server.fileWatcherType", "none")),
            *self.extra_args,
        ]
        self.started_at = time.perf_counter()
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_healthy(timeout)
        return time.perf_counter() - self.started_at

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.process.returncode} before answering; "
                    f"its log:\n{self.log_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(self.url("/_stcore/health"), timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{self.url('/_stcore/health')} did not answer ok within {timeout:.0f} s.")

    def memory(self) -> Memory:
        return process_memory(self.pid)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tracebacks(self) -> list[str]:
        """Python tracebacks the server printed, each as its text."""
        text = self.log_text()
        starts = [match.start() for match in TRACEBACK.finditer(text)]
        return [text[start : start + 2000] for start in starts]

    def stop(self, timeout: float = 15.0) -> None:
        """SIGINT (Streamlit's clean shutdown), then SIGKILL to the group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def __enter__(self) -> AppServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds used so far by `pid` and its descendants.

    Living processes count their own time and the time of the children they
    have reaped (Chromium's closed renderers), fields 14-17 of /proc/<pid>/stat.
    """
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime.
    return total / os.sysconf("SC_CLK_TCK")


class MemorySampler:
    """Samples a process tree's memory every `interval` seconds on the event loop, and counts
    the CPU time the server and everything else this process started (the browser) used."""

    def __init__(self, pid: int, interval: float = 0.5):
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, Memory]] = []
        self._task: asyncio.Task | None = None
        self._cpu_start: tuple[float, float, float] | None = None
        self.cpu: dict[str, float] = {}

    def _cpu_now(self) -> tuple[float, float, float]:
        return time.perf_counter(), cpu_seconds(self.pid), cpu_seconds(os.getpid())

    def start(self) -> None:
        self._cpu_start = self._cpu_now()
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        start = time.perf_counter()
        while True:
            self.samples.append((time.perf_counter() - start, process_memory(self.pid)))
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.samples.append((self.samples[-1][0] if self.samples else 0.0, process_memory(self.pid)))
        if self._cpu_start is not None:
            (wall0, server0, everything0), (wall1, server1, everything1) = self._cpu_start, self._cpu_now()
            wall = max(wall1 - wall0, 1e-9)
            # Cores in use on average: the server, and this process with the browser it drives.
            self.cpu = {
                "server_cores": round((server1 - server0) / wall, 2),
                "client_and_browser_cores": round(
                    ((everything1 - everything0) - (server1 - server0)) / wall, 2
                ),
            }

    def peak(self) -> Memory:
        return max((memory for _, memory in self.samples), key=lambda memory: memory.rss)

    def final(self) -> Memory:
        return self.samples[-1][1]
