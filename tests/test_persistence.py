"""Tests for mnist_core.persistence: .keras files with a JSON sidecar, loaded safely."""

import io
import json
import os
import re
import tempfile
import tracemalloc
import zipfile
from datetime import datetime

import numpy as np
import pytest

from mnist_core.errors import ModelFileError
from mnist_core.persistence import (
    check_classifier,
    check_model_destination,
    load_model,
    load_model_bytes,
    model_to_bytes,
    save_model,
    sidecar_path,
)
from mnist_core.predict import predict_probabilities
from mnist_core.runtime import tensorflow
from mnist_core.safe_loading import MAX_MODEL_FILE_BYTES, MAX_WEIGHTS_BYTES
from tests.hostile_zips import declare_unpacked_size, with_members, zip_bytes


def _keras():
    tensorflow()
    import keras

    return keras


def _dense_model(input_shape, outputs=10, extra_layers=()):
    keras = _keras()
    return keras.Sequential(
        [keras.Input(input_shape), keras.layers.Flatten(), *extra_layers, keras.layers.Dense(outputs)]
    )


def test_save_and_load_model_round_trip(trained, tiny_splits, model_dir):
    path = save_model(
        trained.model,
        model_dir / "run.keras",
        config=trained.config,
        data_source="tiny",
        test_accuracy=trained.test_accuracy,
        extra={"epochs_run": 3},
    )

    loaded = load_model(path)

    assert path == model_dir / "run.keras" and path.is_file()
    images = tiny_splits.x_test[:50]
    np.testing.assert_allclose(
        predict_probabilities(loaded.model, images), predict_probabilities(trained.model, images), atol=1e-6
    )
    sidecar = json.loads(sidecar_path(path).read_text())
    assert sidecar == loaded.info
    assert sidecar["config"] == json.loads(json.dumps(trained.config.to_dict()))
    assert sidecar["kind"] == "mlp" and sidecar["params"] == trained.model.count_params()
    assert sidecar["test_accuracy"] == trained.test_accuracy
    assert sidecar["data_source"] == "tiny" and sidecar["epochs_run"] == 3
    assert datetime.fromisoformat(sidecar["created"]).tzinfo is not None
    assert loaded.path == path


def test_save_model_creates_parent_folders(trained, tmp_path):
    path = save_model(trained.model, tmp_path / "a" / "b" / "m.keras")

    assert path.is_file() and sidecar_path(path).is_file()
    assert json.loads(sidecar_path(path).read_text())["config"] is None


def test_save_model_refuses_other_suffix(trained, tmp_path):
    with pytest.raises(ModelFileError, match=r"must end in \.keras"):
        save_model(trained.model, tmp_path / "model.h5")
    assert not (tmp_path / "model.h5").exists()


def test_load_model_bytes_same_bytes_work(trained, tiny_splits, model_dir):
    path = save_model(trained.model, model_dir / "run.keras", config=trained.config)

    loaded = load_model_bytes(path.read_bytes(), "My Model.KERAS")

    assert loaded.info == {"uploaded_as": "My Model.KERAS"}
    assert loaded.path is None
    images = tiny_splits.x_test[:20]
    np.testing.assert_allclose(
        predict_probabilities(loaded.model, images), predict_probabilities(trained.model, images), atol=1e-6
    )


def test_model_to_bytes_loadable(trained, tiny_splits):
    data = model_to_bytes(trained.model)

    assert zipfile.is_zipfile(io.BytesIO(data))
    loaded = load_model_bytes(data, "download.keras")
    images = tiny_splits.x_test[:20]
    np.testing.assert_allclose(
        predict_probabilities(loaded.model, images), predict_probabilities(trained.model, images), atol=1e-6
    )


def test_load_model_unreadable_sidecar_gives_warning(trained, model_dir):
    path = save_model(trained.model, model_dir / "run.keras")
    sidecar_path(path).write_text("{not json")

    loaded = load_model(path)

    assert "unreadable" in loaded.info["warning"]


