"""Files a user names or uploads: regular files only, sizes checked before reading.

Every reader of such a file (images, MNIST archives, models and their
sidecars) goes through here, so a directory, a pipe, a device or a huge file
is refused in one sentence before a byte is read, and a zip archive's central
directory is checked against limits before anything in it is decompressed.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

from mnist_core.errors import MnistCoreError, shorten

_KINDS = (
    (stat.S_ISDIR, "a directory, not a file"),
    (stat.S_ISFIFO, "a named pipe (FIFO), not a regular file"),
    (stat.S_ISCHR, "a device, not a regular file"),
    (stat.S_ISBLK, "a device, not a regular file"),
    (stat.S_ISSOCK, "a socket, not a regular file"),
)


def format_size(size: int) -> str:
    """1536 -> "1.5 KB", 3 * 1024**3 -> "3.0 GB" (binary units, as file managers show them)."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size} bytes"


def check_size(size: int, max_bytes: int, *, error: type[MnistCoreError], label: str, fix: str) -> None:
    """Refuses `size` bytes over `max_bytes`, as "LABEL is 3.0 GB; the limit is ...".

    Raises:
        error: The size is over the limit.
    """
    if size > max_bytes:
        raise error(f"{label} is {format_size(size)}; the limit is {format_size(max_bytes)}; {fix}.")


