"""Tests for mnist_core.data: loading and checking npz files, the fallback and the splits."""

import io
import resource
import zipfile

import numpy as np
import pytest

import mnist_core.data as data_module
from mnist_core.data import MAX_NPZ_BYTES, load_fallback, load_mnist, load_npz, make_splits
from mnist_core.errors import DataError


def _arrays(train=50, test=20, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, test, dtype=np.uint8),
    }


def _write(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_load_npz_good_file(tmp_path):
    arrays = _arrays()
    path = _write(tmp_path / "mnist.npz", **arrays)

    data = load_npz(path)

    for key, array in arrays.items():
        np.testing.assert_array_equal(getattr(data, key), array)
        assert getattr(data, key).dtype == np.uint8
        assert not getattr(data, key).flags.writeable
    assert str(path) in data.source
    assert data.is_full is False


def test_load_npz_int64_labels_converted_to_uint8(tmp_path):
    arrays = _arrays()
    arrays["y_train"] = arrays["y_train"].astype(np.int64)

    data = load_npz(_write(tmp_path / "mnist.npz", **arrays))

    assert data.y_train.dtype == np.uint8
    np.testing.assert_array_equal(data.y_train, arrays["y_train"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.pop("y_test"), "lacks y_test"),
        (lambda a: a.update(x_train=np.zeros((50, 32, 32), np.uint8)), r"x_train has shape \(50, 32, 32\)"),
        (lambda a: a.update(x_test=np.zeros((20, 784), np.uint8)), "x_test has shape"),
        (lambda a: a.update(x_train=a["x_train"] / 255.0), "x_train has dtype float64"),
        (lambda a: a.update(y_train=np.full(50, 10, np.uint8)), "y_train holds values outside 0-9"),
        (lambda a: a.update(y_test=np.full(20, -1, np.int16)), "y_test holds values outside 0-9"),
        (lambda a: a.update(y_train=a["y_train"][:49]), "x_train has 50 images but y_train has 49"),
    ],
)
def test_load_npz_malformed_file_raises_naming_file(tmp_path, change, message):
    arrays = _arrays()
    change(arrays)
    path = _write(tmp_path / "bad.npz", **arrays)

    with pytest.raises(DataError, match=message) as error:
        load_npz(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    "content", [b"this is not a zip archive at all", b"PK\x03\x04" + bytes(range(256)), b""]
)
def test_load_npz_garbage_bytes_raises_naming_file(tmp_path, content):
    path = tmp_path / "garbage.npz"
    path.write_bytes(content)

    with pytest.raises(DataError, match=r"not a readable \.npz archive") as error:
        load_npz(path)
    assert str(path) in str(error.value)


def test_load_npz_single_npy_array_raises_data_error(tmp_path):
    # A plain .npy array renamed to .npz loads as an ndarray, not an archive of named arrays.
    path = tmp_path / "mnist.npz"
    with open(path, "wb") as handle:
        np.save(handle, np.zeros((5, 28, 28), np.uint8))

    with pytest.raises(DataError, match="single array") as error:
        load_npz(path)
    assert str(path) in str(error.value)


def test_load_npz_missing_path_raises_naming_file(tmp_path):
    path = tmp_path / "nowhere" / "mnist.npz"

    with pytest.raises(DataError, match="does not exist") as error:
        load_npz(path)
    assert str(path) in str(error.value)


def _offline(*args, **kwargs):
    raise OSError("no network in tests")


def _npy_bytes(array: np.ndarray, shape: tuple | None = None) -> bytes:
    """`array` as .npy bytes, its header declaring `shape` instead when given."""
    buffer = io.BytesIO()
    header = np.lib.format.header_data_from_array_1_0(array)
    if shape is not None:
        header["shape"] = shape
    np.lib.format.write_array_header_1_0(buffer, header)
    buffer.write(array.tobytes())
    return buffer.getvalue()