def test_load_model_missing_file_raises(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "absent.keras")


def test_load_model_corrupt_file_raises(tmp_path):
    path = tmp_path / "corrupt.keras"
    path.write_bytes(np.random.default_rng(0).bytes(4096))

    with pytest.raises(ModelFileError, match=r"corrupt\.keras is not a valid \.keras archive"):
        load_model(path)


def test_load_model_zip_without_config_raises(tmp_path):
    path = tmp_path / "archive.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", "{}")
        archive.writestr("model.weights.h5", b"\x00" * 16)

    with pytest.raises(ModelFileError, match=r"no config\.json"):
        load_model(path)


def test_load_model_broken_config_raises(tmp_path):
    path = tmp_path / "broken.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", '{"class_name": "NoSuchLayer", "config": {}}')
        archive.writestr("metadata.json", "{}")

    with pytest.raises(ModelFileError, match="could not be loaded as a Keras model"):
        load_model(path)


@pytest.mark.parametrize("filename", ["model.h5", "model.keras.zip", "weights"])
def test_load_model_bytes_non_keras_name_raises(trained, filename):
    with pytest.raises(ModelFileError, match=re.escape(f"{filename} is not a .keras file")):
        load_model_bytes(model_to_bytes(trained.model), filename)


def test_load_model_non_keras_path_raises(trained, tmp_path):
    path = tmp_path / "model.zip"
    path.write_bytes(model_to_bytes(trained.model))

    with pytest.raises(ModelFileError, match=r"model.zip is not a .keras file"):
        load_model(path)


@pytest.mark.parametrize(
    ("input_shape", "outputs", "shapes"),
    [((32, 32, 3), 10, r"\(32, 32, 3\) to \(10,\)"), ((28, 28), 5, r"\(28, 28\) to \(5,\)")],
)
def test_load_model_wrong_shape_raises(model_dir, input_shape, outputs, shapes):
    path = model_dir / "other.keras"
    _dense_model(input_shape, outputs).save(path)

    with pytest.raises(ModelFileError, match=f"maps {shapes}; an MNIST classifier"):
        load_model(path)


def test_load_model_lambda_layer_refused_by_safe_mode(model_dir):
    keras = _keras()
    path = model_dir / "lambda.keras"
    _dense_model((28, 28), extra_layers=[keras.layers.Lambda(lambda x: x * 2.0)]).save(path)

    with pytest.raises(ModelFileError, match=r"Lambda layer.*safe mode"):
        load_model(path)
    with pytest.raises(ModelFileError, match=r"upload\.keras contains a Lambda layer"):
        load_model_bytes(path.read_bytes(), "upload.keras")


@pytest.mark.parametrize("input_shape", [(28, 28), (28, 28, 1), (784,)])
def test_check_classifier_accepts_mnist_layouts(input_shape, model_dir):
    path = model_dir / "ok.keras"
    _dense_model(input_shape).save(path)

    loaded = load_model(path)

    check_classifier(loaded.model)
    assert tuple(loaded.model.inputs[0].shape[1:]) == input_shape


def test_check_classifier_refuses_two_inputs():
    keras = _keras()
    first, second = keras.Input((28, 28)), keras.Input((28, 28))
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(keras.layers.Add()([first, second])))
    model = keras.Model([first, second], outputs)

    with pytest.raises(
        ModelFileError, match="the model takes 2 inputs; an MNIST classifier here takes exactly one"
    ):
        check_classifier(model)


@pytest.fixture(scope="module")
def small_keras(tmp_path_factory) -> bytes:
    """The bytes of a small valid .keras classifier (a 28x28 -> 10 dense layer)."""
    path = tmp_path_factory.mktemp("small") / "small.keras"
    _dense_model((28, 28)).save(path)
    return path.read_bytes()


