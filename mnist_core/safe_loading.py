"""Opening a `.keras` file someone else made, safely.

First, from the zip directory alone, the file must fit what a model of this
app holds (a decompression bomb is refused unread); then Keras loads it in
safe mode (a Lambda layer, which could run arbitrary code, is refused); then
the model must take one floating-point 28x28 image and give ten finite
probabilities. Every refusal is one sentence naming what was really refused.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from mnist_core.architectures import IMAGE_SIZE, NUM_CLASSES
from mnist_core.errors import ModelFileError, shorten
from mnist_core.files import ZipLimits, open_zip
from mnist_core.runtime import tensorflow

ACCEPTED_INPUT_SHAPES = ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE, IMAGE_SIZE, 1), (IMAGE_SIZE * IMAGE_SIZE,))
# What a .keras file of this app holds: config.json (4.5 KB for the shipped
# CNN), metadata.json (64 bytes) and model.weights.h5 (float32, 4 bytes a
# parameter: 0.9 MB and 2.2 MB for the shipped models). The largest MLP the
# default caps allow (8 layers of 1,024 units) has 8.2M parameters, 33 MB;
# uploads stop at 50 MB (.streamlit/config.toml) and weights barely
# compress. 128 MB of weights is ~4x the one and 2.5x the other; a model past
# it (a CNN of 1,024 9x9 filters, hours an epoch on this hardware) is refused
# with the limit named.
MAX_WEIGHTS_BYTES = 128 << 20
MAX_JSON_BYTES = 1 << 20
MAX_MODEL_FILE_BYTES = MAX_WEIGHTS_BYTES + (4 << 20)
KERAS_LIMITS = ZipLimits(
    max_members=16,  # Three in practice, plus an assets/ folder for layers that have assets.
    max_member_bytes=MAX_JSON_BYTES,
    max_total_bytes=MAX_MODEL_FILE_BYTES,
    member_bytes={"model.weights.h5": MAX_WEIGHTS_BYTES, "model.weights.npz": MAX_WEIGHTS_BYTES},
)
NOT_KERAS = "only the native Keras format is accepted (in Keras, save with model.save('name.keras'))"
RESAVE = "save the model again with model.save('name.keras')"
# What safe mode refused, by a phrase of Keras's message, in this app's words.
SAFE_MODE_REFUSALS = (
    ("`Lambda` layer", "a Lambda layer, which could run arbitrary code"),
    ("Python lambda", "a Python lambda function, which could run arbitrary code"),
    ("`TFSMLayer`", "a TFSMLayer, which loads an outside TensorFlow SavedModel and could run any code"),
    ("vocabulary file outside", "a lookup layer whose vocabulary is a file outside the archive{detail}"),
    ("TorchModuleWrapper", "a wrapped PyTorch module, which could run arbitrary code"),
)


def check_classifier(model, name: str = "the model") -> None:
    """Checks that the model takes one floating-point 28x28 image and outputs ten classes.

    Raises:
        ModelFileError: It does not.
    """
    try:
        inputs, outputs = list(model.inputs), list(model.outputs)
    except (AttributeError, TypeError, ValueError):
        inputs = outputs = []
    if not inputs or not outputs:
        raise ModelFileError(f"{name} has no defined input and output; save a built model.")
    if len(inputs) != 1:
        raise ModelFileError(
            f"{name} takes {len(inputs)} inputs; an MNIST classifier here takes exactly one, the 28x28 "
            "image, so rebuild it with a single input."
        )
    if len(outputs) != 1:
        raise ModelFileError(
            f"{name} has {len(outputs)} outputs; an MNIST classifier here has exactly one, the 10 class "
            "scores, so rebuild it with a single output."
        )
    input_shape, output_shape = tuple(inputs[0].shape[1:]), tuple(outputs[0].shape[1:])
    if input_shape not in ACCEPTED_INPUT_SHAPES or output_shape != (NUM_CLASSES,):
        raise ModelFileError(
            f"{name} maps {shorten(input_shape)} to {shorten(output_shape)}; an MNIST classifier here must "
            "map a 28x28 (or 28x28x1, or 784) image to 10 classes."
        )
    dtype = str(getattr(inputs[0], "dtype", ""))
    if not dtype.startswith(("float", "bfloat")):
        raise ModelFileError(
            f"{name} takes {shorten(dtype)} input, which would turn pixels in [0, 1] into zeros; an MNIST "
            "classifier here takes floating-point images, so rebuild it with a float32 input."
        )


def check_outputs(model, name: str = "the model") -> None:
    """Runs the model once on a blank image and two drawn digits; its answers must be probabilities.

    Raises:
        ModelFileError: It fails on them, or gives NaN, infinite or otherwise
            impossible probabilities (a training that diverged leaves NaN weights).
    """
    from mnist_core.predict import predict_probabilities

    try:
        probabilities = predict_probabilities(model, _probe_images())
    except Exception as error:  # noqa: BLE001 - a model can fail in any layer.
        raise ModelFileError(
            f"{name} fails when run on a 28x28 image ({_first_line(error)}); rebuild it from standard layers."
        ) from None
    if not np.all(np.isfinite(probabilities)):
        raise ModelFileError(
            f"{name} outputs NaN or infinite values for a blank image and two drawn digits, so its answers "
            "would mean nothing (a training that diverged leaves NaN weights); retrain it, for example with "
            "a lower learning rate."
        )
    if np.any(probabilities < -1e-4) or not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        raise ModelFileError(
            f"{name} outputs values that are not probabilities (rows summing to "
            f"{shorten(np.round(probabilities.sum(axis=1), 3).tolist())}); end the model with a softmax "
            "or with plain logits."
        )


def _probe_images() -> np.ndarray:
    """A blank image, a "1" and a "0", white on black in [0, 1], as a model sees them."""
    images = np.zeros((3, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    images[1, 4:24, 13:16] = 1.0
    rows, cols = np.indices((IMAGE_SIZE, IMAGE_SIZE))
    images[2][np.abs(np.hypot((rows - 14.0) / 1.3, cols - 14.0) - 6.5) < 1.5] = 1.0
    return images


def check_archive(handle: BinaryIO, filename: str) -> None:
    """Refuses, from its name and zip directory alone, a file that cannot be a model of this app.

    Raises:
        ModelFileError: Not named .keras, not a zip archive, over `KERAS_LIMITS`
            (member count, names, unpacked sizes) or without a config.json.
    """
    name = shorten(filename)
    if not filename.lower().endswith(".keras"):
        raise ModelFileError(f"{name} is not a .keras file; {NOT_KERAS}.")
    if not zipfile.is_zipfile(handle):
        raise ModelFileError(f"{name} is not a valid .keras archive (corrupt or not a Keras model file).")
    with open_zip(
        handle, KERAS_LIMITS, error=ModelFileError, label=name, kind="a .keras model of this app", fix=RESAVE
    ) as archive:
        if "config.json" not in archive.namelist():
            raise ModelFileError(f"{name} is a zip file but not a Keras model: it has no config.json.")


def load_keras_file(path: Path, name: str):
    """Loads a checked `.keras` file in safe mode; it must be a working MNIST classifier.

    Raises:
        ModelFileError: Keras refuses the file (said in one sentence, from its
            most informative message), or `check_classifier` or
            `check_outputs` refuses the model.
    """
    tensorflow()
    import keras

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras raises many types for bad files.
        raise ModelFileError(_refusal(error, name)) from None
    check_classifier(model, name)
    check_outputs(model, name)
    return model


def _refusal(error: BaseException, name: str) -> str:
    """One sentence saying why Keras refused a file, from the most informative message it gave."""
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and link not in chain and len(chain) < 10:
        chain.append(link)
        link = link.__cause__ or link.__context__
    text = " ".join(str(each) for each in chain)
    unknown = re.search(r"Could not locate (class|function) '([^']*)'", text)
    if unknown:
        module = re.search(r"Full object config: \{[^{}]*?'module': '([^']*)'", text)
        where = f" from module '{shorten(module[1], 40)}'" if module and module[1] else ""
        return (
            f"{name} could not be loaded as a Keras model: it uses the {unknown[1]} "
            f"'{shorten(unknown[2], 40)}'{where}, which is not part of Keras, so it is refused; "
            "rebuild the model from standard Keras layers."
        )
    if "safe_mode" in text:
        refused = next((what for phrase, what in SAFE_MODE_REFUSALS if phrase in text), None)
        if refused is None:
            refused = f"something Keras calls unsafe ({_first_line(chain[-1])})"
        vocabulary = re.search(r"Vocabulary file: '([^']*)'", text)
        detail = f" ('{shorten(vocabulary[1], 40)}')" if vocabulary else ""
        return (
            f"{name} contains {refused.format(detail=detail)}, so safe mode refuses it; "
            "rebuild the model from standard layers."
        )
    return f"{name} could not be loaded as a Keras model (corrupt or incompatible): {_first_line(chain[-1])}."


def _first_line(error: BaseException) -> str:
    """The first sentence of an exception's message, without the advice and configs Keras appends."""
    text = re.split(r"\n|Full object config:|config=|Exception encountered:|\.\s+(?=[A-Z])", str(error))[0]
    return shorten(text.strip().rstrip(".") or type(error).__name__, 160)
