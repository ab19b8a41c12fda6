"""The command line, the teacher links and the Train form offer exactly the table's fields, with its bounds.

Each surface is driven as a user would: the `train` command's parser, a
link's query parameters, and the Train page's widgets in an AppTest session.
"""

import pytest

from mnist_core.cli import build_parser
from mnist_core.cli.train import PER_BLOCK, config_from_args, option_name
from mnist_core.config import MODEL_KINDS
from mnist_core.errors import ConfigError
from mnist_core.fields import FieldSpec, format_text
from mnist_core.links import config_from_query
from mnist_core.overrides import BLOCK_FIELDS, command_line_fields, surface_fields
from pages.ui.form_memory import form_key
from pages.ui.form_values import form_fields
from tests.apptest import open_app, server_environment

NOT_FIELDS = {"help", "preset", "model", "out", "data"}


def boundaries(field_spec: FieldSpec) -> list[tuple[str, bool]]:
    """(text, accepted) pairs at and just beyond a field's limits."""
    if field_spec.kind == "bool":
        return [("true", True), ("false", True), ("maybe", False)]
    if field_spec.kind == "choice":
        return [*((choice, True) for choice in field_spec.choices), ("bogus", False)]
    low, high = field_spec.minimum, field_spec.maximum
    if field_spec.kind == "sizes":
        return [(f"{low},{high}", True), (f"{high + 1}", False), (f"{low - 1}", False), ("8,,8", False)]
    if field_spec.kind == "int":
        cases = [(str(high), True), (str(high + 1), False), (str(low - 1), False), ("1.5", False)]
        return [*cases, (str(low), True)]
    margin = 0.01
    return [
        (format_text(high), True),
        (format_text(high + margin), False),
        (format_text(low), not field_spec.low_open),
    ]


CASES = [
    (kind, name, text, accepted)
    for kind in MODEL_KINDS
    for name, field_spec in surface_fields(kind).items()
    for text, accepted in boundaries(field_spec)
]


def test_the_command_line_offers_every_field_and_nothing_else():
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    options = {action.dest for action in train._actions} - NOT_FIELDS
    assert options == set(command_line_fields())
    for name in options:
        assert option_name(name) in train.format_help()


def base_values(name: str) -> dict[str, str]:
    """Conv blocks without pooling, so a block field's extreme values still leave a feature map."""
    return {"pooling": "false"} if name in BLOCK_FIELDS and name != "pooling" else {}


def cli_accepts(kind: str, name: str, text: str) -> bool:
    field_spec = command_line_fields()[name]
    option = option_name(name)
    base = [word for item in base_values(name).items() for word in (option_name(item[0]), item[1])]
    if field_spec.kind == "bool" and name not in PER_BLOCK:
        if text not in ("true", "false"):
            return False  # A flag: --augment or --no-augment; there is no way to write "maybe".
        words = [option if text == "true" else option.replace("--", "--no-", 1)]
    else:
        words = [option, text]
    try:
        args = build_parser().parse_args(["train", "--model", kind, "--out", "m.keras", *base, *words])
        config_from_args(args)
    except (ConfigError, SystemExit):
        return False
    return True


def link_accepts(kind: str, name: str, text: str) -> bool:
    _, _, notices = config_from_query({"model": kind, **base_values(name), name: text})
    return notices == []


@pytest.mark.parametrize(("kind", "name", "text", "accepted"), CASES)
def test_command_line_and_links_accept_the_same_values(kind, name, text, accepted, capsys):
    assert link_accepts(kind, name, text) is accepted
    assert cli_accepts(kind, name, text) is accepted
    capsys.readouterr()  # argparse's usage messages for the refused choices.


@pytest.fixture(scope="module")
def train_pages(tiny_npz):
    """The Train page of a custom MLP and a custom CNN, in sessions with the table's own limits."""
    with server_environment(MNIST_NPZ=tiny_npz, MNIST_MAX_EPOCHS=1000):
        pages = {}
        for kind, recipe in (("mlp", "custom MLP"), ("cnn", "custom CNN")):
            at = open_app("pages/train.py")
            at.selectbox(key="cfg.recipe").set_value(recipe).run()
            pages[kind] = at
        yield pages


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_the_form_shows_one_widget_per_field_with_the_table_bounds(train_pages, kind):
    at = train_pages[kind]
    widgets = {
        widget.key: widget
        for kind_of_widget in ("number_input", "slider", "text_input", "selectbox", "checkbox", "radio")
        for widget in getattr(at, kind_of_widget)
        if widget.key and widget.key.startswith("cfg.") and widget.key != "cfg.recipe"
    }
    shown = {key.removeprefix("cfg.") for key in widgets if not key.endswith(".on")}
    assert shown == set(form_fields(kind))
    assert set(form_fields(kind)) | set(BLOCK_FIELDS if kind == "cnn" else ()) == set(surface_fields(kind))
    data_limits = {"train_size", "validation_size"}  # The form caps these at the data set's size.
    for name in shown - data_limits:
        field_spec, widget = surface_fields(kind)[name], widgets[form_key(name)]
        if field_spec.kind in ("int", "float"):
            assert (widget.proto.min, widget.proto.max) == (field_spec.minimum, field_spec.maximum), name
        if field_spec.kind == "choice":
            assert list(widget.options) == list(field_spec.choices) or name == "lr_schedule", name