def _keras_never_opens(monkeypatch):
    keras = _keras()

    def refuse(*args, **kwargs):
        raise AssertionError("keras.saving.load_model was called on a file that should be refused before it")

    monkeypatch.setattr(keras.saving, "load_model", refuse)


MIB = 1 << 20


def _declare_sizes(data: bytes, sizes: dict[str, int]) -> bytes:
    for name, size in sizes.items():
        data = declare_unpacked_size(data, name, size)
    return data


@pytest.mark.parametrize(
    ("hostile", "message"),
    [
        (
            lambda data: declare_unpacked_size(data, "config.json", 1 << 30),
            r"holds 'config\.json' of 1\.0 GB once unpacked .*at most 1\.0 MB, so the file is refused as a "
            r"possible decompression bomb",
        ),
        (
            lambda data: declare_unpacked_size(data, "model.weights.h5", MAX_WEIGHTS_BYTES + 1),
            r"holds 'model\.weights\.h5' of 128\.0 MB once unpacked",
        ),
        (
            lambda data: declare_unpacked_size(
                with_members(data, {f"assets/{i}.bin": b"" for i in range(3)}), "assets/0.bin", 240 * MIB
            ),
            r"holds 'assets/0\.bin' of 240\.0 MB once unpacked",
        ),
        (
            lambda data: with_members(data, {f"assets/{i}.bin": b"" for i in range(20)}),
            r"declares 23 members in a .*; a \.keras model of this app has at most 16",
        ),
        (
            lambda data: _declare_sizes(
                with_members(data, {f"assets/{i}": b"" for i in range(5)}),
                {"model.weights.h5": MAX_WEIGHTS_BYTES, **{f"assets/{i}": MIB for i in range(5)}},
            ),
            r"unpacks to 133\.0 MB; a \.keras model of this app unpacks to at most 132\.0 MB",
        ),
        (lambda data: with_members(data, {"../../evil.txt": b"x"}), r"a member named '\.\./\.\./evil\.txt'"),
        (lambda data: with_members(data, {"/etc/cron.d/evil": b"x"}), r"a member named '/etc/cron\.d/evil'"),
    ],
    ids=["config bomb", "weights", "assets bomb", "members", "total", "dotdot", "absolute"],
)
def test_load_model_hostile_archive_refused_before_keras_opens_it(
    small_keras, tmp_path, monkeypatch, hostile, message
):
    data = hostile(small_keras)
    path = tmp_path / "hostile.keras"
    path.write_bytes(data)
    _keras_never_opens(monkeypatch)
    written = []
    monkeypatch.setattr(tempfile, "TemporaryDirectory", lambda *a, **k: written.append(1) or 1 / 0)

    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=message) as error:
            load_model(path)
        with pytest.raises(ModelFileError, match=message):
            load_model_bytes(data, "hostile.keras")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 10 * MIB and written == []
    assert len(data) < 100_000
    assert str(error.value).startswith("hostile.keras ") and "save the model again" in str(error.value)


def test_load_model_real_deflate_bomb_refused_unread(small_keras, tmp_path, monkeypatch):
    # 200 MB of spaces deflate to about 200 KB: a real bomb, not just a forged directory.
    config = json.dumps({"padding": " " * (200 * MIB)}).encode()
    data = zip_bytes(
        {"config.json": config, "metadata.json": b"{}", "model.weights.h5": b""}, zipfile.ZIP_DEFLATED
    )
    del config
    _keras_never_opens(monkeypatch)

    tracemalloc.start()
    try:
        with pytest.raises(
            ModelFileError, match=r"'config\.json' of 200\.0 MB once unpacked \(19\d\.\d KB packed\)"
        ):
            load_model_bytes(data, "bomb.keras")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * MIB


