"""guides.images.clean_image: the type from the bytes, the size and dimensions checked before
decoding, the result resized, square when asked, and stripped of every piece of metadata."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from guides.images import clean_image
from tests.guides.images import image_bytes, png_claiming, upload

LIMIT = 5 * 1024 * 1024


def clean(data: bytes, name="me.jpg", **options):
    return clean_image(upload(data, name), **{"max_bytes": LIMIT, "max_side": 400, **options})


def error_of(data: bytes, **options) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean(data, **options)
    return caught.value


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_it_accepts_jpeg_png_and_webp_and_gives_a_jpeg(fmt):
    result = clean(image_bytes(fmt), name=f"x.{fmt.lower()}")
    image = Image.open(io.BytesIO(result.read()))
    assert image.format == "JPEG" and image.size == (400, 300)
    assert result.name.endswith(".jpg") and "x." not in result.name


def test_square_crops_the_centre_and_never_enlarges():
    image = Image.open(clean(image_bytes(size=(900, 600)), square=True))
    assert image.size == (400, 400)
    small = Image.open(clean(image_bytes(size=(120, 200)), square=True))
    assert small.size == (120, 120)


def test_metadata_is_stripped():
    original = image_bytes(exif=True)
    assert b"SecretCam" in original and Image.open(io.BytesIO(original)).getexif()
    cleaned = clean(original).read()
    assert b"SecretCam" not in cleaned and b"Exif" not in cleaned
    assert not Image.open(io.BytesIO(cleaned)).getexif()


def test_a_transparent_png_is_put_on_white():
    out = io.BytesIO()
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).save(out, "PNG")
    pixel = Image.open(clean(out.getvalue())).getpixel((50, 50))
    assert min(pixel) > 245


def test_a_text_file_named_png_is_refused():
    error = error_of(b"hello, I am not a picture\n" * 20, name="photo.png")
    assert error.code == "not_an_image"
    assert "not a JPEG, PNG or WebP image" in error.message


def test_another_image_format_is_named_in_the_error():
    error = error_of(image_bytes("GIF"))
    assert error.code == "wrong_format" and "This is a %(format)s image" in error.message
    assert error.params["format"] == "GIF"


def test_too_big_is_refused_before_reading():
    error = error_of(image_bytes(), max_bytes=1000)
    assert error.code == "too_big"
    assert error.params["limit"] == "1000\xa0bytes"


def test_an_empty_file_is_refused():
    assert error_of(b"").code == "empty"


def test_huge_dimensions_are_refused_from_the_header():
    error = error_of(png_claiming(9000, 9000))
    assert error.code == "too_large_dimensions"
    assert (error.params["width"], error.params["height"]) == (9000, 9000)


def test_a_decompression_bomb_is_refused_too():
    error = error_of(png_claiming(60000, 60000))  # 3.6 gigapixels claimed in 100 bytes
    assert error.code == "too_large_dimensions" and "far more pixels" in error.message


def test_tiny_images_are_refused():
    assert error_of(image_bytes(size=(20, 20))).code == "too_small_dimensions"


def test_a_truncated_file_is_refused_as_damaged():
    data = image_bytes("PNG", size=(300, 300), color=(1, 2, 3))
    assert error_of(data[: len(data) // 2]).code == "corrupt"
