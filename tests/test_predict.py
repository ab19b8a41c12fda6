"""Tests for mnist_core.predict: one image or a batch, any input layout, logits or probabilities."""

import numpy as np
import pytest

from mnist_core.errors import PredictionError
from mnist_core.predict import Prediction, predict, predict_one, predict_probabilities
from mnist_core.runtime import tensorflow


def _keras():
    tensorflow()
    import keras

    keras.utils.set_random_seed(1)
    return keras


def _softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def test_predict_single_image_returns_prediction(trained, tiny_splits):
    prediction = predict_one(trained.model, tiny_splits.x_test[0])

    assert isinstance(prediction, Prediction)
    assert len(prediction.probabilities) == 10
    assert sum(prediction.probabilities) == pytest.approx(1.0, abs=1e-5)
    assert prediction.digit == int(np.argmax(prediction.probabilities))
    assert prediction.confidence == max(prediction.probabilities)


def test_predict_batch_returns_list_matching_probabilities(trained, tiny_splits):
    images = tiny_splits.x_test[:20]

    predictions = predict(trained.model, images)

    assert isinstance(predictions, list) and len(predictions) == 20
    probabilities = predict_probabilities(trained.model, images)
    assert [p.digit for p in predictions] == list(probabilities.argmax(axis=1))
    expected = np.asarray(trained.model(images / 255.0))
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    # The model has learned something: most of these are right.
    assert np.mean(probabilities.argmax(axis=1) == tiny_splits.y_test[:20]) > 0.5


def test_predict_uint8_scaled_like_float(trained, tiny_splits):
    images = tiny_splits.x_test[:10]

    from_uint8 = predict_probabilities(trained.model, images)
    from_float = predict_probabilities(trained.model, images.astype(np.float32) / 255.0)

    np.testing.assert_allclose(from_uint8, from_float, atol=1e-6)


def test_predict_probabilities_in_batches_matches_one_call(trained, tiny_splits):
    images = tiny_splits.x_test[:25]

    np.testing.assert_allclose(
        predict_probabilities(trained.model, images, batch_size=7),
        predict_probabilities(trained.model, images),
        atol=1e-6,
    )


def test_predict_channel_input_softmax_model(tiny_splits):
    keras = _keras()
    model = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )
    images = tiny_splits.x_test[:5] / 255.0

    probabilities = predict_probabilities(model, images)

    np.testing.assert_allclose(probabilities, np.asarray(model(images[..., np.newaxis])), atol=1e-6)


def test_predict_flat_input_logits_model_gets_softmax(tiny_splits):
    keras = _keras()
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    images = tiny_splits.x_test[:5] / 255.0
    logits = np.asarray(model(images.reshape(5, 784)))

    probabilities = predict_probabilities(model, images)

    np.testing.assert_allclose(probabilities, _softmax(logits), atol=1e-6)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    prediction = predict_one(model, images[0])
    assert prediction.digit == int(logits[0].argmax())


def test_predict_softmax_layer_model_not_softmaxed_twice(tiny_splits):
    keras = _keras()
    model = keras.Sequential(
        [keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10), keras.layers.Softmax()]
    )
    images = tiny_splits.x_test[:5] / 255.0

    np.testing.assert_allclose(predict_probabilities(model, images), np.asarray(model(images)), atol=1e-6)


@pytest.mark.parametrize("shape", [(28,), (5, 28, 27), (2, 28, 28, 1)])
def test_predict_probabilities_wrong_shape_raises(trained, shape):
    with pytest.raises(ValueError, match="expected"):
        predict_probabilities(trained.model, np.zeros(shape, np.float32))


def test_predict_probabilities_empty_batch(trained):
    assert predict_probabilities(trained.model, np.zeros((0, 28, 28), np.uint8)).shape == (0, 10)


def test_prediction_to_dict_rounds():
    prediction = Prediction(3, 0.123456789, (0.1234567891,) * 10)

    assert prediction.to_dict() == {"digit": 3, "confidence": 0.123457, "probabilities": [0.123457] * 10}


def _nan_model():
    keras = _keras()
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    model.set_weights([np.full(weight.shape, np.nan, np.float32) for weight in model.get_weights()])
    return model


def test_predict_nan_output_raises_prediction_error_not_nan_digit(tiny_splits):
    model = _nan_model()

    with pytest.raises(PredictionError, match="output for this image is NaN or infinite") as error:
        predict_one(model, tiny_splits.x_test[0])
    assert str(error.value).count(". ") == 0 and str(error.value).endswith(".")
    with pytest.raises(PredictionError, match=r"for 3 of 3 images \(the first at index 0\)"):
        predict(model, tiny_splits.x_test[:3])


def test_predict_one_overflowing_image_in_a_batch_is_named(trained, tiny_splits):
    images = tiny_splits.x_test[:4].astype(np.float32) / 255.0
    images[2] = np.inf

    with pytest.raises(PredictionError, match=r"pixels of 1 of 4 images \(the first at index 2\) are NaN"):
        predict(trained.model, images)