def test_load_model_file_over_size_limit_refused_unread(tmp_path):
    path = tmp_path / "huge.keras"
    with open(path, "wb") as handle:
        handle.truncate(3 << 30)

    with pytest.raises(
        ModelFileError, match=r"huge\.keras is 3\.0 GB; the limit is 132\.0 MB; save the model"
    ):
        load_model(path)
    with pytest.raises(ModelFileError, match=r"big\.keras is 132\.0 MB; the limit is 132\.0 MB"):
        load_model_bytes(bytes(MAX_MODEL_FILE_BYTES + 1), "big.keras")


def test_load_model_directory_fifo_and_device_named_for_what_they_are(tmp_path):
    folder = tmp_path / "folder.keras"
    folder.mkdir()
    fifo = tmp_path / "pipe.keras"
    os.mkfifo(fifo)

    with pytest.raises(ModelFileError, match=r"folder\.keras is a directory, not a file; give the path of a"):
        load_model(folder)
    with pytest.raises(ModelFileError, match=r"pipe\.keras is a named pipe \(FIFO\), not a regular file"):
        load_model(fifo)
    with pytest.raises(ModelFileError, match=r"/dev/null is a device, not a regular file"):
        load_model("/dev/null")


def _with_config(data: bytes, change) -> bytes:
    """The .keras bytes with `change(config)` applied to its config.json."""
    config = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("config.json"))
    change(config)
    return with_members(data, {"config.json": json.dumps(config).encode()})


def _insert_layer(layer: dict):
    return lambda config: config["config"]["layers"].insert(1, {"registered_name": None, **layer})


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (
            {
                "module": "keras.layers",
                "class_name": "StringLookup",
                "config": {"name": "s", "vocabulary": "/etc/passwd"},
            },
            r"contains a lookup layer whose vocabulary is a file outside the archive \('/etc/passwd'\), "
            r"so safe mode refuses it",
        ),
        (
            {
                "module": "keras.layers",
                "class_name": "TFSMLayer",
                "config": {"name": "t", "filepath": "/tmp"},
            },
            r"contains a TFSMLayer, which loads an outside TensorFlow SavedModel and could run any code, "
            r"so safe mode refuses it",
        ),
        (
            {"module": "os", "class_name": "system", "config": {"name": "x"}},
            r"could not be loaded as a Keras model: it uses the class 'system' from module 'os', "
            r"which is not part of Keras, so it is refused",
        ),
    ],
    ids=["string lookup file", "tfsm layer", "os.system"],
)
def test_load_model_refusal_names_what_was_refused(small_keras, layer, message):
    data = _with_config(small_keras, _insert_layer(layer))

    with pytest.raises(ModelFileError, match=message) as error:
        load_model_bytes(data, "their.keras")
    assert "Lambda" not in str(error.value) and "config=" not in str(error.value)
    assert len(str(error.value)) < 300


def test_load_model_deeply_nested_config_refused_in_one_sentence(small_keras):
    data = with_members(small_keras, {"config.json": b"[" * 100_000 + b"]" * 100_000})

    with pytest.raises(ModelFileError, match=r"could not be loaded as a Keras model .*recursion") as error:
        load_model_bytes(data, "deep.keras")
    assert len(str(error.value)) < 300


def test_check_classifier_several_outputs_and_wrong_shape_told_apart():
    keras = _keras()
    image = keras.Input((28, 28))
    flat = keras.layers.Flatten()(image)
    two_outputs = keras.Model(image, [keras.layers.Dense(10)(flat), keras.layers.Dense(10)(flat)])

    with pytest.raises(
        ModelFileError, match="the model has 2 outputs; an MNIST classifier here has exactly one"
    ):
        check_classifier(two_outputs)
    with pytest.raises(ModelFileError, match=r"the model maps \(28, 28\) to \(5,\); an MNIST classifier"):
        check_classifier(_dense_model((28, 28), outputs=5))


def test_load_model_integer_input_refused(model_dir):
    keras = _keras()
    path = model_dir / "ints.keras"
    keras.Sequential(
        [keras.Input((28, 28), dtype="int32"), keras.layers.Flatten(), keras.layers.Dense(10)]
    ).save(path)

    with pytest.raises(ModelFileError, match=r"ints\.keras takes int32 input, which would turn pixels in"):
        load_model(path)


