"""AppTest tests of the My handwriting page: kept drawings, import, scores, teaching, a class set."""

import pytest

from mnist_core.handwriting import export_zip
from pages.ui import state
from pages.ui.resources import get_resources
from tests.apptest import button, model_names, open_app, run_until, server_environment, texts
from tests.test_handwriting import drawing_png

PAGE = "pages/handwriting.py"


@pytest.fixture(scope="module", autouse=True)
def app_environment(tiny_npz, tmp_path_factory):
    with server_environment(MNIST_NPZ=tiny_npz, MNIST_WORKSPACE_DIR=tmp_path_factory.mktemp("handwriting")):
        yield


def keep_drawings(at, data, count: int) -> None:
    """Puts `count` real MNIST test digits into the session's workspace, as the Draw page's Right would."""
    store = get_resources().store
    for index in range(count):
        image = data.x_test[index]
        store.drawings.add(
            at.session_state[state.WORKSPACE], int(data.y_test[index]), drawing_png(1), image, {}
        )


def test_no_drawings_yet_says_how_to_make_some():
    at = open_app(PAGE)
    assert "No drawings yet" in texts(at.info)
    assert not at.exception


def test_kept_drawings_are_listed_and_scored_by_every_model(tiny_data):
    at = open_app(PAGE)
    keep_drawings(at, tiny_data, 12)
    at.run()
    table = next(frame.value for frame in at.dataframe if "drawing" in frame.value.columns)
    assert len(table) == 12 and sorted(table["digit"]) == sorted(tiny_data.y_test[:12].tolist())
    scores = next(frame.value for frame in at.dataframe if "On these drawings" in frame.value.columns)
    assert list(scores["Model"]) == ["Default CNN", "Default MLP"]
    assert all(0.5 < accuracy <= 1 for accuracy in scores["On these drawings"])


def test_importing_an_exported_zip_adds_its_drawings():
    at = open_app(PAGE)
    archive = export_zip(
        [(digit, f"{digit}.png", drawing_png(digit)) for digit in (0, 1, 1)] + [(5, "x.txt", b"x")]
    )
    at.file_uploader(key=state.HANDWRITING_IMPORT).set_value(("mine.zip", archive, "application/zip")).run()
    assert "Imported 3 drawings; skipped 1" in texts(at.success)
    assert len(get_resources().store.drawings.records(at.session_state[state.WORKSPACE])) == 3


def test_teaching_with_too_few_drawings_is_refused_saying_how_many(tiny_data):
    at = open_app(PAGE)
    keep_drawings(at, tiny_data, 4)
    at.run()
    button(at, "Teach Default CNN my handwriting").click().run()
    assert "at least 10 drawings and there are 4; draw 6 more" in texts(at.error)


def test_teaching_adds_a_taught_model_with_before_and_after(tiny_data):
    at = open_app(PAGE)
    keep_drawings(at, tiny_data, 12)
    at.run()
    at.selectbox(key=f"{state.TEACH_MODEL}.my handwriting").set_value("Default MLP").run()
    button(at, "Teach Default MLP my handwriting").click().run()
    run_until(at, lambda at: "Added to your models as" in texts(at.caption), timeout=300, what="the teaching")
    run_until(
        at, lambda at: not any("Measuring" in c.value for c in at.caption), timeout=300, what="the folds"
    )
    at.switch_page("pages/train.py").run()
    assert model_names(at)[-1] == "Default MLP + my handwriting"
    [taught] = get_resources().store.models.list(at.session_state[state.WORKSPACE])
    figures = taught.info["handwriting"]
    assert taught.origin == "taught" and {"before", "after", "mnist_before", "mnist_after"} <= set(figures)


def test_a_class_set_is_joined_by_its_link_and_only_the_teacher_deletes(tiny_data):
    teacher = open_app(PAGE)
    button(teacher, "Start a class set").click().run()
    notes = get_resources().store.workspaces.load_notes(teacher.session_state[state.WORKSPACE])
    code = notes["class"]["code"]
    assert any(code in block.value for block in teacher.code)

    student = open_app(PAGE, {"class": code})
    keep_drawings(student, tiny_data, 3)
    student.run()
    button(student, "Add all my 3 drawings").click().run()
    assert "Added 3 drawings to the class set." in texts(student.success)
    student.run()
    assert not [widget for widget in student.multiselect if widget.key == state.CLASS_DELETE]
    assert all("teacher=" not in block.value for block in student.code)

    teacher.run()
    assert [widget.key for widget in teacher.multiselect] == [state.CLASS_DELETE]
    assert len(get_resources().store.classes.records(code)) == 3

    stranger = open_app(PAGE, {"class": "abcdefghjk"})
    assert "no open class set" in texts(stranger.error)
    assert all(code not in block.value for block in stranger.code)