def _forged_npz(path, **shapes):
    """A small npz whose arrays' headers declare `shapes` (key -> shape) instead of their own."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, array in _arrays().items():
            archive.writestr(f"{key}.npy", _npy_bytes(array, shapes.get(key)))
    return path


def _peak_rss_growth(function) -> int:
    """Bytes by which this process's peak RSS grew while `function` ran."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    function()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        (
            {"x_train": (10**9, 28, 28)},
            r"x_train declares shape \(1000000000, 28, 28\) of uint8 \(730\.2 GB\)",
        ),
        ({"y_test": (10**12,)}, r"y_test declares shape \(1000000000000,\) of uint8 \(931\.3 GB\)"),
        ({"x_train": (400_000, 28, 28)}, r"x_train declares 299\.1 MB of data but holds only 38\.3 KB"),
        ({"x_test": (20, 28, 28, 3)}, r"x_test has shape \(20, 28, 28, 3\); expected \(N, 28, 28\)"),
    ],
    ids=["billion images", "trillion labels", "truncated", "wrong shape"],
)
def test_load_npz_declared_shapes_checked_before_allocating(tmp_path, shapes, message):
    path = _forged_npz(tmp_path / "forged.npz", **shapes)

    def load():
        with pytest.raises(DataError, match=message) as error:
            load_npz(path)
        assert str(error.value).count(". ") == 0

    assert _peak_rss_growth(load) < 200 << 20


def test_load_npz_arrays_together_over_limit_refused(tmp_path):
    images = MAX_NPZ_BYTES // (2 * 784) + 1
    path = _forged_npz(tmp_path / "big.npz", x_train=(images, 28, 28), x_test=(images, 28, 28))

    with pytest.raises(DataError, match=r"its arrays declare 512\.0 MB together; this app reads at most"):
        load_npz(path)


def test_load_npz_object_array_refused_without_pickle_advice(tmp_path):
    path = tmp_path / "objects.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for key, array in _arrays().items():
            if key == "y_train":
                buffer = io.BytesIO()
                header = np.lib.format.header_data_from_array_1_0(np.asarray(array, dtype=object))
                np.lib.format.write_array_header_1_0(buffer, header)
                archive.writestr(f"{key}.npy", buffer.getvalue() + b"\x80\x04N.")  # A pickle of None.
            else:
                archive.writestr(f"{key}.npy", _npy_bytes(array))

    with pytest.raises(DataError, match=r"y_train has dtype object; expected uint8") as error:
        load_npz(path)
    assert "allow_pickle" not in str(error.value)


@pytest.mark.parametrize(
    "content",
    [b"x_train,y_train\n1,2\n", b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00]\x94."],
    ids=["text", "pickle"],
)
def test_load_npz_text_or_pickle_file_said_not_npz_without_pickle_advice(tmp_path, content):
    path = tmp_path / "data.npz"
    path.write_bytes(content)

    with pytest.raises(DataError, match=r"is not a readable \.npz archive \(it is not a zip file") as error:
        load_npz(path)
    assert "allow_pickle" not in str(error.value)


def test_load_npz_directory_and_device_named_for_what_they_are(tmp_path):
    with pytest.raises(DataError, match="is a directory, not a file; point MNIST_NPZ or --data at"):
        load_npz(tmp_path)
    with pytest.raises(DataError, match="MNIST file /dev/zero is a device, not a regular file"):
        load_npz("/dev/zero")


def test_load_npz_too_many_members_refused(tmp_path):
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for key, array in _arrays().items():
            archive.writestr(f"{key}.npy", _npy_bytes(array))
        for index in range(20):
            archive.writestr(f"extra{index}.npy", b"")

    with pytest.raises(DataError, match="declares 24 members"):
        load_npz(path)


def test_load_mnist_lenient_forged_env_file_falls_back_and_keeps_reason(tmp_path, monkeypatch):
    bad = _forged_npz(tmp_path / "forged.npz", x_train=(10**9, 28, 28))
    monkeypatch.setenv("MNIST_NPZ", str(bad))
    monkeypatch.setattr(data_module, "_keras_load_data", _offline)

    data = load_mnist(strict=False)

    assert "Offline fallback" in data.source
    assert "x_train declares shape (1000000000, 28, 28)" in data.source and str(bad) in data.source
    with pytest.raises(DataError, match="x_train declares shape"):
        load_mnist(strict=True)


