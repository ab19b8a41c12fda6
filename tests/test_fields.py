"""Tests for mnist_core.fields: the table's one parser, its checks and its text form."""

import pytest

from mnist_core.config import TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.fields import check, format_text, parse, parse_sizes, specs_of

SPECS = specs_of(TrainingConfig)


@pytest.mark.parametrize(
    ("text", "sizes"),
    [("128", (128,)), ("256,128", (256, 128)), (" 64 , 32 ", (64, 32)), ("none", ()), ("None", ())],
)
def test_parse_sizes_reads_comma_separated_sizes(text, sizes):
    assert parse_sizes(text, "hidden_units") == sizes
    assert parse_sizes(format_text(sizes), "hidden_units") == sizes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "hidden_units is empty"),
        ("  ", "is empty"),
        ("128,,64", "entry 2 is empty"),
        ("128,", "entry 2 is empty"),
        ("12.5", "'12.5' is not a whole number"),
        ("64;32", "'64;32' is not a whole number"),
    ],
)
def test_parse_sizes_refuses_bad_text_naming_the_problem(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_sizes(text, "hidden_units")


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("epochs", " 7 ", 7),
        ("learning_rate", "3e-3", 0.003),
        ("augment", "Yes", True),
        ("augment", "off", False),
        ("optimizer", "sgd", "sgd"),
        ("early_stopping_patience", "none", None),
        ("train_size", "NONE", None),
    ],
)
def test_parse_reads_text_of_every_kind(name, text, value):
    assert parse(SPECS[name], text) == value


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("epochs", "ten", "epochs='ten' is not a whole number"),
        ("epochs", "none", "epochs='none' is not a whole number"),  # Not optional: none is not a value.
        ("learning_rate", "fast", "not a number"),
        ("learning_rate", "nan", "not a finite number"),
        ("augment", "maybe", "must be true or false"),
    ],
)
def test_parse_refuses_text_naming_the_field(name, text, message):
    with pytest.raises(ConfigError, match=message):
        parse(SPECS[name], text)


def test_parse_passes_typed_values_through_and_quotes_long_ones_shortened():
    assert parse(SPECS["epochs"], 3) == 3
    with pytest.raises(ConfigError) as raised:
        parse(SPECS["epochs"], "x" * 1000)
    assert len(str(raised.value)) < 120 and "…" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("epochs", 0, "epochs=0 is out of range; use a whole number from 1 to 1000"),
        ("epochs", True, "epochs=True is out of range"),
        ("learning_rate", 0.0, r"learning_rate=0.0 is out of range; use a number in \(0, 100\]"),
        ("learning_rate", float("inf"), "learning_rate=inf is out of range"),
        ("optimizer", "adagrad", "optimizer='adagrad' is not supported; choose one of adam, sgd, rmsprop"),
        ("augment", 1, "augment=1 must be true or false"),
    ],
)
def test_check_refuses_values_out_of_the_table(name, value, message):
    with pytest.raises(ConfigError, match=message):
        check(SPECS[name], value)


def test_format_text_writes_what_parse_reads_back():
    for name, value in [("epochs", 12), ("learning_rate", 0.003), ("augment", True), ("train_size", None)]:
        assert parse(SPECS[name], format_text(value)) == value