def test_load_model_nan_weights_refused(model_dir):
    model = _dense_model((28, 28))
    model.set_weights([np.full(weight.shape, np.nan, np.float32) for weight in model.get_weights()])
    path = model_dir / "nan.keras"
    model.save(path)

    with pytest.raises(ModelFileError, match=r"nan\.keras outputs NaN or infinite values .* retrain it"):
        load_model(path)
    with pytest.raises(ModelFileError, match=r"upload\.keras outputs NaN"):
        load_model_bytes(path.read_bytes(), "upload.keras")


def test_load_model_logits_model_with_large_outputs_accepted(model_dir):
    model = _dense_model((784,))
    model.set_weights([np.full(weight.shape, 3.0, np.float32) for weight in model.get_weights()])
    path = model_dir / "logits.keras"
    model.save(path)

    loaded = load_model(path)

    assert np.isfinite(predict_probabilities(loaded.model, np.ones((1, 28, 28), np.float32))).all()


def test_save_model_sidecar_beside_unrelated_json_leaves_it_alone(trained, tmp_path):
    package_json = tmp_path / "package.json"
    package_json.write_text('{"name": "my-web-app", "version": "1.0.0"}\n')

    path = save_model(trained.model, tmp_path / "package.keras")

    assert package_json.read_text() == '{"name": "my-web-app", "version": "1.0.0"}\n'
    assert sidecar_path(path) == tmp_path / "package.keras.json"
    assert json.loads(sidecar_path(path).read_text())["format"] == "mnist-playground-model/1"
    assert load_model(path).info["params"] == trained.model.count_params()


def test_save_model_refuses_to_overwrite_json_that_is_not_our_sidecar(trained, tmp_path):
    foreign = tmp_path / "m.keras.json"
    foreign.write_text('{"name": "not ours"}')

    with pytest.raises(ModelFileError, match=r"m\.keras\.json exists and is not a model sidecar of this app"):
        save_model(trained.model, tmp_path / "m.keras")
    assert foreign.read_text() == '{"name": "not ours"}' and not (tmp_path / "m.keras").exists()


def test_save_model_overwrites_its_own_sidecar(trained, tmp_path):
    first = save_model(trained.model, tmp_path / "m.keras", test_accuracy=0.5)
    save_model(trained.model, first, test_accuracy=0.75)

    assert load_model(first).info["test_accuracy"] == 0.75


def test_load_model_reads_legacy_sidecar_only_when_ours(trained, tmp_path):
    path = save_model(trained.model, tmp_path / "old.keras", test_accuracy=0.5)
    sidecar_path(path).rename(tmp_path / "old.json")

    assert load_model(path).info["test_accuracy"] == 0.5
    (tmp_path / "old.json").write_text('{"test_accuracy": 0.9}')
    assert load_model(path).info == {}


def test_check_model_destination_accepts_new_and_existing_paths(trained, tmp_path):
    assert check_model_destination(tmp_path / "a" / "b" / "m.keras") == tmp_path / "a" / "b" / "m.keras"
    assert not (tmp_path / "a").exists()
    existing = save_model(trained.model, tmp_path / "m.keras")
    assert check_model_destination(str(existing)) == existing


