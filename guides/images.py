"""Uploaded images made safe to show: checked by their content, re-encoded from their pixels.

`clean_image(uploaded, max_bytes=..., max_side=...)` reads an upload that claims to be an
image and returns a new file holding only its pixels, or raises a ValidationError whose
message says what is wrong and what to do. Nothing the uploader chose survives: not the
name, not the declared content type, not the metadata (EXIF with GPS positions and camera
serial numbers, XMP, comments, ICC profiles). The order of the checks matters: the size
before anything is read, the format and the dimensions from the header before any pixel is
decoded (a 50,000 x 50,000 PNG is a few kilobytes on disk and gigabytes in memory), and
only then the decode, which also catches a truncated or corrupt file.
"""

from __future__ import annotations

import io
import logging
import secrets
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Formats accepted, by what the file's bytes are (Pillow's sniffing), never by its name.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# No side of an upload may exceed this, nor its area MAX_INPUT_PIXELS (a phone photo is about
# 4,000 x 3,000 = 12 megapixels), so one upload can never exhaust a worker's memory.
MAX_INPUT_SIDE = 8000
MAX_INPUT_PIXELS = 40_000_000
MIN_SIDE = 64
JPEG_QUALITY = 85


def _error(message: str, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params)


def _check_size(uploaded: UploadedFile, max_bytes: int) -> None:
    if uploaded.size is not None and uploaded.size > max_bytes:
        raise _error(
            "The file is %(size)s; the limit is %(limit)s. Choose a smaller image, or export "
            "it at a lower resolution.",
            "too_big",
            size=filesizeformat(uploaded.size),
            limit=filesizeformat(max_bytes),
        )
    if not uploaded.size:
        raise _error("The file is empty. Choose a JPEG, PNG or WebP image.", "empty")


def _open(data: bytes) -> Image.Image:
    """The image's header, read without decoding pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard, for headers claiming far more than MAX_INPUT_PIXELS.
        raise _error(
            "The image has far more pixels than Guide accepts (at most %(side)s pixels a "
            "side, %(mp)s megapixels). Resize it and upload it again.",
            "too_large_dimensions",
            side=MAX_INPUT_SIDE,
            mp=MAX_INPUT_PIXELS // 1_000_000,
        )
    except UnidentifiedImageError:
        raise _error(
            "This file is not a JPEG, PNG or WebP image (whatever its name says). Choose a "
            "photo saved in one of those formats.",
            "not_an_image",
        )
    if image.format not in ACCEPTED_FORMATS:
        raise _error(
            "This is a %(format)s image; Guide takes JPEG, PNG or WebP. Save it in one of "
            "those formats and upload it again.",
            "wrong_format",
            format=image.format or "an unknown",
        )
    return image


def _check_dimensions(image: Image.Image, min_side: int) -> None:
    width, height = image.size
    if max(width, height) > MAX_INPUT_SIDE or width * height > MAX_INPUT_PIXELS:
        raise _error(
            "The image is %(width)s x %(height)s pixels; the largest accepted is %(side)s "
            "pixels a side (%(mp)s megapixels). Resize it and upload it again.",
            "too_large_dimensions",
            width=width,
            height=height,
            side=MAX_INPUT_SIDE,
            mp=MAX_INPUT_PIXELS // 1_000_000,
        )
    if min(width, height) < min_side:
        raise _error(
            "The image is %(width)s x %(height)s pixels; it needs at least %(min)s pixels a "
            "side to look sharp. Choose a larger image.",
            "too_small_dimensions",
            width=width,
            height=height,
            min=min_side,
        )


def _decode(image: Image.Image) -> Image.Image:
    """The pixels, upright (a phone's EXIF orientation applied before it is dropped)."""
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _error(
            "The image could not be read: the file looks damaged or incomplete. Export it "
            "again and upload the new file.",
            "corrupt",
        )
    return upright if upright is not None else image


def _on_white(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white (JPEG has no transparency)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, max_side: int, square: bool) -> bytes:
    if square:
        image = ImageOps.fit(image, (min(max_side, *image.size),) * 2, Image.Resampling.LANCZOS)
    else:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh image with no `exif`, `icc_profile` or comment passed: none is written.
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def clean_image(
    uploaded: UploadedFile,
    *,
    max_bytes: int,
    max_side: int,
    square: bool = False,
    min_side: int = MIN_SIDE,
) -> ContentFile:
    """A validated, resized, metadata-free JPEG made from `uploaded`, named at random.

    Raises ValidationError (a clear message and a code: too_big, empty, not_an_image,
    wrong_format, too_large_dimensions, too_small_dimensions, corrupt) and writes nothing
    when the upload is not acceptable. `square` crops to the centre square first (avatars);
    the result is at most `max_side` pixels a side either way, never enlarged. `min_side` is
    the shortest side accepted (a wide logo is short).
    """
    _check_size(uploaded, max_bytes)
    uploaded.seek(0)
    data = uploaded.read(max_bytes + 1)
    if len(data) > max_bytes:  # a size the client lied about
        raise _error(
            "The file is larger than %(limit)s. Choose a smaller image.",
            "too_big",
            limit=filesizeformat(max_bytes),
        )
    image = _open(data)
    _check_dimensions(image, min_side)
    pixels = _on_white(_decode(image))
    encoded = _encode(pixels, max_side, square)
    logger.info("Image cleaned: %s %sx%s -> %d bytes", image.format, *image.size, len(encoded))
    return ContentFile(encoded, name=f"{secrets.token_urlsafe(18)}.jpg")
