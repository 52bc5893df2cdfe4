"""Profile links: an admin makes them (one, or all without a profile), a recruiter sends
them, the interviewer edits their own photo, title, pronouns, LinkedIn and bio once."""

from __future__ import annotations

import io
import re
import time
import types

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from guides.models import Guide, Interviewer, ProfileInvite
from guides.profile_invites import invite_interviewer
from tests.guides import factories as f
from tests.guides.images import image_bytes, png_claiming, upload

pytestmark = pytest.mark.django_db

LIST = reverse("guides:interviewers")
INVITE_ALL = reverse("guides:invite_all")
PROFILE = {
    "title": "Staff Engineer",
    "pronouns": "she/her",
    "linkedin_url": "https://www.linkedin.com/in/grace",
    "bio": "Writes compilers.",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def grace(tenant_a) -> Interviewer:
    return f.interviewer(tenant_a, "Grace", "Hopper")


def invite_url(person) -> str:
    return reverse("guides:invite_one", args=[person.pk])


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def link_for(tenant, person, user=None) -> str:
    return path_of(invite_interviewer(tenant, person, user=user).url)


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- Making links: the fixed cast ---------------------------------------------------------------


def test_an_admin_confirms_then_gets_the_link_once(tenant_admin_client, grace, admin_user):
    confirm = tenant_admin_client.get(invite_url(grace)).content.decode()
    assert "A profile link for Grace Hopper" in confirm and "Make 1 link" in confirm
    assert ProfileInvite.objects.count() == 0  # GET only asks

    response = tenant_admin_client.post(invite_url(grace))
    html = response.content.decode()
    invite = ProfileInvite.objects.get()
    assert (invite.interviewer, invite.created_by, invite.state) == (grace, admin_user, "live")
    link = re.search(r"http://127\.0\.0\.1:8000/profile/[^<\s]+/", html).group(0)
    assert "Copy them now" in html and response["Cache-Control"].startswith("max-age=0")
    assert tenant_admin_client.get(path_of(link)).status_code == 200
    listing = tenant_admin_client.get(LIST).content.decode()
    assert "Sent; works until" in listing and link not in listing  # never shown twice


def test_a_read_only_member_cannot_make_or_withdraw_links(member_client, grace, tenant_a):
    assert member_client.get(invite_url(grace)).status_code == 403
    assert member_client.post(invite_url(grace)).status_code == 403
    assert member_client.post(INVITE_ALL).status_code == 403
    invite = invite_interviewer(tenant_a, grace, user=None).invite
    revoke = reverse("guides:invite_revoke", args=[invite.pk])
    assert member_client.post(revoke).status_code == 403
    assert ProfileInvite.objects.get().state == "live"
    assert invite_url(grace) not in member_client.get(LIST).content.decode()


def test_an_outsider_cannot_touch_our_interviewers_or_links(outsider_client, grace, tenant_a):
    assert outsider_client.post(invite_url(grace)).status_code == 404
    invite = invite_interviewer(tenant_a, grace, user=None).invite
    revoke = reverse("guides:invite_revoke", args=[invite.pk])
    assert outsider_client.post(revoke).status_code == 404
    outsider_client.post(INVITE_ALL)
    assert list(ProfileInvite.objects.values_list("tenant__slug", flat=True)) == ["acme"]
    assert ProfileInvite.objects.get().state == "live"


def test_anonymous_visitors_are_sent_to_sign_in(client, grace):
    response = client.post(invite_url(grace))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert ProfileInvite.objects.count() == 0


def test_all_without_a_profile_get_one_link_each(tenant_admin_client, tenant_a, tenant_b, grace):
    alan = f.interviewer(tenant_a, "Alan", "Turing")
    f.interviewer(tenant_a, "Has", "Profile", title="CTO")
    f.interviewer(tenant_a, "Gone", "Away", is_enabled=False)
    f.interviewer(tenant_b, "Other", "Tenant")
    invite_interviewer(tenant_a, alan, user=None)  # already has a live link: kept
    confirm = tenant_admin_client.get(INVITE_ALL).content.decode()
    assert "1 link will be made" in confirm and "already have a live link (Alan Turing)" in confirm

    html = tenant_admin_client.post(INVITE_ALL).content.decode()

    assert "1 profile link made" in html and "Grace Hopper" in html
    live = ProfileInvite.objects.filter(used_at=None, revoked_at=None)
    assert sorted(i.interviewer.first_name for i in live) == ["Alan", "Grace"]
    again = tenant_admin_client.post(INVITE_ALL, follow=True).content.decode()
    assert "Everyone without a profile already has a live link." in again


def test_a_new_link_replaces_the_older_one(client, tenant_a, grace):
    old = link_for(tenant_a, grace)
    new = link_for(tenant_a, grace)
    response = client.get(old)
    assert response.status_code == 410 and "replaced or withdrawn" in response.content.decode()
    assert client.get(new).status_code == 200


def test_an_admin_withdraws_a_link_after_confirming(tenant_admin_client, client, tenant_a, grace):
    sent = invite_interviewer(tenant_a, grace, user=None)
    revoke = reverse("guides:invite_revoke", args=[sent.invite.pk])
    assert "Withdraw the link for Grace Hopper?" in tenant_admin_client.get(revoke).content.decode()
    assert client.get(path_of(sent.url)).status_code == 200

    done = tenant_admin_client.post(revoke, follow=True).content.decode()

    assert "The link for Grace Hopper no longer works." in done
    assert client.get(path_of(sent.url)).status_code == 410


# --- The interviewer's page ---------------------------------------------------------------------


def test_the_interviewer_edits_only_their_own_profile_fields(client, tenant_a, grace):
    link = link_for(tenant_a, grace)
    response = client.get(link)
    html = response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer" and "noindex" in response["X-Robots-Tag"]
    assert "Your profile for Acme's candidates" in html
    form = html[html.index("<form") : html.index("</form>")]
    names = set(re.findall(r'name="([a-z_]+)"', form)) - {"csrfmiddlewaretoken"}
    assert names == {"photo", "title", "pronouns", "linkedin_url", "bio"}

    sneaky = {**PROFILE, "display_name": "Admiral", "email": "x@evil.test", "first_name": "X"}
    saved = client.post(link, {**sneaky, "photo": upload(image_bytes(exif=True))})

    assert "your profile is saved" in saved.content.decode()
    grace.refresh_from_db()
    assert (grace.title, grace.pronouns, grace.bio) == (
        "Staff Engineer",
        "she/her",
        "Writes compilers.",
    )
    assert grace.linkedin_url == "https://www.linkedin.com/in/grace"
    assert (grace.display_name, grace.email, grace.first_name) == (
        "",
        "grace.hopper@acme.test",
        "Grace",
    )
    assert grace.photo.name.startswith(f"interviewers/{tenant_a.pk}/")
    with storages["default"].open(grace.photo.name) as stored:
        image = Image.open(io.BytesIO(stored.read()))
    assert image.format == "JPEG" and image.size == (400, 400) and not image.getexif()
    assert ProfileInvite.objects.get().state == "used"


def test_a_used_link_cannot_be_used_again(client, tenant_a, grace):
    link = link_for(tenant_a, grace)
    client.post(link, PROFILE)
    response = client.get(link)
    assert response.status_code == 410 and "used already" in response.content.decode()
    again = client.post(link, {**PROFILE, "title": "Changed"})
    assert again.status_code == 410
    grace.refresh_from_db()
    assert grace.title == "Staff Engineer"


def test_an_expired_link_says_so(client, tenant_a, grace, monkeypatch, settings):
    link = link_for(tenant_a, grace)
    later = time.time() + (settings.GUIDE_PROFILE_LINK_DAYS + 1) * 86400
    monkeypatch.setattr("django.core.signing.time", types.SimpleNamespace(time=lambda: later))
    response = client.post(link, PROFILE)
    assert response.status_code == 410 and "has expired" in response.content.decode()
    grace.refresh_from_db()
    assert grace.title == ""


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
        lambda token: "x" + token[1:],  # the key
        lambda token: token.split(":")[0],  # no signature at all
    ],
)
def test_a_tampered_link_opens_nothing(client, tenant_a, grace, tamper):
    link = link_for(tenant_a, grace)
    token = link.rstrip("/").rsplit("/", 1)[1]
    bad = reverse("guides:own_profile", args=[tamper(token)])
    response = client.post(bad, PROFILE)
    assert response.status_code == 404 and "not valid" in response.content.decode()
    grace.refresh_from_db()
    assert grace.title == "" and ProfileInvite.objects.get().state == "live"


