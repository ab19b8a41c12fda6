"""Building hostile zip archives for the tests: small on disk, whatever their directory declares."""

import io
import struct
import zipfile


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    """A zip archive holding `members` (name -> content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def declare_unpacked_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s unpacked size in the central directory changed to `size` (< 4 GB)."""
    patched = bytearray(data)
    entry = patched.find(b"PK\x01\x02")
    while entry >= 0:
        name_length = struct.unpack_from("<H", patched, entry + 28)[0]
        if patched[entry + 46 : entry + 46 + name_length] == name.encode():
            struct.pack_into("<L", patched, entry + 24, size)
        entry = patched.find(b"PK\x01\x02", entry + 4)
    return bytes(patched)


def with_members(data: bytes, members: dict[str, bytes]) -> bytes:
    """A copy of the archive `data` with `members` added (or replacing members of the same name)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        kept = {info.filename: source.read(info) for info in source.infolist()}
    kept.update(members)
    return zip_bytes(kept)
