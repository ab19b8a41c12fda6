"""The code style the project keeps: ruff clean, and the core type-checked by mypy (see pyproject.toml)."""

import pytest

from tests.processes import run_python


@pytest.mark.parametrize(
    "command",
    [("-m", "ruff", "check", "."), ("-m", "ruff", "format", "--check", "."), ("-m", "mypy")],
    ids=["ruff check", "ruff format", "mypy mnist_core"],
)
def test_code_style(command):
    completed = run_python(*command, timeout=600)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