def test_load_mnist_strict_bad_path_raises(tmp_path, monkeypatch):
    monkeypatch.setattr(data_module, "_keras_load_data", _offline)

    with pytest.raises(DataError, match="does not exist"):
        load_mnist(tmp_path / "missing.npz")


def test_load_mnist_lenient_bad_env_path_falls_back_and_says_why(tmp_path, monkeypatch):
    bad = tmp_path / "missing.npz"
    monkeypatch.setenv("MNIST_NPZ", str(bad))
    monkeypatch.setattr(data_module, "_keras_load_data", _offline)

    data = load_mnist(strict=False)

    assert (len(data.y_train), len(data.y_test)) == (4000, 1000)
    assert str(bad) in data.source and "does not exist" in data.source
    assert "could not download MNIST (OSError)" in data.source
    assert "Offline fallback" in data.source


def test_load_mnist_lenient_corrupt_env_file_falls_back_to_keras(tmp_path, monkeypatch):
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(b"garbage")
    arrays = _arrays()
    monkeypatch.setenv("MNIST_NPZ", str(bad))
    monkeypatch.setattr(data_module, "_keras_load_data", lambda: tuple(arrays.values()))

    data = load_mnist(strict=False)

    np.testing.assert_array_equal(data.x_train, arrays["x_train"])
    assert "not a readable .npz archive" in data.source and "keras.datasets" in data.source


def test_load_mnist_env_path_used(tmp_path, monkeypatch):
    arrays = _arrays(seed=3)
    path = _write(tmp_path / "env.npz", **arrays)
    monkeypatch.setenv("MNIST_NPZ", str(path))
    monkeypatch.setattr(data_module, "_keras_load_data", _offline)

    data = load_mnist()

    np.testing.assert_array_equal(data.y_test, arrays["y_test"])
    assert str(path) in data.source


def test_load_fallback_split_dtype_and_reproducible():
    first, second = load_fallback(), load_fallback(note="Note. ")

    assert first.x_train.shape == (4000, 28, 28) and first.x_test.shape == (1000, 28, 28)
    assert first.y_train.shape == (4000,) and first.y_test.shape == (1000,)
    assert first.x_train.dtype == np.uint8 and first.y_train.dtype == np.uint8
    assert set(np.unique(first.y_train)) == set(range(10))
    assert first.x_train.max() > 200
    assert not first.is_full
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(first, key), getattr(second, key))
    assert second.source.startswith("Note. Offline fallback")


def test_make_splits_default_takes_last_ten_percent_as_views(fallback_data):
    splits = make_splits(fallback_data)

    assert len(splits.y_val) == 400 and len(splits.y_train) == 3600
    np.testing.assert_array_equal(splits.x_val, fallback_data.x_train[-400:])
    np.testing.assert_array_equal(splits.y_val, fallback_data.y_train[-400:])
    np.testing.assert_array_equal(splits.x_train, fallback_data.x_train[:3600])
    for split, source in (
        (splits.x_train, fallback_data.x_train),
        (splits.x_val, fallback_data.x_train),
        (splits.y_val, fallback_data.y_train),
        (splits.x_test, fallback_data.x_test),
    ):
        assert np.shares_memory(split, source)


def test_make_splits_sizes_and_train_size(fallback_data):
    splits = make_splits(fallback_data, validation_size=1000, train_size=500)

    assert len(splits.y_train) == 500 and len(splits.y_val) == 1000
    np.testing.assert_array_equal(splits.y_train, fallback_data.y_train[:500])
    np.testing.assert_array_equal(splits.y_val, fallback_data.y_train[3000:])
    # A train_size beyond what is left keeps everything before the validation set.
    assert len(make_splits(fallback_data, validation_size=1000, train_size=10**6).y_train) == 3000
    assert len(make_splits(fallback_data, validation_size=0).y_val) == 0


@pytest.mark.parametrize("validation_size", [4000, 5000])
def test_make_splits_validation_size_at_least_total_raises(fallback_data, validation_size):
    with pytest.raises(DataError, match="leaves no training data"):
        make_splits(fallback_data, validation_size=validation_size)
