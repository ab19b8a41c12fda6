"""The code style the project keeps: ruff clean, and the core type-checked by mypy (see pyproject.toml)."""

from pathlib import Path

import pytest

from tests.processes import run_python

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command",
    [("-m", "ruff", "check", "."), ("-m", "ruff", "format", "--check", "."), ("-m", "mypy")],
    ids=["ruff check", "ruff format", "mypy mnist_core"],
)
def test_code_style(command):
    completed = run_python(*command, timeout=600)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]


def test_modules_stay_short_and_pages_shorter():
    lengths = {
        path: len(path.read_text().splitlines())
        for folder in ("mnist_core", "pages")
        for path in (REPO / folder).rglob("*.py")
    }
    assert lengths and all(count <= 300 for count in lengths.values()), [
        p for p, n in lengths.items() if n > 300
    ]
    pages = {path: count for path, count in lengths.items() if path.parent == REPO / "pages"}
    assert pages and all(count <= 150 for count in pages.values()), pages
