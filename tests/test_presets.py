"""Tests for mnist_core.presets: every named recipe builds the model it describes."""

import numpy as np
import pytest

from mnist_core.errors import ConfigError
from mnist_core.models import build_model, count_params
from mnist_core.presets import PRESETS, get_preset


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_builds_model_with_predicted_parameter_count(name):
    preset = PRESETS[name]
    model = build_model(preset.config)

    assert model.count_params() == count_params(preset.config.model)
    probabilities = np.asarray(model(np.zeros((2, 28, 28), np.float32)))
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_presets_have_names_and_descriptions():
    assert len(PRESETS) >= 5
    for name, preset in PRESETS.items():
        assert preset.name == name
        assert preset.description.strip()


def test_get_preset_known_name_returns_it():
    assert get_preset("fast-cnn") is PRESETS["fast-cnn"]


def test_get_preset_unknown_name_raises_listing_choices():
    with pytest.raises(ConfigError, match=r"'resnet'.*fast-cnn"):
        get_preset("resnet")
