"""The Inside core: layers, scores, SmoothGrad and its randomisation check, nearest digits, pictures."""

import time
from pathlib import Path

import numpy as np
import pytest

from mnist_core.runtime import tensorflow

tensorflow()  # Configured before Keras first runs, as everywhere.
import keras  # noqa: E402

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig  # noqa: E402
from mnist_core.config import TrainingConfig  # noqa: E402
from mnist_core.errors import ModelFileError  # noqa: E402
from mnist_core.inside import pictures  # noqa: E402
from mnist_core.inside.attribution import SmoothGrad, attributions, rank_correlation, share_near_ink  # noqa: E402
from mnist_core.inside.explain import explain, first_filters, layer_picture, templates  # noqa: E402
from mnist_core.inside.neighbours import NeighbourIndex, neighbour_index  # noqa: E402
from mnist_core.inside.network import network_of, randomised  # noqa: E402
from mnist_core.models import build_model  # noqa: E402
from mnist_core.persistence import load_model  # noqa: E402
from mnist_core.predict import predict_probabilities  # noqa: E402
from mnist_core.test_time import shift_average  # noqa: E402

MODELS = Path(__file__).resolve().parent.parent / "models"


@pytest.fixture(scope="module")
def shipped():
    return {name: load_model(MODELS / f"{name}.keras").model for name in ("cnn", "mlp")}


@pytest.fixture(scope="module")
def test_images(fallback_data):
    return fallback_data.x_test[:12].astype(np.float32) / 255.0