def _fifo(path):
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "model.h5", r"model\.h5: model files must end in \.keras"),
        (lambda tmp: (tmp / "dir.keras").mkdir() or tmp / "dir.keras", r"dir\.keras: it is a directory"),
        (
            lambda tmp: _fifo(tmp / "pipe.keras"),
            r"pipe\.keras: it is a named pipe \(FIFO\), not a regular file",
        ),
        (
            lambda tmp: (tmp / "m.keras.json").mkdir() or tmp / "m.keras",
            r"m\.keras: its sidecar m\.keras\.json is a directory",
        ),
        (
            lambda tmp: (tmp / "notes.txt").write_text("x") and tmp / "notes.txt" / "sub" / "m.keras",
            r"notes\.txt is a file, not a folder, so the folder cannot be created",
        ),
        (
            lambda tmp: (tmp / "m.keras.json").write_text("[1, 2]") and tmp / "m.keras",
            r"m\.keras\.json exists and is not a model sidecar of this app, so it would be overwritten",
        ),
    ],
    ids=["suffix", "directory", "fifo", "sidecar directory", "parent is a file", "foreign sidecar"],
)
def test_check_model_destination_refuses_before_training(tmp_path, make, message):
    with pytest.raises(ModelFileError, match=message) as error:
        check_model_destination(make(tmp_path))
    assert str(error.value).startswith("cannot save to ") and str(error.value).endswith(".")


def test_check_model_destination_refuses_unwritable_folder(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)

    with pytest.raises(
        ModelFileError, match=r"is not writable \(Permission denied\); choose a folder you can"
    ):
        check_model_destination(tmp_path / "new" / "m.keras")


@pytest.mark.parametrize(
    ("content", "warning"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "is unreadable (not valid JSON, or nested too deep)"),
        (b"[1, 2, 3]", "holds a JSON array, not an object"),
        (b'"just a string"', "holds a JSON string, not an object"),
        (b"\xff\xfe\x00garbage", "is unreadable"),
        (b'{"format": "something-else/2"}', "is not a sidecar of this app"),
    ],
    ids=["deep", "list", "string", "binary", "foreign format"],
)
def test_load_model_bad_sidecar_becomes_warning(trained, model_dir, content, warning):
    path = save_model(trained.model, model_dir / "run.keras")
    sidecar_path(path).write_bytes(content)

    loaded = load_model(path)

    assert set(loaded.info) == {"warning"}
    assert loaded.info["warning"].startswith("sidecar run.keras.json ") and warning in loaded.info["warning"]


def test_load_model_huge_or_odd_sidecar_not_read(trained, model_dir):
    path = save_model(trained.model, model_dir / "run.keras")
    with open(sidecar_path(path), "wb") as handle:
        handle.truncate(1 << 30)

    tracemalloc.start()
    try:
        info = load_model(path).info
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert info == {
        "warning": "sidecar run.keras.json is 1.0 GB; the limit is 1.0 MB; showing the model without it."
    }
    assert peak < 50 * MIB
    sidecar_path(path).unlink()
    sidecar_path(path).mkdir()
    assert "is a directory, not a file" in load_model(path).info["warning"]


def test_load_model_sidecar_fields_of_wrong_type_dropped_with_warning(trained, model_dir):
    path = save_model(trained.model, model_dir / "run.keras", config=trained.config, test_accuracy=0.5)
    info = json.loads(sidecar_path(path).read_text())
    info.update(test_accuracy="high", params=-3, config=["not", "a", "dict"], data_source={"a": 1})
    sidecar_path(path).write_text(json.dumps(info))

    loaded = load_model(path)

    for key in ("test_accuracy", "params", "config", "data_source"):
        assert key not in loaded.info and f"{key} " in loaded.info["warning"]
    assert loaded.info["warning"].endswith("; those fields are ignored.")
    assert loaded.info["kind"] == "mlp"


@pytest.mark.parametrize("accuracy", ["NaN", "Infinity", "1.5", "-0.1", "true"])
def test_load_model_sidecar_accuracy_must_be_finite_in_unit_interval(trained, model_dir, accuracy):
    path = save_model(trained.model, model_dir / "run.keras", test_accuracy=0.5)
    text = sidecar_path(path).read_text().replace('"test_accuracy": 0.5', f'"test_accuracy": {accuracy}')
    sidecar_path(path).write_text(text)

    info = load_model(path).info

    assert "test_accuracy" not in info and "test_accuracy" in info["warning"]
