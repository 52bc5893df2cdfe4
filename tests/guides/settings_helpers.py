"""Helpers of the Settings pages' tests: images made in memory and the page URLs."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

BRAND = reverse("guides:settings_brand")
TEXTS = reverse("guides:settings_texts")
STAGES = reverse("guides:settings_stages")
INTERVIEWS = reverse("guides:settings_interviews")
PAGES = [BRAND, TEXTS, STAGES, INTERVIEWS]


def image_file(
    name: str = "logo.png", size=(300, 80), fmt: str = "PNG", exif: bytes | None = None
) -> SimpleUploadedFile:
    out = io.BytesIO()
    extra = {"exif": exif} if exif else {}
    Image.new("RGB", size, (12, 80, 160)).save(out, format=fmt, **extra)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


def exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 30.0)}  # GPSInfo
    return exif.tobytes()
