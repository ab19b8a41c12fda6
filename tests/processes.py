"""Running Python in a fresh process from the repository root, as a user would: the one subprocess helper."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_python(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """`python ARGS` from the repository root, TensorFlow's log quiet, output captured as text."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_json_script(code: str, env: dict[str, str] | None = None, timeout: float = 300) -> dict:
    """Runs `python -c code`, asserts it succeeded, returns its last stdout line parsed as JSON."""
    completed = run_python("-c", code, env=env, timeout=timeout)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_bench(module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 600):
    """Runs `python -m bench.<module> ARGS`, the way its docstring says.

    Returns:
        (stdout lines, the last line parsed as JSON); fails the test with the
        output's tail if the script exits non-zero.
    """
    completed = run_python("-m", f"bench.{module}", *args, env=env, timeout=timeout)
    assert completed.returncode == 0, (
        f"bench.{module} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )
    lines = completed.stdout.strip().splitlines()
    return lines, json.loads(lines[-1])