@pytest.mark.parametrize(
    ("photo", "error"),
    [
        (upload(b"just text\n" * 50, "photo.png", "image/png"), "not a JPEG, PNG or WebP image"),
        (upload(image_bytes("GIF"), "cat.gif", "image/gif"), "This is a GIF image"),
        (upload(png_claiming(9000, 9000), "big.png", "image/png"), "9000 x 9000 pixels"),
        (upload(b"\xff\xd8" + b"0" * (5 * 1024 * 1024), "huge.jpg"), "the limit is 5.0"),
    ],
    ids=["text-named-png", "wrong-type", "huge-dimensions", "too-big"],
)
def test_a_bad_upload_gets_a_clear_error_and_changes_nothing(
    client, tenant_a, grace, media, photo, error
):
    link = link_for(tenant_a, grace)
    response = client.post(link, {**PROFILE, "photo": photo})
    html = response.content.decode()
    assert response.status_code == 200
    assert error in html and "Nothing was saved" in html
    grace.refresh_from_db()
    assert grace.title == "" and not grace.photo
    assert ProfileInvite.objects.get().state == "live"  # the link still works
    assert stored_files(media) == []


def test_a_bad_linkedin_address_is_refused(client, tenant_a, grace):
    link = link_for(tenant_a, grace)
    html = client.post(link, {**PROFILE, "linkedin_url": "https://evil.test/in/g"}).content.decode()
    assert "Enter a LinkedIn address (on linkedin.com)." in html
    grace.refresh_from_db()
    assert grace.linkedin_url == ""


