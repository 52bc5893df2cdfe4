"""The candidate's guide at /g/<token>/: content, states, time zones, privacy and speed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guides.guide_page import build_guide_context
from guides.models import Application, Guide, InterviewEvent
from guides.timefmt import format_duration
from tests.guides import factories as f

pytestmark = pytest.mark.django_db

NOW = f.at("2026-03-01 12:00")


@pytest.fixture
def frozen_now(monkeypatch):
    """The clock the views read is fixed at NOW (2026-03-01 12:00 UTC)."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def page(client, guide: Guide):
    response = client.get(reverse("guides:public", args=[guide.token]))
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    """The page's visible text with tags removed and spaces collapsed, for phrase checks."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([,.;:])", r"\1", text).strip()


def schedule_one(tenant, app, start, **extra):
    sched = f.schedule(tenant, app, status=extra.pop("status", "Scheduled"))
    return f.event(tenant, sched, start, **extra)


# --- Content -----------------------------------------------------------------------------------


def test_it_greets_the_candidate_with_the_job_and_the_tenant_brand(client, tenant_a, frozen_now):
    tenant_a.brand_color = "#0b7285"
    tenant_a.logo_url = "https://cdn.example.com/acme.png"
    tenant_a.save()
    guide, app = f.candidate_with_guide(tenant_a, "Ada King Lovelace")

    html = page(client, guide)

    assert "Hi Ada, welcome" in html
    assert "Backend Engineer" in html and "Engineering" in html and "Lisbon" in html
    assert '<img class="guide-logo" src="https://cdn.example.com/acme.png" alt="Acme"' in html
    assert "--brand: #0b7285" in html
    assert '<html lang="en">' in html
    assert len(re.findall(r"<h1[ >]", html)) == 1


def test_a_bad_brand_colour_falls_back_to_the_default(client, tenant_a, frozen_now):
    guide, _ = f.candidate_with_guide(tenant_a)
    tenant_a.brand_color = "red;}<>"  # 7 characters, written around the model validator
    tenant_a.save()
    html = page(client, guide)
    assert "--brand: #4f46e5" in html
    assert "red;}" not in html


def test_it_shows_the_process_with_candidate_facing_names_and_where_they_are(
    client, tenant_a, frozen_now
):
    guide, app = f.candidate_with_guide(tenant_a)
    plan = app.job.interview_plan
    screen = f.stage(plan, "Recruiter screen")
    screen.candidate_title = "Chat with a recruiter"
    screen.save()
    onsite = f.stage(plan, "Onsite")
    onsite.candidate_title = "Meet the team"
    onsite.what_to_expect = "Four conversations with the team, with a lunch break."
    onsite.save()
    offer = f.stage(plan, "Offer")
    offer.what_to_expect = "We talk through the offer together."
    offer.save()

    html = page(client, guide)
    text = text_of(html)

    assert "You are at Meet the team; next comes Offer." in text
    assert "Chat with a recruiter" in html and "Recruiter screen" not in html
    assert "Four conversations with the team" in html
    assert "We talk through the offer together." in html
    assert "New lead" not in html  # Lead stage type: not a step
    assert ">Archived<" not in html and "Archived " not in text  # Archived stage type: not a step
    steps = re.findall(r'<li class="step step-(\w+)"', html)
    # Application review, Chat with a recruiter, Meet the team, Offer, Hired.
    assert steps == ["done", "done", "current", "upcoming", "upcoming"]
    assert 'class="step step-current" aria-current="step"' in html


def test_it_shows_upcoming_interviews_in_the_candidates_zone_with_the_interviewers(
    client, tenant_a, frozen_now
):
    guide, app = f.candidate_with_guide(tenant_a, timezone="Europe/Lisbon")
    grace = f.interviewer(
        tenant_a,
        "Grace",
        "Hopper",
        title="Staff Engineer",
        photo_url="https://img.example.com/grace.jpg",
        pronouns="she/her",
        bio="Writes compilers.\nLikes nanoseconds.",
        linkedin_url="https://www.linkedin.com/in/grace",
    )
    alan = f.interviewer(tenant_a, "Alan", "Turing", display_name="Alan M. Turing")
    interview = f.interview(tenant_a, "SD-2 internal name", external_title="System design")
    schedule_one(
        tenant_a,
        app,
        f.at("2026-03-10 14:00"),
        minutes=45,
        the_interview=interview,
        interviewers=[grace, alan],
        location="Rua Augusta 1, Lisbon",
        meeting_link="https://meet.example.com/abc-def",
    )

    html = page(client, guide)
    text = text_of(html)

    assert "Times are shown in your time zone: Europe/Lisbon." in text
    assert "Tuesday, 10 March 2026" in html
    assert "2:00 PM – 2:45 PM WET" in html
    assert "45 minutes" in html
    assert "System design" in html and "SD-2 internal name" not in html
    assert "Rua Augusta 1, Lisbon" in html
    assert 'href="https://meet.example.com/abc-def"' in html
    assert "Meet your interviewers" in html
    assert 'src="https://img.example.com/grace.jpg" alt="Photo of Grace Hopper"' in html
    assert "(she/her)" in html and "Staff Engineer" in html
    assert "Writes compilers.<br>Likes nanoseconds." in html
    assert 'href="https://www.linkedin.com/in/grace"' in html
    # No photo: a monogram from the name shown to candidates.
    assert "Alan M. Turing" in html
    assert '<span class="avatar monogram" aria-hidden="true">AM</span>' in html


def test_it_falls_back_to_the_tenant_zone_and_says_so(client, tenant_a, frozen_now):
    guide, app = f.candidate_with_guide(tenant_a, timezone="")
    schedule_one(tenant_a, app, f.at("2026-03-02 15:00"))
    text = text_of(page(client, guide))
    assert "Times are shown in America/New York time, Acme's time zone." in text
    assert "10:00 AM – 11:00 AM EST" in text


def test_an_unknown_candidate_zone_falls_back_to_the_tenant_zone(client, tenant_a, frozen_now):
    guide, app = f.candidate_with_guide(tenant_a, timezone="Mars/Olympus_Mons")
    schedule_one(tenant_a, app, f.at("2026-03-02 15:00"))
    text = text_of(page(client, guide))
    assert "America/New York time, Acme's time zone" in text
    assert "10:00 AM – 11:00 AM EST" in text


def test_past_interviews_are_listed_apart(client, tenant_a, frozen_now):
    guide, app = f.candidate_with_guide(tenant_a)
    sched = f.schedule(tenant_a, app)
    done = f.interview(tenant_a, "Recruiter call")
    soon = f.interview(tenant_a, "Pairing session")
    f.event(tenant_a, sched, f.at("2026-02-20 15:00"), the_interview=done)
    f.event(tenant_a, sched, f.at("2026-03-05 15:00"), the_interview=soon)

    html = page(client, guide)
    upcoming = html.split('id="upcoming-title"')[1].split('id="past-title"')[0]
    past = html.split('id="past-title"')[1]
    assert "Pairing session" in upcoming and "Recruiter call" not in upcoming
    assert "Recruiter call" in past and "Pairing session" not in past


def test_an_interview_in_progress_is_still_upcoming(tenant_a):
    guide, app = f.candidate_with_guide(tenant_a)
    schedule_one(tenant_a, app, NOW - dt.timedelta(minutes=30), minutes=60)
    context = build_guide_context(Guide.objects.get(pk=guide.pk), NOW)
    assert len(context.upcoming) == 1 and context.past == []


def test_cancelled_interviews_are_gone(client, tenant_a, frozen_now):
    guide, app = f.candidate_with_guide(tenant_a)
    kept = f.interview(tenant_a, "Kept interview")
    dropped = f.interview(tenant_a, "Dropped interview")
    schedule_one(tenant_a, app, f.at("2026-03-05 15:00"), the_interview=kept)
    schedule_one(tenant_a, app, f.at("2026-03-06 15:00"), the_interview=dropped, status="Cancelled")
    html = page(client, guide)
    assert "Kept interview" in html
    assert "Dropped interview" not in html


def test_a_rescheduled_interview_shows_at_its_new_time(client, tenant_a, frozen_now):
    guide, app = f.candidate_with_guide(tenant_a, timezone="UTC")
    event = schedule_one(tenant_a, app, f.at("2026-03-05 15:00"))
    assert "Thursday, 5 March 2026" in page(client, guide)

    InterviewEvent.objects.filter(pk=event.pk).update(
        start_time=f.at("2026-03-09 09:30"), end_time=f.at("2026-03-09 10:30")
    )

    html = page(client, guide)
    assert "Monday, 9 March 2026" in html and "9:30 AM – 10:30 AM UTC" in html
    assert "Thursday, 5 March 2026" not in html


def test_with_nothing_scheduled_it_says_so(client, tenant_a, frozen_now):
    guide, _ = f.candidate_with_guide(tenant_a)
    assert "No interviews are scheduled right now" in page(client, guide)


# --- Closing states ------------------------------------------------------------------------------


def test_a_hired_candidate_sees_congratulations_and_no_interviews(client, tenant_a, frozen_now):
    guide, app = f.candidate_with_guide(tenant_a)
    schedule_one(
        tenant_a, app, f.at("2026-03-05 15:00"), the_interview=f.interview(tenant_a, "Stale")
    )
    schedule_one(
        tenant_a, app, f.at("2026-02-05 15:00"), the_interview=f.interview(tenant_a, "Old")
    )
    app.status = Application.Status.HIRED
    app.current_stage = f.stage(app.job.interview_plan, "Hired")
    app.save()

    html = page(client, guide)

    assert "Congratulations, and welcome to Acme!" in html
    assert "Stale" not in html and "Old" not in html
    assert "Upcoming interviews" not in html and "Past interviews" not in html
    assert "Your next interview" not in html  # the heading while one is coming up
    assert "Your process" not in html


@pytest.mark.parametrize("via", ["status", "stage"])
def test_an_archived_candidate_sees_a_neutral_closing_and_no_interviews(
    client, tenant_a, frozen_now, via
):
    guide, app = f.candidate_with_guide(tenant_a)
    schedule_one(
        tenant_a, app, f.at("2026-03-05 15:00"), the_interview=f.interview(tenant_a, "Stale")
    )
    if via == "status":
        app.status = Application.Status.ARCHIVED
        app.archive_reason = "Position filled"
    else:
        app.current_stage = f.stage(app.job.interview_plan, "Archived")
    app.save()

    html = page(client, guide)

    # Issue 19: neutral by default (Ashby may archive before the recruiter told the candidate).
    assert "This process is closed" in html and "Hi Ada</h1>" in html
    assert "welcome" not in html and "not be moving forward" not in html
    assert "Stale" not in html and "Upcoming interviews" not in html
    assert "Your next interview" not in html
    assert "Position filled" not in html  # the internal reason is not the candidate's business


def test_a_candidate_with_no_application_yet_sees_a_placeholder(client, tenant_a, frozen_now):
    guide = f.guide(tenant_a, f.candidate(tenant_a, "Bea Lee"))
    html = page(client, guide)
    assert "Hi Bea, welcome" in html and "Your guide is on its way" in html


def test_it_shows_the_most_recently_updated_active_application(tenant_a):
    cand = f.candidate(tenant_a)
    guide = f.guide(tenant_a, cand)
    old_active = f.application(
        tenant_a, cand, f.job(tenant_a, "Old active"), external_updated_at=f.at("2026-01-01 00:00")
    )
    f.application(
        tenant_a, cand, f.job(tenant_a, "New active"), external_updated_at=f.at("2026-02-01 00:00")
    )
    f.application(
        tenant_a,
        cand,
        f.job(tenant_a, "Newest archived"),
        status=Application.Status.ARCHIVED,
        external_updated_at=f.at("2026-02-20 00:00"),
    )
    assert build_guide_context(guide, NOW).job_title == "New active"

    Application.objects.filter(job__title="New active").update(status=Application.Status.HIRED)
    assert build_guide_context(guide, NOW).job_title == "Old active"

    Application.objects.filter(pk=old_active.pk).update(status=Application.Status.ARCHIVED)
    context = build_guide_context(guide, NOW)
    assert context.job_title == "Newest archived" and context.state == "archived"


# --- Recruiter and freshness ----------------------------------------------------------------------


def test_it_shows_the_recruiter_and_when_it_was_last_updated(client, tenant_a, frozen_now):
    guide, app = f.candidate_with_guide(tenant_a, timezone="Europe/London")
    app.recruiter = f.interviewer(tenant_a, "Rita", "Cruz", email="rita@acme.test")
    app.save()
    Guide.objects.filter(pk=guide.pk).update(updated_at=f.at("2026-02-27 09:05"))

    text = text_of(page(client, guide))

    assert "Your recruiter is Rita Cruz: rita@acme.test." in text
    assert "Last updated Friday, 27 February 2026, 9:05 AM GMT" in text


# --- Time zones and daylight-saving time ------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "date_label", "time_label"),
    [
        # New York: EDT starts at 02:00 local on 2026-03-08.
        (
            "America/New_York",
            "2026-03-07 15:00",
            "Saturday, 7 March 2026",
            "10:00 AM – 11:00 AM EST",
        ),
        ("America/New_York", "2026-03-08 15:00", "Sunday, 8 March 2026", "11:00 AM – 12:00 PM EDT"),
        # London: BST ends at 02:00 local (01:00 UTC) on 2026-10-25.
        (
            "Europe/London",
            "2026-10-24 10:00",
            "Saturday, 24 October 2026",
            "11:00 AM – 12:00 PM BST",
        ),
        ("Europe/London", "2026-10-25 10:00", "Sunday, 25 October 2026", "10:00 AM – 11:00 AM GMT"),
        # A date change: 23:30 UTC is the next morning in Tokyo.
        ("Asia/Tokyo", "2026-03-08 23:30", "Monday, 9 March 2026", "8:30 AM – 9:30 AM JST"),
    ],
)
def test_times_are_converted_across_daylight_saving_changes(
    tenant_a, zone, start, date_label, time_label
):
    guide, app = f.candidate_with_guide(tenant_a, timezone=zone)
    schedule_one(tenant_a, app, f.at(start))
    (event,) = build_guide_context(guide, NOW).upcoming
    assert (event.date_label, event.time_label) == (date_label, time_label)


def test_an_interview_spanning_the_clock_change_lasts_its_real_duration(tenant_a):
    # 01:30 EST to 03:30 EDT on 2026-03-08 is one hour, not two.
    guide, app = f.candidate_with_guide(tenant_a, timezone="America/New_York")
    schedule_one(tenant_a, app, f.at("2026-03-08 06:30"), minutes=60)
    (event,) = build_guide_context(guide, NOW).upcoming
    assert event.time_label == "1:30 AM EST – 3:30 AM EDT"
    assert event.duration_label == "1 hour"


@pytest.mark.parametrize(
    ("minutes", "label"),
    [
        (30, "30 minutes"),
        (60, "1 hour"),
        (90, "1 hour 30 minutes"),
        (120, "2 hours"),
        (1, "1 minute"),
    ],
)
def test_durations_read_naturally(minutes, label):
    start = NOW
    assert format_duration(start, start + dt.timedelta(minutes=minutes)) == label


# --- Privacy -------------------------------------------------------------------------------------


def test_the_page_is_never_indexed_nor_cached(client, tenant_a, frozen_now):
    guide, _ = f.candidate_with_guide(tenant_a)
    response = client.get(reverse("guides:public", args=[guide.token]))
    assert "noindex" in response["X-Robots-Tag"]
    assert (
        '<meta name="robots" content="noindex, nofollow, noarchive">' in response.content.decode()
    )
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_no_guide_is_reachable_but_by_its_exact_token(client, tenant_a, frozen_now):
    guide, _ = f.candidate_with_guide(tenant_a)
    token = guide.token
    wrong = [
        "nope",
        token[:-1],
        token + "x",
        token.swapcase(),
        str(guide.pk),
        guide.candidate.external_id,
        token[:20],
    ]
    for attempt in wrong:
        response = client.get(f"/g/{attempt}/")
        assert response.status_code == 404, attempt
        assert "noindex" in response["X-Robots-Tag"]
        assert "Ada" not in response.content.decode()
    assert client.get(f"/g/{token}/").status_code == 200


def test_a_guide_whose_candidate_was_deleted_is_gone(client, tenant_a, frozen_now):
    guide, _ = f.candidate_with_guide(tenant_a)
    guide.candidate.delete()
    response = client.get(reverse("guides:public", args=[guide.token]))
    assert response.status_code == 404
    assert "We could not find this guide" in response.content.decode()


def test_the_page_only_answers_reads(client, tenant_a):
    guide, _ = f.candidate_with_guide(tenant_a)
    assert client.post(reverse("guides:public", args=[guide.token])).status_code == 405


def test_candidate_supplied_text_is_escaped(client, tenant_a, frozen_now):
    guide, _ = f.candidate_with_guide(tenant_a, name="<script>alert(1)</script> Smith")
    html = page(client, guide)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


# --- Speed --------------------------------------------------------------------------------------


def _guide_with_interviews(tenant, count: int, name: str) -> Guide:
    guide, app = f.candidate_with_guide(tenant, name)
    people = [f.interviewer(tenant, f"P{n}", name.split()[0]) for n in range(3)]
    sched = f.schedule(tenant, app)
    for n in range(count):
        f.event(
            tenant,
            sched,
            f.at("2026-03-02 15:00") + dt.timedelta(days=n),
            the_interview=f.interview(tenant, f"Interview {n}"),
            interviewers=people,
        )
    # A past one as well, so both lists are built.
    f.event(tenant, sched, f.at("2026-02-02 15:00"), interviewers=people)
    return guide


def _queries_for(client, guide: Guide) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("guides:public", args=[guide.token]))
    assert response.status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_interviews_or_interviewers(
    client, tenant_a, frozen_now
):
    one = _guide_with_interviews(tenant_a, 1, "One Person")
    twenty = _guide_with_interviews(tenant_a, 20, "Twenty Person")

    assert page(client, twenty).count('class="person"') == 60
    assert _queries_for(client, one) == _queries_for(client, twenty) == 5


def test_links_that_are_not_http_never_reach_the_page(client, tenant_a, frozen_now):
    # Synced rows skip form validation: a hostile link from the ATS must not become a href.
    guide, app = f.candidate_with_guide(tenant_a)
    person = f.interviewer(
        tenant_a, "Eve", "Evil", photo_url="javascript:alert(1)", linkedin_url="data:text/html,x"
    )
    schedule_one(
        tenant_a,
        app,
        f.at("2026-03-05 15:00"),
        interviewers=[person],
        meeting_link="javascript:alert(2)",
    )
    html = page(client, guide)
    assert "javascript:" not in html and "data:text" not in html
    assert "Eve Evil" in html
