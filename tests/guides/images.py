"""Image files made in memory for the upload tests (no fixture files to keep in the repo)."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F


def image_bytes(fmt: str = "JPEG", size=(800, 600), color=(200, 30, 30), *, exif: bool = False):
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    extra = {}
    if exif:
        data = Image.Exif()
        data[MAKE] = "SecretCam 3000"
        data[GPS_IFD] = {2: (38.0, 42.0, 0.0), 4: (9.0, 8.0, 0.0)}
        extra["exif"] = data.tobytes()
    image.save(out, format=fmt, **extra)
    return out.getvalue()


def upload(data: bytes, name: str = "me.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_claiming(width: int, height: int) -> bytes:
    """A small, valid PNG whose header claims `width` x `height` pixels: a decompression bomb
    as far as any reader of the header can tell, a few hundred bytes on disk."""
    data = bytearray(image_bytes("PNG", size=(8, 8)))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)
