"""Tests for mnist_core.files and errors.shorten: bounded, regular-file-only reading and zip checks."""

import io
import re
import struct
import tracemalloc

import pytest

from mnist_core.errors import DataError, shorten
from mnist_core.files import ZipLimits, format_size, open_zip, read_regular_file
from tests.hostile_zips import declare_unpacked_size, zip_bytes

LIMITS = ZipLimits(max_members=4, max_member_bytes=1000, max_total_bytes=1500, member_bytes={"big": 1200})


def _read(path, max_bytes=100):
    return read_regular_file(
        path, max_bytes=max_bytes, error=DataError, label=f"file {path}", fix="try again"
    )


def _open(data: bytes, limits: ZipLimits = LIMITS):
    return open_zip(
        io.BytesIO(data), limits, error=DataError, label="a.zip", kind="a test archive", fix="redo"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("short.png", "short.png"),
        ("line\nbreak\x00.png", "line?break?.png"),
        ("/a/" + "b" * 200 + "/name.png", "/a/" + "b" * 49 + "…" + "b" * 18 + "/name.png"),
        (12345, "12345"),
    ],
)
def test_shorten_keeps_one_line_of_at_most_80_characters(value, expected):
    assert shorten(value) == expected
    assert len(shorten(value)) <= 80


def test_shorten_huge_value_is_cheap_and_short():
    assert len(shorten("x" * 10**7, limit=20)) == 20


@pytest.mark.parametrize(
    ("size", "text"), [(17, "17 bytes"), (1536, "1.5 KB"), (25 << 20, "25.0 MB"), (3 << 30, "3.0 GB")]
)
def test_format_size(size, text):
    assert format_size(size) == text


def test_read_regular_file_reads_small_file(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 100)

    assert _read(path) == b"x" * 100


def test_read_regular_file_refuses_what_is_not_a_regular_file(tmp_path):
    with pytest.raises(DataError, match=re.escape(f"file {tmp_path} is a directory, not a file; try again.")):
        _read(tmp_path)
    with pytest.raises(DataError, match=r"/dev/zero is a device, not a regular file; try again\.$"):
        _read("/dev/zero")
    with pytest.raises(DataError, match=r"does not exist; try again\.$"):
        _read(tmp_path / "missing" / "a.bin")
    with pytest.raises(DataError, match=r"does not exist; try again\.$"):
        _read(tmp_path / "a.bin" / "under-a-file")  # A path through a file is not "a directory" either.
    with pytest.raises(DataError, match="is not a valid path"):
        _read(str(tmp_path / "nul\x00.bin"))


def test_read_regular_file_too_big_refused_before_reading(tmp_path):
    path = tmp_path / "big.bin"
    with open(path, "wb") as handle:
        handle.truncate(2 << 30)

    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"big\.bin is 2\.0 GB; the limit is 100 bytes; try again\."):
            _read(path)
        assert tracemalloc.get_traced_memory()[1] < 1 << 20
    finally:
        tracemalloc.stop()


def test_read_regular_file_bounded_even_when_size_is_not_reported():
    # /proc files report size 0 but are longer than 10 bytes.
    with pytest.raises(DataError, match="is larger than the limit of 10 bytes; try again"):
        _read("/proc/self/status", max_bytes=10)


def test_open_zip_accepts_archive_within_limits():
    with _open(zip_bytes({"a.txt": b"a" * 500, "big": b"b" * 900})) as archive:
        assert archive.namelist() == ["a.txt", "big"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip", "a.zip is not a zip archive, as a test archive is; redo."),
        (zip_bytes({f"m{i}": b"" for i in range(5)}), "declares 5 members in a"),
        (zip_bytes({"../evil": b"x"}), "a member named '../evil', a path outside the archive"),
        (zip_bytes({"/etc/evil": b"x"}), "a member named '/etc/evil'"),
        (zip_bytes({"C:/evil": b"x"}), "a member named 'C:/evil'"),
        (zip_bytes({"a/..\\..\\evil": b"x"}), "a path outside the archive"),
        (declare_unpacked_size(zip_bytes({"a.txt": b"a"}), "a.txt", 1 << 30), "holds 'a.txt' of 1.0 GB"),
        (declare_unpacked_size(zip_bytes({"big": b"a"}), "big", 1201), "holds 'big' of 1.2 KB once unpacked"),
        (
            zip_bytes({"a": b"a" * 800, "b": b"b" * 800}),
            "a.zip unpacks to 1.6 KB; a test archive unpacks to",
        ),
    ],
    ids=["not zip", "members", "dotdot", "absolute", "drive", "backslashes", "member", "named", "total"],
)
def test_open_zip_refuses_over_limits_and_unsafe_names(data, message):
    with pytest.raises(DataError, match=re.escape(message)) as error:
        _open(data)
    assert str(error.value).endswith("redo.")


def test_open_zip_member_count_checked_before_the_directory_is_read():
    # An end record declaring 60,000 members, with no central directory behind it.
    data = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 60000, 60000, 60000 * 46, 0, 0)

    with pytest.raises(DataError, match="declares 60,000 members"):
        _open(data)
