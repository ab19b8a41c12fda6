"""Tests for the pages' small helpers: enlarged digits, plain text for user input, import hygiene."""

import re
from pathlib import Path

import numpy as np

from pages.ui.images import enlarge
from pages.ui.text import plain
from tests.processes import run_json_script

ROOT = Path(__file__).resolve().parent.parent


def test_enlarge_keeps_hard_pixel_edges():
    image = np.zeros((28, 28), np.uint8)
    image[3, 5] = 255
    big = np.asarray(enlarge(image, 4))
    assert big.shape == (112, 112)
    assert (big[12:16, 20:24] == 255).all() and big.sum() == 255 * 16


def test_enlarge_accepts_floats_in_zero_one():
    big = np.asarray(enlarge(np.full((28, 28), 0.5, np.float32), 2))
    assert big.dtype == np.uint8 and big.shape == (56, 56) and (big == 128).all()


def test_page_helpers_do_not_import_tensorflow():
    # The home page must render while TensorFlow loads in the background.
    modules = ", ".join(f"pages.ui.{path.stem}" for path in (ROOT / "pages" / "ui").glob("[a-z]*.py"))
    code = f"import json, sys; import {modules}; print(json.dumps('tensorflow' in sys.modules))"
    assert run_json_script(code) is False, "importing the page helpers imported TensorFlow"


KERAS_CLEAN_UP_SCRIPT = """
import json
import keras
from streamlit.runtime.scriptrunner import script_runner
from pages.ui import resources

calls = []
keras.backend.clear_session = lambda *args, **kwargs: calls.append(1)
script_runner._clean_problem_modules()
before = len(calls)
resources.keep_keras_state_between_runs()
script_runner._clean_problem_modules()
print(json.dumps({"before": before, "after": len(calls) - before}))
"""


def test_streamlit_no_longer_clears_the_keras_session_after_each_run():
    # In a fresh process: here an earlier test's session may already have switched the clean-up off.
    report = run_json_script(KERAS_CLEAN_UP_SCRIPT)
    assert report["before"] == 1, (
        "Streamlit's own clean-up should call clear_session (else this proves nothing)"
    )
    assert report["after"] == 0


HOSTILE = "**Session expired.** [Log in again](https://evil.example/login) ![t](https://evil.example/t.png)"


def test_plain_escapes_every_markdown_construct():
    escaped = plain(HOSTILE)
    # Rendered by CommonMark, each backslash-escaped character shows as itself: no bold, link or image.
    assert escaped.replace("\\", "") == HOSTILE
    unescaped = re.findall(r"(?<!\\)[*\[\]!():/]", escaped)
    assert unescaped == [], unescaped
    assert plain(":material/home: :red[x] $x^2$ <b>") == (
        "\\:material\\/home\\: \\:red\\[x\\] \\$x\\^2\\$ \\<b\\>"
    )


def test_plain_shortens_to_a_limit_and_keeps_one_line():
    shortened = plain("a" * 500 + "b", limit=40)
    assert len(shortened) == 40 and "…" in shortened and shortened.endswith("b")
    assert plain("two\nlines") == "two lines"
