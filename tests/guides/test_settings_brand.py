"""Settings > Brand: the colour (format, contrast against white) and the logo (validated by
content, resized, metadata stripped, stored through the storage API, served with cache
headers), each bad input with its own error and nothing half-saved."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from guides.models import GuideSettings
from tests.guides import factories as f
from tests.guides.settings_helpers import BRAND, exif_with_gps, image_file

pytestmark = pytest.mark.django_db


def _guide_html(client, guide) -> str:
    return client.get(reverse("guides:public", args=[guide.token])).content.decode()


@pytest.mark.parametrize(
    "raw, error",
    [
        ("", "This field is required."),
        ("blue", "Enter a colour as # and six hexadecimal digits"),
        ("#12345", "Enter a colour as # and six hexadecimal digits"),
        ("#ggg000", "Enter a colour as # and six hexadecimal digits"),
        ("#ffcc00", "#ffcc00 has a contrast of 1.5:1 against white"),
        ("#ffffff", "Choose a darker colour, such as"),
    ],
)
def test_a_bad_colour_is_refused_with_what_to_do(tenant_admin_client, tenant_a, raw, error):
    response = tenant_admin_client.post(BRAND, {"brand_color": raw})
    html = response.content.decode()
    assert response.status_code == 200 and error in html
    assert "Nothing was saved" in html
    tenant_a.refresh_from_db()
    assert tenant_a.brand_color == "#4f46e5"


def test_the_swatch_follows_the_typed_colour(tenant_admin_client):
    html = tenant_admin_client.get(BRAND).content.decode()
    assert 'class="swatch" style="background: #4f46e5"' in html and "js/brand-swatch.js" in html


def test_the_suggested_darker_colour_is_accepted(tenant_admin_client, tenant_a):
    html = tenant_admin_client.post(BRAND, {"brand_color": "#ffcc00"}).content.decode()
    suggestion = html.split("such as ")[1][:7]
    response = tenant_admin_client.post(BRAND, {"brand_color": suggestion})
    assert response.status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.brand_color == suggestion


@pytest.mark.parametrize(
    "raw, saved", [("#0B7285", "#0b7285"), ("0b7285", "#0b7285"), ("#036", "#003366")]
)
def test_a_good_colour_is_saved_and_the_guide_uses_it(
    client, tenant_admin_client, tenant_a, raw, saved
):
    guide, _ = f.candidate_with_guide(tenant_a)
    assert "--brand: #4f46e5" in _guide_html(client, guide)
    response = tenant_admin_client.post(BRAND, {"brand_color": raw})
    assert response.status_code == 302 and response["Location"] == BRAND
    assert f"--brand: {saved}" in _guide_html(client, guide)


def test_a_logo_is_resized_stripped_stored_and_shown(client, tenant_admin_client, tenant_a, media):
    guide, _ = f.candidate_with_guide(tenant_a)
    assert 'class="guide-tenant">Acme<' in _guide_html(client, guide)
    upload = image_file("brand.jpg", size=(1800, 400), fmt="JPEG", exif=exif_with_gps())
    response = tenant_admin_client.post(BRAND, {"brand_color": "#0b7285", "logo": upload})
    assert response.status_code == 302

    row = GuideSettings.objects.get(tenant=tenant_a)
    assert row.logo.name.startswith(f"logos/{tenant_a.pk}/") and "brand" not in row.logo.name
    stored = Image.open(media / row.logo.name)
    assert stored.size == (600, 133) and stored.format == "JPEG"
    assert not stored.getexif() and "exif" not in stored.info
    html = _guide_html(client, guide)
    assert f'<img class="guide-logo" src="/media/{row.logo.name}" alt="Acme"' in html

    served = client.get(f"/media/{row.logo.name}")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "upload, error",
    [
        (
            SimpleUploadedFile("logo.png", b"hello, I am text", content_type="image/png"),
            "This file is not a JPEG, PNG or WebP image (whatever its name says)",
        ),
        (image_file("logo.gif", fmt="GIF"), "This is a GIF image; Guide takes JPEG, PNG or WebP"),
        (image_file("tiny.png", size=(200, 10)), "it needs at least 16 pixels a side"),
        (image_file("huge.png", size=(9000, 20)), "the largest accepted is 8000 pixels a side"),
        (
            SimpleUploadedFile("empty.png", b"", content_type="image/png"),
            "The submitted file is empty.",
        ),
    ],
)
def test_a_bad_logo_changes_nothing(tenant_admin_client, tenant_a, media, upload, error):
    response = tenant_admin_client.post(BRAND, {"brand_color": "#000000", "logo": upload})
    html = response.content.decode()
    assert response.status_code == 200 and error in html
    tenant_a.refresh_from_db()
    assert tenant_a.brand_color == "#4f46e5"  # the valid colour was not saved either
    assert not GuideSettings.objects.filter(tenant=tenant_a).exists()
    assert not list(media.rglob("*.*"))


def test_a_logo_over_two_megabytes_is_refused(tenant_admin_client, tenant_a, media):
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024), "image/png")
    html = tenant_admin_client.post(BRAND, {"brand_color": "#000000", "logo": big}).content.decode()
    assert "the limit is 2.0" in html
    assert not list(media.rglob("*.*"))


def test_a_new_logo_replaces_the_old_file_and_removing_it_deletes_it(
    client, tenant_admin_client, tenant_a, media, django_capture_on_commit_callbacks
):
    guide, _ = f.candidate_with_guide(tenant_a)
    tenant_admin_client.post(BRAND, {"brand_color": "#0b7285", "logo": image_file()})
    first = GuideSettings.objects.get(tenant=tenant_a).logo.name
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes after commit
        tenant_admin_client.post(BRAND, {"brand_color": "#0b7285", "logo": image_file("b.png")})
    second = GuideSettings.objects.get(tenant=tenant_a).logo.name
    assert second != first and not (media / first).exists() and (media / second).exists()

    both = tenant_admin_client.post(
        BRAND, {"brand_color": "#0b7285", "logo": image_file(), "remove_logo": "on"}
    )
    assert "Either upload a new logo or remove the current one, not both." in both.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        tenant_admin_client.post(BRAND, {"brand_color": "#0b7285", "remove_logo": "on"})
    assert GuideSettings.objects.get(tenant=tenant_a).logo.name == ""
    assert not (media / second).exists()
    assert 'class="guide-tenant">Acme<' in _guide_html(client, guide)


def test_the_media_view_serves_only_uploads(client, media):
    (media / "secret.txt").write_text("no")
    assert client.get("/media/secret.txt").status_code == 404
    assert client.get("/media/logos/../secret.txt").status_code == 404
    assert client.get("/media/logos/missing.jpg").status_code == 404


def test_the_brand_preview_shows_the_unsaved_colour_and_logo_and_saves_nothing(
    tenant_admin_client, tenant_a, media
):
    guide, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    response = tenant_admin_client.post(
        BRAND,
        {"brand_color": "#0b7285", "logo": image_file(), "preview": "1", "preview_guide": guide.pk},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Preview of unsaved settings on Ada Lovelace" in html
    assert "--brand: #0b7285" in html and 'src="data:image/jpeg;base64,' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"
    tenant_a.refresh_from_db()
    assert tenant_a.brand_color == "#4f46e5"
    assert not GuideSettings.objects.filter(tenant=tenant_a).exists()
    assert not list(media.rglob("*.*"))


def test_a_logo_set_by_url_in_the_console_still_shows_until_one_is_uploaded(client, tenant_a):
    tenant_a.logo_url = "https://cdn.example.com/acme.png"
    tenant_a.save()
    guide, _ = f.candidate_with_guide(tenant_a)
    assert 'src="https://cdn.example.com/acme.png"' in _guide_html(client, guide)


def test_the_stored_image_is_a_fresh_encode(media, tenant_admin_client, tenant_a):
    png = io.BytesIO()
    Image.new("RGBA", (120, 60), (0, 0, 0, 0)).save(png, format="PNG")
    upload = SimpleUploadedFile("t.png", png.getvalue(), content_type="image/png")
    tenant_admin_client.post(BRAND, {"brand_color": "#000000", "logo": upload})
    row = GuideSettings.objects.get(tenant=tenant_a)
    stored = Image.open(media / row.logo.name)
    assert stored.mode == "RGB" and stored.getpixel((5, 5)) == (255, 255, 255)  # on white