def test_a_new_photo_replaces_the_old_file(
    client, tenant_a, grace, media, django_capture_on_commit_callbacks
):
    client.post(link_for(tenant_a, grace), {**PROFILE, "photo": upload(image_bytes())})
    grace.refresh_from_db()
    first = grace.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link_for(tenant_a, grace), {**PROFILE, "photo": upload(image_bytes("PNG"))})
    grace.refresh_from_db()
    assert grace.photo.name != first
    assert [p.name for p in stored_files(media)] == [grace.photo.name.rsplit("/", 1)[1]]


def test_the_interviewer_can_remove_their_photo(
    client, tenant_a, grace, media, django_capture_on_commit_callbacks
):
    client.post(link_for(tenant_a, grace), {**PROFILE, "photo": upload(image_bytes())})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link_for(tenant_a, grace), {**PROFILE, "remove_photo": "on"})
    grace.refresh_from_db()
    assert not grace.photo and stored_files(media) == []


# --- What candidates see ------------------------------------------------------------------------


def test_the_saved_profile_shows_on_the_guide_with_a_cached_photo(client, tenant_a, grace):
    guide, app = f.candidate_with_guide(tenant_a)
    f.event(tenant_a, f.schedule(tenant_a, app), f.at("2099-03-10 14:00"), interviewers=[grace])
    Guide.objects.update(updated_at=f.at("2026-01-01 00:00"))
    client.post(link_for(tenant_a, grace), {**PROFILE, "photo": upload(image_bytes())})
    grace.refresh_from_db()

    html = client.get(reverse("guides:public", args=[guide.token])).content.decode()

    assert "Staff Engineer" in html and "(she/her)" in html and "Writes compilers." in html
    assert 'href="https://www.linkedin.com/in/grace"' in html
    photo_url = f"/media/{grace.photo.name}"
    assert f'src="{photo_url}"' in html and 'alt="Photo of Grace Hopper"' in html
    assert Guide.objects.get().updated_at > f.at("2026-01-01 00:00")  # the guide was touched
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert photo["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(b"".join(photo.streaming_content))).size == (400, 400)


@pytest.mark.parametrize(
    "name",
    ["../guide_project/settings.py", "interviewers/1/short.jpg", "other/1/abcdefghijklmnopq.jpg"],
)
def test_the_media_route_serves_nothing_but_stored_images(client, name):
    assert client.get(f"/media/{name}").status_code == 404


def test_an_admin_uploads_a_photo_too(tenant_admin_client, tenant_a, grace):
    url = reverse("guides:interviewer_edit", args=[grace.pk])
    bad = tenant_admin_client.post(url, {"photo": upload(b"nope" * 30, "a.png")})
    assert "not a JPEG, PNG or WebP image" in bad.content.decode()
    tenant_admin_client.post(url, {"title": "CTO", "photo": upload(image_bytes())})
    grace.refresh_from_db()
    assert grace.title == "CTO" and grace.photo.name.endswith(".jpg")


def test_the_guide_page_reads_the_same_queries_with_profiles_and_photos(client, tenant_a):
    def queries_for(interviews: int) -> int:
        guide, app = f.candidate_with_guide(tenant_a, f"Cand {interviews}")
        people = [
            f.interviewer(
                tenant_a,
                f"P{n}",
                str(interviews),
                photo=f"interviewers/{tenant_a.pk}/{'a' * 20}{n}.jpg",
                title="Engineer",
                bio="Hello",
            )
            for n in range(3)
        ]
        sched = f.schedule(tenant_a, app)
        for _ in range(interviews):
            f.event(tenant_a, sched, f.at("2099-03-10 14:00"), interviewers=people)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("guides:public", args=[guide.token])).content.decode()
        assert html.count("/media/interviewers/") == 3 * interviews
        return len(queries)

    assert queries_for(1) == queries_for(20) == 5


