"""The candidate's guide in a real browser: on a 390x844 phone the next interview (when, how
to join, with whom) is in the first screen and the process follows; axe-core finds nothing
serious or critical on it (in English and Spanish) nor on the staff pages around it; every
control is reached by the keyboard, in reading order, with a visible focus."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from guides.images import clean_image
from guides.profile_invites import invite_interviewer
from guides.profiles import save_profile
from integrations.webhook_rows import ensure_subscriptions
from tests.e2e.axe import assert_accessible, violations
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_admin_setup import sign_in
from tests.guides import factories as f
from tests.guides.images import image_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def served(live_server, settings, tmp_path):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SESSION_COOKIE_SECURE = False  # plain http on 127.0.0.1
    settings.CSRF_COOKIE_SECURE = False
    settings.MEDIA_ROOT = tmp_path / "media"
    return live_server


def _with_photo(tenant, person, color):
    photo = clean_image(upload(image_bytes(color=color)), max_bytes=10**7, max_side=400)
    save_profile(tenant, person, photo=ContentFile(photo.read(), name=photo.name))
    return person


@pytest.fixture
def guide_url(served, tenant_a):
    """A candidate at the Onsite stage with three interviews to come (the first with two
    interviewers with photos, titles and bios), one past, stage texts and a recruiter."""
    guide, app = f.candidate_with_guide(tenant_a, "Ada Lovelace", timezone="Europe/Madrid")
    app.recruiter = f.interviewer(tenant_a, "Rita", "Cruz", email="rita@acme.test")
    app.save()
    for stage in app.job.interview_plan.stages.all():
        stage.what_to_expect = f"About {stage.title}: who you meet and how to prepare."
        stage.save()
    bio = "Builds the payments platform; ask about on-call and how we review code."
    grace = f.interviewer(tenant_a, "Grace", "Hopper", title="Staff Engineer", pronouns="she/her")
    grace.bio = bio
    alan = f.interviewer(tenant_a, "Alan", "Turing", title="Engineering Manager", bio=bio)
    _with_photo(tenant_a, grace, (30, 90, 160))
    _with_photo(tenant_a, alan, (160, 60, 30))
    sched = f.schedule(tenant_a, app)
    soon = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
    design = f.interview(tenant_a, "SD", external_title="System design")
    f.event(
        tenant_a,
        sched,
        soon,
        minutes=60,
        the_interview=design,
        interviewers=[grace, alan],
        meeting_link="https://meet.example.com/abc-defg-hij",
    )
    f.event(tenant_a, sched, soon + dt.timedelta(days=1), interviewers=[alan], location="HQ")
    f.event(tenant_a, sched, soon + dt.timedelta(days=2), interviewers=[grace])
    f.event(tenant_a, sched, soon - dt.timedelta(days=9), interviewers=[grace])
    return served.url + f"/g/{guide.token}/"


def _first_screen(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))  # the viewport only: what is seen


def test_on_a_phone_the_next_interview_is_in_the_first_screen(browser, guide_url, shots):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.goto(guide_url)
    next_card = page.locator(".next-interview")
    expect(next_card.get_by_role("heading", name="Your next interview")).to_be_visible()
    _first_screen(page, "guide-phone-first-screen")
    shots(page, "guide-phone")

    for part in (
        next_card.locator(".event-when strong"),  # the time, with its zone
        next_card.get_by_role("link", name="Join the video call"),
        next_card.get_by_text("Grace Hopper"),
    ):
        box = part.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], part
    process = page.get_by_role("heading", name="Your process").bounding_box()
    later = page.get_by_role("heading", name="Also coming up").bounding_box()
    assert next_card.bounding_box()["y"] < process["y"] < later["y"]  # the process follows
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert violations(page) == []
    context.close()


def test_on_a_laptop_the_process_sits_beside_the_interviews(browser, guide_url, shots):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(guide_url)
    _first_screen(page, "guide-laptop-first-screen")
    shots(page, "guide-laptop")
    interviews = page.locator(".next-interview").bounding_box()
    process = page.get_by_role("heading", name="Your process").bounding_box()
    assert process["x"] > interviews["x"] + interviews["width"]
    assert abs(process["y"] - interviews["y"]) < 100
    assert violations(page) == []
    context.close()


def test_a_spanish_browser_gets_the_guide_in_spanish_and_it_passes_axe(browser, guide_url, shots):
    context = browser.new_context(viewport=PHONE, locale="es-ES")
    page = context.new_page()
    page.goto(guide_url)
    expect(page.get_by_role("heading", name="Tu próxima entrevista")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    _first_screen(page, "guide-phone-first-screen-es")
    shots(page, "guide-phone-es")
    assert violations(page) == []
    context.close()


def _focus_trail(page, presses: int) -> list[str]:
    trail = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        trail.append(
            page.evaluate(
                r"""() => { const e = document.activeElement;
                  const style = getComputedStyle(e);
                  const seen = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
                  return (seen ? '' : 'UNSEEN ') + e.tagName + ' ' + (e.textContent || '').replace(/\s+/g, ' ').trim(); }"""
            )
        )
    return trail


def test_every_control_of_the_guide_is_reached_by_keyboard_in_reading_order(browser, guide_url):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(guide_url)
    controls = page.evaluate("document.querySelectorAll('a[href], button, input').length")
    trail = _focus_trail(page, controls)

    assert trail[0] == "A Skip to content"
    assert [t for t in trail if t.startswith("UNSEEN")] == []  # focus always visible
    assert len(set(trail)) == controls  # each control once: none skipped, no trap
    join = trail.index("A Join the video call (System design)")
    calendar_all = trail.index("A Add all interviews to your calendar")
    languages = trail.index("A Español")
    assert join < calendar_all < languages  # the next interview first, the footer last
    # The skip link moves the focus past the header, and Enter follows a link.
    page.goto(guide_url)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.goto(guide_url)
    for _ in range(languages + 1):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Tu próxima entrevista")).to_be_visible()
    context.close()


def test_the_staff_pages_around_the_guide_pass_axe(
    browser, served, tenant_a, admin_user, shots, guide_url
):
    ensure_subscriptions(tenant_a)
    grace = tenant_a and f.interviewer(tenant_a, "Linus", "Link")
    link = invite_interviewer(tenant_a, grace, user=admin_user).url
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    assert_accessible(page, [link], shots=shots)  # the interviewer's own page, signed out
    sign_in(page, served.url, admin_user.username)
    base = served.url
    assert_accessible(
        page,
        [
            base + "/settings/integrations/",
            base + "/settings/integrations/ashby/webhooks/",
            base + "/interviewers/",
            base + f"/interviewers/{grace.pk}/invite/",
            base + "/guides/",
            base + "/guides/language/",
            # The Settings > Guide pages (issue 19, point 1) and the email settings (issue 20)
            base + "/settings/guide/",
            base + "/settings/guide/texts/",
            base + "/settings/guide/stages/",
            base + "/settings/guide/interviews/",
            base + "/settings/emails/",
            base + "/settings/emails/templates/reminder/",
        ],
        shots=shots,
    )
    context.close()
