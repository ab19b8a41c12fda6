"""Runs a benchmark script the way its docstring says, for the tests that check it end to end."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_bench(module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 600):
    """Runs `python -m bench.<module> ARGS` from the repository root.

    Returns:
        (stdout lines, the last line parsed as JSON); fails the test with the
        output's tail if the script exits non-zero.
    """
    completed = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, (
        f"bench.{module} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )
    lines = completed.stdout.strip().splitlines()
    return lines, json.loads(lines[-1])