def linear_model(seed: int = 0):
    """Softmax regression: the gradient of each digit's score is exactly that digit's weights."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )
    return model


def small_cnn():
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Reshape((28, 28, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(16, activation="relu", name="hidden"),
            keras.layers.Dense(10, activation="softmax", name="out"),
        ]
    )


def test_layers_are_listed_with_their_output_shapes_and_pictures():
    network = network_of(small_cnn())
    assert [(layer.name, layer.shape, layer.picture) for layer in network.layers][1:5] == [
        ("conv", (26, 26, 4), "maps"),
        ("pool", (13, 13, 4), "maps"),
        ("norm", (13, 13, 4), "maps"),
        ("flatten", (676,), "units"),
    ]
    assert network.note == "" and network.scores_are_logits


def test_scores_are_the_logits_behind_the_models_probabilities(test_images):
    model = small_cnn()
    network = network_of(model)
    outputs = network.run(test_images)
    scores = outputs[-2]
    softmax = np.exp(scores - scores.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax, predict_probabilities(model, test_images), atol=1e-5)
    assert [output.shape[1:] for output in outputs[:-2]] == [layer.shape for layer in network.layers]
    assert outputs[-1].shape == (12, 16)  # The penultimate layer feeds the last.


def test_a_shift_averaged_model_shows_its_inner_network_and_says_so():
    model = small_cnn()
    network = network_of(shift_average(model))
    assert [layer.name for layer in network.layers] == [layer.name for layer in model.layers]
    assert "8 copies of it shifted by a pixel" in network.note


def test_a_model_with_other_layer_types_shows_what_it_can():
    image = keras.Input((28, 28))
    grey = keras.layers.Reshape((28, 28), name="same_image")(image)
    flat = keras.layers.Flatten()(grey)
    hidden = keras.layers.Dense(8, activation="tanh")(flat)
    mixed = keras.layers.Add(name="residual")([hidden, keras.layers.Dense(8)(flat)])
    normed = keras.layers.LayerNormalization()(mixed)
    out = keras.layers.Softmax(name="probabilities")(keras.layers.Dense(10)(normed))
    network = network_of(keras.Model(image, out))
    kinds = {layer.name: layer.picture for layer in network.layers}
    assert kinds["same_image"] == "none" and kinds["residual"] == "units"
    assert not network.scores_are_logits  # A Softmax layer: scores are log-probabilities.
    assert layer_picture(network.layers[0], np.zeros((28, 28))) is None


def test_smoothgrad_of_a_linear_model_is_its_weights():
    model = linear_model()
    network = network_of(model)
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    kernel = model.layers[-1].kernel.numpy()
    maps = attributions(network, image, [3, 8], SmoothGrad(on_ink=False, samples=4))
    np.testing.assert_allclose(maps[0], kernel[:, 3].reshape(28, 28), atol=1e-5)
    np.testing.assert_allclose(maps[0] - maps[1], (kernel[:, 3] - kernel[:, 8]).reshape(28, 28), atol=1e-5)
    on_ink = attributions(network, image, [3], SmoothGrad(samples=4))[0]
    np.testing.assert_allclose(on_ink, kernel[:, 3].reshape(28, 28) * image, atol=1e-5)


@pytest.mark.parametrize("on_ink", [True, False], ids=["on ink", "every pixel"])
@pytest.mark.parametrize("name", ["cnn", "mlp"])
def test_attribution_passes_the_model_randomisation_check(shipped, test_images, name, on_ink):
    """Adebayo et al. (2018): with random weights the map must change (rank correlation below 0.5)."""
    network = network_of(shipped[name])
    scrambled = randomised(network)
    method = SmoothGrad(on_ink=on_ink)
    correlations = []
    for image in test_images:
        digit = int(network.look(image)[1].argmax())
        trained_map = attributions(network, image, [digit], method)[0]
        random_map = attributions(scrambled, image, [digit], method)[0]
        correlations.append(rank_correlation(trained_map, random_map))
    assert np.median(correlations) < 0.5 and max(correlations) < 0.5, correlations


def test_the_default_cnns_gradient_lies_mostly_on_or_next_to_the_ink(shipped, test_images):
    network = network_of(shipped["cnn"])
    every_pixel = SmoothGrad(on_ink=False)
    shares = []
    for image in test_images:
        digit = int(network.look(image)[1].argmax())
        shares.append(share_near_ink(attributions(network, image, [digit], every_pixel)[0], image, 2))
    assert np.median(shares) > 0.5, shares


def test_rank_correlation_and_share_near_ink():
    first = np.arange(16.0).reshape(4, 4)
    assert rank_correlation(first, first * 3 + 1) == pytest.approx(1.0)
    assert rank_correlation(first, -first) == pytest.approx(-1.0)
    ink = np.zeros((6, 6))
    ink[2, 2] = 1
    saliency = np.zeros((6, 6))
    saliency[2, 3], saliency[5, 5] = 3.0, -1.0
    assert share_near_ink(saliency, ink, reach=1) == pytest.approx(0.75)
    assert share_near_ink(saliency, ink, reach=0) == 0.0


def test_nearest_training_digits_of_a_training_digit_start_with_itself(shipped, fallback_data):
    images, labels = fallback_data.x_train[:500], fallback_data.y_train[:500]
    index = NeighbourIndex(network_of(shipped["mlp"]), images, labels)
    assert index.wait(30)
    found = index.nearest(images[7].astype(np.float32) / 255.0)
    assert len(found) == 8
    assert found[0].index == 7 and found[0].distance == pytest.approx(0.0, abs=1e-2)
    assert [item.distance for item in found] == sorted(item.distance for item in found)
    assert all(item.label == labels[item.index] for item in found)


def test_the_index_is_kept_with_the_model_and_ready_within_seconds(fallback_data):
    model = small_cnn()
    started = time.monotonic()
    index = neighbour_index(model, fallback_data.x_train, fallback_data.y_train)
    assert neighbour_index(model, fallback_data.x_train, fallback_data.y_train) is index
    assert index.wait(10), "5,000 digits' vectors took over 10 s"
    assert time.monotonic() - started < 10 and not index.error


def test_an_index_that_cannot_be_computed_says_why(fallback_data):
    index = NeighbourIndex(
        network_of(small_cnn()), fallback_data.x_train[:10, :5], fallback_data.y_train[:10]
    )
    assert index.wait(10)
    assert index.error.startswith("The nearest training digits could not be computed")
    assert index.nearest(np.zeros((28, 28), np.float32)) == []


def test_explanation_summary_and_pictures_for_the_default_cnn(shipped, test_images):
    model = shipped["cnn"]
    explanation = explain(model, test_images[0])
    summary = explanation.summary()
    assert summary["digit"] == int(predict_probabilities(model, test_images[:1]).argmax())
    assert summary["layers"][1] == {"name": "conv_1", "kind": "Conv2D", "shape": [12, 12, 64]}
    assert summary["nearest"] == []  # No index given.
    assert explanation.saliency.shape == (28, 28)
    filters = first_filters(explanation.network)
    assert filters is not None and filters.dtype == np.uint8 and filters.shape[2] == 3
    assert templates(explanation.network, explanation.outputs) is None
    grid = layer_picture(explanation.layers[1], explanation.outputs[1])
    assert grid is not None and grid.shape == (8 * 49 + 1, 8 * 49 + 1, 3)  # 64 maps of 12x12, 4x, in 8x8.


def test_mlp_templates_are_the_most_active_units_weights(shipped, test_images):
    network = network_of(shipped["mlp"])
    outputs, _, _ = network.look(test_images[0])
    _, values, picture = templates(network, outputs, count=5)
    assert values == sorted(values, reverse=True) and values[0] == pytest.approx(outputs[1].max())
    assert picture.shape == (28 * 3 + 2, 5 * (28 * 3 + 1) + 1, 3)
    assert first_filters(network) is None


def test_signed_colours_and_overlay():
    colours = pictures.signed_colours(np.array([[2.0, 0.0, -1.0]]))
    assert colours[0, 0].tolist() == pictures.POSITIVE.astype(int).tolist()
    assert colours[0, 1].tolist() == [0, 0, 0]
    assert colours[0, 2].tolist() == (pictures.NEGATIVE / 2).astype(int).tolist()
    image = np.zeros((28, 28), np.float32)
    saliency = np.zeros((28, 28), np.float32)
    saliency[0, 0] = -1.0
    shown = pictures.overlay(image, saliency)
    assert shown[0, 0].tolist() == pictures.NEGATIVE.astype(int).tolist() and shown[5, 5].tolist() == [
        0,
        0,
        0,
    ]
    assert pictures.overlay(image, np.zeros((28, 28))).max() == 0


def test_wide_penultimate_layers_are_projected_and_old_indexes_dropped(fallback_data, monkeypatch):
    from mnist_core.inside import neighbours

    wide = keras.Sequential(
        [keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )  # Its penultimate vector is the 784 pixels.
    images, labels = fallback_data.x_train[:300], fallback_data.y_train[:300]
    index = neighbour_index(wide, images, labels)
    assert index.wait(10) and not index.error
    assert index._vectors.shape == (300, neighbours.MAX_DIMENSIONS) and index._vectors.dtype == np.float32
    assert index.nearest(images[42].astype(np.float32) / 255.0)[0].index == 42

    monkeypatch.setattr(neighbours, "MAX_INDEXES", 2)
    models = [linear_model(seed) for seed in range(3)]
    for model in models:
        neighbour_index(model, images, labels).wait(10)
    assert not hasattr(models[0], "_mnist_inside_neighbours")
    assert all(hasattr(model, "_mnist_inside_neighbours") for model in models[1:])


@pytest.mark.parametrize(
    "architecture",
    [
        MLPConfig(hidden_units=(32, 16), dropout_rate=0.3),
        CNNConfig(conv_blocks=(ConvBlock(8, pooling=True), ConvBlock(8, pooling=True)), dense_units=(16,)),
        CNNConfig(
            conv_blocks=(ConvBlock(8, kernel_size=5, strides=2, pooling=False),),
            batch_norm=True,
            conv_dropout_rate=0.2,
            dense_units=(),
        ),
    ],
    ids=["mlp with dropout", "cnn with pooling", "cnn with batch norm, dropout, no dense head"],
)
def test_every_architecture_the_train_page_builds_can_be_looked_inside(
    architecture, fallback_data, test_images
):
    model = build_model(TrainingConfig(model=architecture, epochs=1))
    index = NeighbourIndex(network_of(model), fallback_data.x_train[:200], fallback_data.y_train[:200])
    assert index.wait(10) and not index.error
    explanation = explain(model, test_images[0], index)
    assert len(explanation.nearest) == 8
    assert [output.shape for output in explanation.outputs] == [layer.shape for layer in explanation.layers]
    pictured = [
        layer_picture(layer, output)
        for layer, output in zip(explanation.layers, explanation.outputs, strict=True)
    ]
    assert any(picture is not None for picture in pictured)
    is_cnn = isinstance(architecture, CNNConfig)
    assert (first_filters(explanation.network) is not None) == is_cnn
    assert (templates(explanation.network, explanation.outputs) is not None) == (not is_cnn)
    assert np.abs(explanation.saliency).sum() > 0


def test_a_model_that_cannot_be_followed_layer_by_layer_is_refused_in_one_sentence():
    class NoLayers:
        layers = ()

    with pytest.raises(ModelFileError, match="cannot be opened up layer by layer"):
        network_of(NoLayers())