def open_regular_file(
    path: str | os.PathLike,
    *,
    max_bytes: int,
    error: type[MnistCoreError],
    label: str,
    fix: str,
    too_big: str = "",
) -> BinaryIO:
    """Opens `path` for binary reading if it is a regular file of at most `max_bytes`.

    Args:
        path: The file.
        max_bytes: The largest size accepted.
        error: The exception class to raise.
        label: How messages name the file, e.g. "model file cnn.keras".
        fix: What to do instead, ending a message: "check the path".
        too_big: What to do about a file over the limit (default: `fix`).

    Raises:
        error: Missing, not a regular file (a directory, a FIFO, a device),
            unreadable or over the limit.
    """
    # Stat first, so that a FIFO or a device is never opened at all.
    try:
        before_opening = os.stat(path)
    except (OSError, ValueError) as problem:
        raise _refusal(problem, error, label, fix) from None
    _check_kind(before_opening, label, fix, error)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except (OSError, ValueError) as problem:
        raise _refusal(problem, error, label, fix) from None
    try:
        info = os.fstat(descriptor)  # The file opened, even if it was swapped after the stat.
        _check_kind(info, label, fix, error)
        check_size(info.st_size, max_bytes, error=error, label=label, fix=too_big or fix)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular_file(
    path: str | os.PathLike,
    *,
    max_bytes: int,
    error: type[MnistCoreError],
    label: str,
    fix: str,
    too_big: str = "",
) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; see `open_regular_file`.

    At most `max_bytes + 1` bytes are ever read, even from a file whose size
    the system reports as 0 (files in /proc) or that grows meanwhile.
    """
    with open_regular_file(
        path, max_bytes=max_bytes, error=error, label=label, fix=fix, too_big=too_big
    ) as handle:
        try:
            data = handle.read(max_bytes + 1)
        except OSError as problem:
            raise _refusal(problem, error, label, fix) from None
    if len(data) > max_bytes:
        raise error(f"{label} is larger than the limit of {format_size(max_bytes)}; {too_big or fix}.")
    return data


def _refusal(
    problem: OSError | ValueError, error: type[MnistCoreError], label: str, fix: str
) -> MnistCoreError:
    if isinstance(problem, (FileNotFoundError, NotADirectoryError)):
        return error(f"{label} does not exist; {fix}.")
    if isinstance(problem, PermissionError):
        return error(f"{label} cannot be read (permission denied); {fix}.")
    if isinstance(problem, OSError):
        return error(f"{label} cannot be opened ({shorten(problem.strerror or problem)}); {fix}.")
    return error(f"{label} is not a valid path ({shorten(problem)}); {fix}.")  # A NUL in the path.


def _check_kind(info: os.stat_result, label: str, fix: str, error: type[MnistCoreError]) -> None:
    for test, kind in _KINDS:
        if test(info.st_mode):
            raise error(f"{label} is {kind}; {fix}.")


@dataclass(frozen=True)
class ZipLimits:
    """What a zip archive may hold, as its central directory declares it.

    Attributes:
        max_members: Entries in the archive (folders included).
        max_member_bytes: Unpacked size of any member not named in `member_bytes`.
        max_total_bytes: Unpacked size of all members together.
        member_bytes: Unpacked size limits for particular member names.
    """

    max_members: int
    max_member_bytes: int
    max_total_bytes: int
    member_bytes: dict[str, int] = field(default_factory=dict)


# Each central directory entry is 46 bytes plus a name, an extra field and a
# comment of up to 64 KB each; real ones are well under 1 KB.
_DIRECTORY_BYTES_PER_MEMBER = 64 << 10
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")


def open_zip(
    handle: BinaryIO,
    limits: ZipLimits,
    *,
    error: type[MnistCoreError],
    label: str,
    kind: str,
    fix: str,
) -> zipfile.ZipFile:
    """Opens a zip archive after checking its member count, names and unpacked sizes.

    The count and the central directory's size are read from the archive's end
    record first, so even an archive declaring millions of members costs no
    memory; the members' names and declared sizes are then checked before any
    member is decompressed. (A member never yields more than its declared
    size: Python's zipfile stops reading there.)

    Args:
        handle: The archive, open for binary reading and seekable.
        limits: What the archive may hold.
        error: The exception class to raise.
        label: How messages name the file.
        kind: What such an archive is, for messages: "a .keras model".
        fix: What to do instead, ending a message.

    Raises:
        error: Not a zip archive, or over a limit, or a member's name is
            absolute or climbs out of the archive with "..".
    """
    size = handle.seek(0, os.SEEK_END)
    declared = _end_record(handle, size)
    if declared is None:
        raise error(f"{label} is not a zip archive, as {kind} is; {fix}.")
    members, directory_bytes = declared
    if members > limits.max_members or directory_bytes > limits.max_members * _DIRECTORY_BYTES_PER_MEMBER:
        raise error(
            f"{label} declares {members:,} members in a {format_size(directory_bytes)} directory; "
            f"{kind} has at most {limits.max_members}, so it is refused; {fix}."
        )
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as problem:
        raise error(f"{label} is a damaged zip archive ({shorten(problem)}); {fix}.") from None
    try:
        _check_members(archive.infolist(), limits, error=error, label=label, kind=kind, fix=fix)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_members(
    members: list[zipfile.ZipInfo],
    limits: ZipLimits,
    *,
    error: type[MnistCoreError],
    label: str,
    kind: str,
    fix: str,
) -> None:
    if len(members) > limits.max_members:
        raise error(
            f"{label} holds {len(members):,} members; {kind} has at most {limits.max_members}, "
            f"so it is refused; {fix}."
        )
    total = 0
    for member in members:
        name = member.filename
        if _escapes_archive(name):
            raise error(
                f"{label} holds a member named '{shorten(name)}', a path outside the archive "
                f"(absolute or climbing out with '..'), so it is refused; {fix}."
            )
        limit = limits.member_bytes.get(name, limits.max_member_bytes)
        if member.file_size > limit:
            raise error(
                f"{label} holds '{shorten(name)}' of {format_size(member.file_size)} once unpacked "
                f"({format_size(member.compress_size)} packed); in {kind} it is at most "
                f"{format_size(limit)}, so the file is refused as a possible decompression bomb; {fix}."
            )
        total += member.file_size
    if total > limits.max_total_bytes:
        raise error(
            f"{label} unpacks to {format_size(total)}; {kind} unpacks to at most "
            f"{format_size(limits.max_total_bytes)}, so the file is refused as a possible "
            f"decompression bomb; {fix}."
        )


def _escapes_archive(name: str) -> bool:
    parts = re.split(r"[/\\]", name)
    return (
        not name
        or "\x00" in name
        or name.startswith(("/", "\\"))
        or re.match(r"[A-Za-z]:", name) is not None
        or ".." in parts
    )


def _end_record(handle: BinaryIO, size: int) -> tuple[int, int] | None:
    """(members, central directory bytes) as the archive's end record declares them.

    Found the way Python's zipfile finds it: the last end-record signature in
    the final 64 KB (the longest comment) plus 22 bytes; a ZIP64 end record,
    when present, sits just before it.
    """
    tail_size = min(size, _END_RECORD.size + 0xFFFF)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    start = tail.rfind(b"PK\x05\x06")
    if start < 0 or len(tail) - start < _END_RECORD.size:
        return None
    fields = _END_RECORD.unpack_from(tail, start)
    members, directory_bytes = fields[4], fields[5]
    record_at = size - tail_size + start - _ZIP64_LOCATOR.size - _ZIP64_END_RECORD.size
    if record_at >= 0:
        handle.seek(record_at)
        before = handle.read(_ZIP64_END_RECORD.size + _ZIP64_LOCATOR.size)
        if before[_ZIP64_END_RECORD.size :][:4] == b"PK\x06\x07" and before[:4] == b"PK\x06\x06":
            record = _ZIP64_END_RECORD.unpack_from(before)
            members, directory_bytes = record[7], record[8]
    return members, directory_bytes
