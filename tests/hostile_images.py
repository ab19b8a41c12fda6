"""Building hostile and clumsy image files for the tests: damaged, mislabelled, too small or too thin."""

import io
import struct

from PIL import Image, ImageDraw


def encode(image: Image.Image, image_format: str, **options) -> bytes:
    """The bytes of `image` saved in `image_format`."""
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def tiff_second_page_without_size() -> bytes:
    """A two-page TIFF whose second directory lacks its width and height tags."""
    page = Image.new("L", (40, 40), 0)
    data = bytearray(encode(page, "TIFF", save_all=True, append_images=[page]))
    first = struct.unpack_from("<L", data, 4)[0]
    second = struct.unpack_from("<L", data, first + 2 + 12 * struct.unpack_from("<H", data, first)[0])[0]
    for index in range(struct.unpack_from("<H", data, second)[0]):
        entry = second + 2 + 12 * index
        if struct.unpack_from("<H", data, entry)[0] in (256, 257):  # ImageWidth, ImageLength.
            struct.pack_into("<H", data, entry, 65000 + index)
    return bytes(data)


def gif_with_last_byte(last: bytes) -> bytes:
    """A GIF whose trailer `;` is replaced: "!" starts an empty extension, "," an image with no header."""
    image = Image.new("L", (40, 40), 0)
    ImageDraw.Draw(image).line([(5, 5), (35, 35)], fill=255, width=4)
    return encode(image, "GIF")[:-1] + last


EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 40 40\nnewpath 5 5 moveto 35 35 lineto stroke\nshowpage\n"
