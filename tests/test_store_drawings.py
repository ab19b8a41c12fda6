"""Tests for the store's drawings and class sets: keeping, caps, and who may do what with a class set."""

import numpy as np
import pytest

from mnist_core.errors import StoreError
from mnist_core.store import ClassLimits, WorkspaceStore
from mnist_core.store.workspaces import StoreLimits

PICTURE = b"\x89PNG fake picture bytes"


def digit_image(value: int = 200) -> np.ndarray:
    image = np.zeros((28, 28), np.uint8)
    image[6:22, 12:16] = value
    return image


@pytest.fixture
def store(tmp_path):
    return WorkspaceStore(tmp_path, StoreLimits(max_drawings=3), ClassLimits(max_drawings=4, per_student=2))


def test_drawings_are_kept_with_their_digit_image_and_picture(store):
    workspace_id = store.workspaces.create()
    record = store.drawings.add(workspace_id, 7, PICTURE, digit_image(), {"said": {"Default CNN": 1}})

    [listed] = store.drawings.records(workspace_id)
    images, labels = store.drawings.images(workspace_id)
    assert listed == record and record.info["said"] == {"Default CNN": 1}
    assert labels.tolist() == [7] and np.array_equal(images[0], digit_image())
    assert store.drawings.picture(workspace_id, record.id) == PICTURE
    store.drawings.relabel(workspace_id, record.id, 1)
    assert store.drawings.records(workspace_id)[0].label == 1


def test_a_float_view_is_kept_as_the_grey_levels_the_model_saw(store):
    workspace_id = store.workspaces.create()
    store.drawings.add(workspace_id, 3, PICTURE, digit_image() / 255.0, {})
    assert np.array_equal(store.drawings.images(workspace_id)[0][0], digit_image())


@pytest.mark.parametrize("label", [-1, 10, "7"])
def test_a_drawing_needs_a_digit(store, label):
    with pytest.raises(StoreError, match="must be 0 to 9"):
        store.drawings.add(store.workspaces.create(), label, PICTURE, digit_image(), {})


def test_the_drawing_cap_refuses_in_one_sentence_and_delete_makes_room(store):
    workspace_id = store.workspaces.create()
    kept = [store.drawings.add(workspace_id, 1, PICTURE, digit_image(), {}) for _ in range(3)]
    with pytest.raises(StoreError, match="3 drawings are kept here, the most this server keeps"):
        store.drawings.add(workspace_id, 1, PICTURE, digit_image(), {})
    store.drawings.delete(workspace_id, kept[0].id)
    store.drawings.add(workspace_id, 1, PICTURE, digit_image(), {})
    assert len(store.drawings.records(workspace_id)) == 3


def test_another_workspace_sees_none_of_the_drawings(store):
    mine, theirs = store.workspaces.create(), store.workspaces.create()
    record = store.drawings.add(mine, 4, PICTURE, digit_image(), {})
    assert store.drawings.records(theirs) == []
    with pytest.raises(StoreError):
        store.drawings.picture(theirs, record.id)
    with pytest.raises(StoreError, match="no such drawing"):
        store.drawings.picture(mine, "../" + record.id[3:])


def test_a_class_set_pools_copies_and_only_the_teacher_deletes_or_closes(store):
    links = store.classes.create()
    student = store.workspaces.create()
    store.classes.add(links.code, student, PICTURE, digit_image(), 5, {})
    [shared] = store.classes.records(links.code)

    assert shared.label == 5 and store.classes.images(links.code)[1].tolist() == [5]
    with pytest.raises(StoreError, match="Only the teacher's link"):
        store.classes.delete(links.code, "a guess", shared.id)
    with pytest.raises(StoreError, match="Only the teacher's link"):
        store.classes.close(links.code, links.code)
    assert store.classes.is_teacher(links.code, links.teacher)
    assert not store.classes.is_teacher(links.code, links.teacher[:-1] + "x")

    store.classes.delete(links.code, links.teacher, shared.id)
    assert store.classes.records(links.code) == []
    store.classes.close(links.code, links.teacher)
    assert not store.classes.exists(links.code)
    with pytest.raises(StoreError, match="no open class set"):
        store.classes.records(links.code)


@pytest.mark.parametrize("code", ["", "abc", "ABCDEFGHJK", "../../etc/", None, "abcdefghjk"])
def test_a_wrong_code_gets_nothing(store, code):
    store.classes.create()
    assert not store.classes.exists(code)
    with pytest.raises(StoreError, match="no open class set"):
        store.classes.records(code)


def test_class_set_caps_per_student_and_in_all(store):
    links = store.classes.create()
    first, second, third = (store.workspaces.create() for _ in range(3))
    for _ in range(2):
        store.classes.add(links.code, first, PICTURE, digit_image(), 1, {})
    with pytest.raises(StoreError, match="the most one student may"):
        store.classes.add(links.code, first, PICTURE, digit_image(), 1, {})
    for _ in range(2):
        store.classes.add(links.code, second, PICTURE, digit_image(), 2, {})
    with pytest.raises(StoreError, match="4 drawings are kept here"):
        store.classes.add(links.code, third, PICTURE, digit_image(), 3, {})
