"""An image's size from its header, before anything decodes it: a 2 MB PNG may declare 30000x30000 pixels.

`inspect_image(data)` reads the header of PNG, JPEG, WebP, GIF, BMP, TIFF, PNM and KTX2 data and returns
the format and size, or raises `ImageHeaderError` saying what is wrong. It also walks a PNG's chunks, so
that a chunk whose length runs past the end of the data (which makes decoders allocate gigabytes) is
refused, and a JPEG's segments up to its frame header. Nothing here allocates more than the data.

`decode_bounded(data, max_pixels)` decodes with OpenCV only what passed; an image over the limit is
refused (decoding a tiny JPEG that declares 30000x30000 at 1/8 still takes 1.5 s and 90 MB).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np


class ImageHeaderError(ValueError):
    """The data is not an image this module knows, or its header is broken."""


class ImageTooBig(ImageHeaderError):
    """The header declares more pixels than the caller allows."""


@dataclass(frozen=True)
class ImageHeader:
    format: str  # "png", "jpeg", "webp", "gif", "bmp", "tiff", "pnm", "ktx2"
    width_px: int
    height_px: int

    @property
    def pixels(self) -> int:
        return self.width_px * self.height_px

    def describe(self) -> str:
        return f"{self.width_px}x{self.height_px} px ({self.pixels / 1e6:.1f} Mpx)"


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_KTX2_SIGNATURE = b"\xabKTX 20\xbb\r\n\x1a\n"
_JPEG_FRAME_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def inspect_image(data: bytes) -> ImageHeader:
    """The format and size that `data` declares; ImageHeaderError when unknown or broken."""
    for signature, reader in _READERS:
        if data.startswith(signature):
            try:
                header = reader(data)
            except (struct.error, IndexError, ValueError) as exc:
                if isinstance(exc, ImageHeaderError):
                    raise
                raise ImageHeaderError("its header is cut short") from None
            if header.width_px < 1 or header.height_px < 1:
                raise ImageHeaderError(f"its header declares {header.width_px}x{header.height_px} pixels")
            return header
    raise ImageHeaderError("not a PNG, JPEG, WebP, GIF, BMP, TIFF, PNM or KTX2 image")


def _png(data: bytes) -> ImageHeader:
    offset, width, height, seen_ihdr = 8, 0, 0, False
    while True:
        if offset + 12 > len(data):
            raise ImageHeaderError("a PNG cut short (no IEND chunk)")
        length, kind = struct.unpack_from(">I4s", data, offset)
        if length > len(data) - offset - 12:
            raise ImageHeaderError(
                f"a PNG chunk '{kind.decode('latin-1')}' claims {length} bytes past the end"
            )
        if not seen_ihdr:
            if kind != b"IHDR" or length < 8:
                raise ImageHeaderError("a PNG without its IHDR header first")
            width, height = struct.unpack_from(">II", data, offset + 8)
            seen_ihdr = True
        if kind == b"IEND":
            return ImageHeader("png", width, height)
        offset += 12 + length


def _jpeg(data: bytes) -> ImageHeader:
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            raise ImageHeaderError("a JPEG whose segments are broken")
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            offset += 2
            continue
        (length,) = struct.unpack_from(">H", data, offset + 2)
        if length < 2 or offset + 2 + length > len(data):
            raise ImageHeaderError("a JPEG segment runs past the end")
        if marker in _JPEG_FRAME_MARKERS:
            height, width = struct.unpack_from(">HH", data, offset + 5)
            return ImageHeader("jpeg", width, height)
        if marker in (0xD9, 0xDA):  # end of image or scan data before a frame header
            break
        offset += 2 + length
    raise ImageHeaderError("a JPEG without a frame header")


def _webp(data: bytes) -> ImageHeader:
    if data[8:12] != b"WEBP":
        raise ImageHeaderError("a RIFF file that is not WebP")
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
    elif chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8 ":
        width, height = struct.unpack_from("<HH", data, 26)
        width, height = width & 0x3FFF, height & 0x3FFF
    else:
        raise ImageHeaderError("a WebP of an unknown kind")
    if len(data) < 30:
        raise ImageHeaderError("a WebP cut short")
    return ImageHeader("webp", width, height)


def _gif(data: bytes) -> ImageHeader:
    width, height = struct.unpack_from("<HH", data, 6)
    return ImageHeader("gif", width, height)


def _bmp(data: bytes) -> ImageHeader:
    (header_size,) = struct.unpack_from("<I", data, 14)
    if header_size == 12:
        width, height = struct.unpack_from("<HH", data, 18)
    else:
        width, height = struct.unpack_from("<ii", data, 18)
    return ImageHeader("bmp", abs(width), abs(height))


def _tiff(data: bytes) -> ImageHeader:
    order = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(order + "I", data, 4)
    (count,) = struct.unpack_from(order + "H", data, ifd)
    sizes: dict[int, int] = {}
    for index in range(min(count, 4096)):
        tag, kind, _, value = struct.unpack_from(order + "HHI4s", data, ifd + 2 + 12 * index)
        if tag in (256, 257):
            sizes[tag] = struct.unpack_from(order + ("H" if kind == 3 else "I"), value)[0]
    if 256 not in sizes or 257 not in sizes:
        raise ImageHeaderError("a TIFF without its width and length")
    return ImageHeader("tiff", sizes[256], sizes[257])


def _pnm(data: bytes) -> ImageHeader:
    fields: list[int] = []
    for line in data[2:4096].split(b"\n"):
        for word in line.split(b"#")[0].split():
            fields.append(int(word))
            if len(fields) == 2:
                return ImageHeader("pnm", fields[0], fields[1])
    raise ImageHeaderError("a PNM without its size")


def _ktx2(data: bytes) -> ImageHeader:
    width, height = struct.unpack_from("<II", data, 20)
    return ImageHeader("ktx2", width, max(1, height))


_READERS = (
    (_PNG_SIGNATURE, _png),
    (b"\xff\xd8", _jpeg),
    (b"RIFF", _webp),
    (b"GIF87a", _gif),
    (b"GIF89a", _gif),
    (b"BM", _bmp),
    (b"II*\x00", _tiff),
    (b"MM\x00*", _tiff),
    *((f"P{n}".encode(), _pnm) for n in range(1, 7)),
    (_KTX2_SIGNATURE, _ktx2),
)


def decode_bounded(data: bytes, max_pixels: int, color: bool = False) -> np.ndarray:
    """The image in `data` as OpenCV decodes it (BGR/BGRA/grey, `color`: always BGR), at most
    `max_pixels` large; ImageHeaderError when it is unknown, broken, or too big to decode safely."""
    import cv2

    header = inspect_image(data)
    if header.format == "ktx2":
        raise ImageHeaderError("a KTX2 texture, which arwed cannot decode")
    if header.pixels > max_pixels:
        raise ImageTooBig(f"{header.describe()}, over the {max_pixels / 1e6:.1f} Mpx limit")
    flags = cv2.IMREAD_COLOR if color else cv2.IMREAD_UNCHANGED
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if image is None or image.size == 0:
        raise ImageHeaderError(f"a {header.format.upper()} whose image data cannot be decoded")
    return image