def test_deleting_the_synced_data_deletes_the_photos_too(
    client, tenant_a, grace, media, django_capture_on_commit_callbacks
):
    from guides.services import delete_synced_data

    client.post(link_for(tenant_a, grace), {**PROFILE, "photo": upload(image_bytes())})
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        delete_synced_data(tenant_a)
    assert stored_files(media) == [] and ProfileInvite.objects.count() == 0


def test_the_support_console_cannot_upload_a_photo(client, grace):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))
    html = client.get(f"/admin/guides/interviewer/{grace.pk}/change/").content.decode()
    assert 'type="file"' not in html and "Profile shown to candidates" in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_of_one_link_save_once(tenant_a):
    import threading

    from guides.profile_invites import InviteError
    from guides.profiles import save_own_profile

    grace = f.interviewer(tenant_a, "Grace", "Hopper")
    token = link_for(tenant_a, grace).rstrip("/").rsplit("/", 1)[1]
    start = threading.Barrier(2)
    outcomes = []

    def save(title: str) -> None:
        try:
            start.wait(timeout=10)
            save_own_profile(token, {**PROFILE, "title": title}, photo=None, remove_photo=False)
            outcomes.append(("saved", title))
        except InviteError as error:
            outcomes.append((error.reason, title))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(t,)) for t in ("One", "Two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(reason for reason, _ in outcomes) == ["saved", "used"]
    grace.refresh_from_db()
    assert grace.title == next(title for reason, title in outcomes if reason == "saved")
