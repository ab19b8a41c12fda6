"""Tests for mnist_core.catalog: entries for trained, shipped and uploaded models."""

import json

import pytest

from mnist_core.catalog import entry_from_info, entry_from_loaded, info_from_result, unique_name
from mnist_core.persistence import LoadedModel, load_model, load_model_bytes, save_model, sidecar_path
from mnist_core.sizing import count_params, describe_model


def test_info_from_result_is_json_and_builds_an_entry(trained):
    stored = json.loads(json.dumps(info_from_result(trained)))  # As the store keeps it.

    entry = entry_from_info("Run 1 · tiny", "trained", stored, "abc", lambda: trained.model, in_store=True)

    assert entry.name == "Run 1 · tiny" and entry.origin == "trained" and entry.in_store
    assert entry.model is trained.model and entry.config == trained.config
    assert entry.description == describe_model(trained.config.model)
    assert f"{count_params(trained.config.model):,} parameters" in entry.description
    assert entry.test_accuracy == trained.test_accuracy
    assert [row["epoch"] for row in entry.history] == [1, 2, 3]
    assert entry.created > 0


def test_an_entry_loads_its_model_only_when_used(trained):
    calls = []
    entry = entry_from_info(
        "x", "trained", {"history": "not a list"}, "k", lambda: calls.append(1) or trained.model
    )
    assert calls == [] and entry.history == []
    assert entry.model is trained.model and calls == [1]


def test_entry_from_loaded_with_sidecar_uses_config(trained, model_dir):
    path = save_model(trained.model, model_dir / "cnn.keras", config=trained.config, test_accuracy=0.875)

    entry = entry_from_loaded(load_model(path), "Default CNN", "default")

    assert (entry.name, entry.origin) == ("Default CNN", "default")
    assert entry.config == trained.config
    assert entry.description == describe_model(trained.config.model)
    assert entry.test_accuracy == 0.875
    assert entry.history == []


def test_entry_from_loaded_without_config_describes_layers(trained):
    from mnist_core.persistence import model_to_bytes

    loaded = load_model_bytes(model_to_bytes(trained.model), "theirs.keras")

    entry = entry_from_loaded(loaded, "theirs.keras", "uploaded")

    assert entry.origin == "uploaded" and entry.config is None and entry.test_accuracy is None
    layers = len(trained.model.layers)
    assert entry.description == f"{layers} layers · {trained.model.count_params():,} parameters"


def test_entry_from_loaded_invalid_config_in_sidecar_ignored(trained, model_dir):
    path = save_model(trained.model, model_dir / "odd.keras", config=trained.config, test_accuracy=0.5)
    info = json.loads(sidecar_path(path).read_text())
    info["config"]["epochs"] = 0
    sidecar_path(path).write_text(json.dumps(info))

    entry = entry_from_loaded(load_model(path), "Odd", "uploaded")

    assert entry.config is None
    assert entry.description.endswith(f"{trained.model.count_params():,} parameters")
    assert entry.test_accuracy == 0.5


@pytest.mark.parametrize(
    ("base", "taken", "expected"),
    [
        ("Run 1", [], "Run 1"),
        ("Run 1", ["Run 2"], "Run 1"),
        ("Run 1", ["Run 1"], "Run 1 (2)"),
        ("Run 1", {"Run 1", "Run 1 (2)", "Run 1 (3)"}, "Run 1 (4)"),
        ("Run 1", ["Run 1", "Run 1 (3)"], "Run 1 (2)"),
    ],
)
def test_unique_name(base, taken, expected):
    assert unique_name(base, taken) == expected


@pytest.mark.parametrize("info", [[1, 2, 3], "just a string", None, 7])
def test_entry_from_loaded_info_not_a_dict_survives(trained, info):
    entry = entry_from_loaded(LoadedModel(model=trained.model, info=info), "Odd", "uploaded")

    assert entry.config is None and entry.test_accuracy is None
    assert entry.description.endswith(f"{trained.model.count_params():,} parameters")


@pytest.mark.parametrize(
    "config",
    [
        {"model": "x"},
        {"model": {"kind": "cnn", "conv_blocks": [1]}},
        {"model": {"kind": ["mlp"]}},
        ["not", "a", "dict"],
        "mlp",
    ],
    ids=["model string", "conv block number", "kind list", "list", "string"],
)
def test_entry_from_loaded_config_that_breaks_config_from_dict_ignored(trained, config):
    loaded = LoadedModel(model=trained.model, info={"config": config, "test_accuracy": 0.5})

    entry = entry_from_loaded(loaded, "Odd", "uploaded")

    assert entry.config is None and entry.test_accuracy == 0.5


@pytest.mark.parametrize("accuracy", ["high", float("nan"), float("inf"), 1.5, -0.2, True, [0.9]])
def test_entry_from_loaded_accuracy_must_be_a_finite_fraction(trained, accuracy):
    entry = entry_from_loaded(
        LoadedModel(model=trained.model, info={"test_accuracy": accuracy}), "A", "uploaded"
    )

    assert entry.test_accuracy is None


def test_entry_from_loaded_list_sidecar_on_disk_becomes_warning_not_crash(trained, model_dir):
    path = save_model(trained.model, model_dir / "odd.keras", config=trained.config, test_accuracy=0.5)
    sidecar_path(path).write_text("[1, 2, 3]")

    loaded = load_model(path)
    entry = entry_from_loaded(loaded, "Odd", "default")

    assert "holds a JSON array, not an object" in loaded.info["warning"]
    assert entry.config is None and entry.test_accuracy is None
