"""Tests for mnist_core.presets: every named recipe builds the model it describes."""

import re

import numpy as np
import pytest

from mnist_core.architectures import CNNConfig
from mnist_core.config import TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.models import build_model
from mnist_core.presets import PRESETS, RECIPES, get_preset, recipe_config, recipe_for, run_label
from mnist_core.sizing import count_params


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_builds_model_with_predicted_parameter_count(name):
    preset = PRESETS[name]
    model = build_model(preset.config)

    assert model.count_params() == count_params(preset.config.model)
    probabilities = np.asarray(model(np.zeros((2, 28, 28), np.float32)))
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_presets_are_distinct_described_recipes():
    assert len(PRESETS) >= 5
    configs = [preset.config for preset in PRESETS.values()]
    assert len(set(configs)) == len(configs), "two presets train the same configuration"
    assert all(re.search(r"Conv|Dense", preset.description) for preset in PRESETS.values())


def test_run_label_names_the_preset_an_edit_or_a_custom_network():
    config = PRESETS["fast-cnn"].config
    assert run_label(config, "fast-cnn") == "fast-cnn"
    assert run_label(config.replace(epochs=1), "fast-cnn") == "fast-cnn (edited)"
    assert run_label(TrainingConfig(), "fast-cnn") == "custom MLP"
    assert run_label(TrainingConfig(), "custom MLP") == "custom MLP"


def test_recipe_for_a_link_falls_back_to_custom_when_the_kind_changed():
    assert recipe_for(PRESETS["seed-mlp-128"].config, "seed-mlp-128") == "seed-mlp-128"
    assert recipe_for(TrainingConfig(model=CNNConfig()), "seed-mlp-128") == "custom CNN"
    assert recipe_config("custom CNN").model == CNNConfig()
    assert set(RECIPES) == {*PRESETS, "custom MLP", "custom CNN"}


def test_get_preset_known_name_returns_it():
    assert get_preset("fast-cnn") is PRESETS["fast-cnn"]


def test_get_preset_unknown_name_raises_listing_choices():
    with pytest.raises(ConfigError, match=r"'resnet'.*fast-cnn"):
        get_preset("resnet")
