"""Calendar files of a guide: one per interview and one for all, parsed back with icalendar."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from guides import ics
from guides.models import Application, InterviewEvent
from tests.guides import factories as f

pytestmark = pytest.mark.django_db

NOW = f.at("2026-03-01 12:00")


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def loop(tenant_a):
    """A guide with two upcoming interviews, a past one and a cancelled one."""
    guide, app = f.candidate_with_guide(tenant_a, timezone="America/New_York")
    grace = f.interviewer(tenant_a, "Grace", "Hopper")
    sched = f.schedule(tenant_a, app)
    design = f.event(
        tenant_a,
        sched,
        f.at("2026-03-08 15:00"),
        minutes=45,
        external_id="evt-design",
        the_interview=f.interview(tenant_a, "SD", external_title="System design, part 1; with Q&A"),
        interviewers=[grace],
        location="HQ, Room 4; 2nd floor",
        meeting_link="https://meet.example.com/abc?x=1,2;3",
    )
    f.event(tenant_a, sched, f.at("2026-03-09 15:00"), external_id="evt-pairing")
    f.event(tenant_a, sched, f.at("2026-02-01 15:00"), external_id="evt-past")
    cancelled = f.schedule(tenant_a, app, status="Cancelled")
    f.event(tenant_a, cancelled, f.at("2026-03-10 15:00"), external_id="evt-cancelled")
    return guide, app, design


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "noindex" in response["X-Robots-Tag"]
    return response.content


def event_url(guide, event_id: str) -> str:
    return reverse("guides:event_ics", args=[guide.token, event_id])


@override_settings(PUBLIC_BASE_URL="https://guide.example.com")
def test_an_interview_calendar_file_parses_back_with_utc_times(client, loop):
    guide, _, _ = loop
    body = download(client, event_url(guide, "evt-design"))

    calendar = icalendar.Calendar.from_ical(body)
    (vevent,) = calendar.walk("VEVENT")
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert vevent.decoded("DTSTART") == dt.datetime(2026, 3, 8, 15, 0, tzinfo=dt.UTC)
    assert vevent.decoded("DTEND") == dt.datetime(2026, 3, 8, 15, 45, tzinfo=dt.UTC)
    assert b"DTSTART:20260308T150000Z\r\n" in body
    assert vevent.decoded("DTSTAMP") == NOW
    assert str(vevent["SUMMARY"]) == "System design, part 1; with Q&A (Acme)"
    assert str(vevent["LOCATION"]) == "HQ, Room 4; 2nd floor"
    assert str(vevent["URL"]) == "https://meet.example.com/abc?x=1,2;3"
    description = str(vevent["DESCRIPTION"])
    assert "Interviewers: Grace Hopper" in description
    assert f"https://guide.example.com/g/{guide.token}/" in description
    assert "\n" in description  # newlines survive the escaping


def test_special_characters_are_escaped_in_the_file(client, loop):
    guide, _, _ = loop
    body = download(client, event_url(guide, "evt-design")).decode()
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:System design\\, part 1\\; with Q&A (Acme)\r\n" in unfolded
    assert "LOCATION:HQ\\, Room 4\\; 2nd floor\r\n" in unfolded
    assert "\\nInterviewers: Grace Hopper\\n" in unfolded


def test_the_uid_is_stable_across_downloads_and_unique_per_interview(client, loop):
    guide, _, _ = loop
    first = icalendar.Calendar.from_ical(download(client, event_url(guide, "evt-design")))
    again = icalendar.Calendar.from_ical(download(client, event_url(guide, "evt-design")))
    other = icalendar.Calendar.from_ical(download(client, event_url(guide, "evt-pairing")))
    uid = str(first.walk("VEVENT")[0]["UID"])
    assert uid == str(again.walk("VEVENT")[0]["UID"])
    assert uid != str(other.walk("VEVENT")[0]["UID"])
    assert "evt-design" in uid


def test_a_rescheduled_interview_keeps_its_uid_with_a_higher_sequence(client, loop):
    guide, _, design = loop
    InterviewEvent.objects.filter(pk=design.pk).update(external_updated_at=f.at("2026-02-25 10:00"))
    before = icalendar.Calendar.from_ical(download(client, event_url(guide, "evt-design")))
    InterviewEvent.objects.filter(pk=design.pk).update(
        start_time=f.at("2026-03-12 16:00"),
        end_time=f.at("2026-03-12 17:00"),
        external_updated_at=f.at("2026-03-01 11:00"),
    )
    after = icalendar.Calendar.from_ical(download(client, event_url(guide, "evt-design")))
    old, new = before.walk("VEVENT")[0], after.walk("VEVENT")[0]
    assert str(old["UID"]) == str(new["UID"])
    assert new.decoded("DTSTART") == f.at("2026-03-12 16:00")
    assert int(new["SEQUENCE"]) > int(old["SEQUENCE"])


def test_lines_end_in_crlf_and_fold_at_75_octets(client, loop, tenant_a):
    guide, _, design = loop
    design.location = "Salle de réunion « Éléphant » " * 6  # long and multi-byte
    design.save()
    body = download(client, event_url(guide, "evt-design"))

    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    lines = body.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    for line in lines:
        line.decode("utf-8")  # never split inside a character
    vevent = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(vevent["LOCATION"]) == design.location


def test_the_whole_calendar_holds_the_upcoming_interviews_only(client, loop):
    guide, _, _ = loop
    body = download(client, reverse("guides:calendar_ics", args=[guide.token]))
    calendar = icalendar.Calendar.from_ical(body)
    uids = sorted(str(e["UID"]).split("-t")[0] for e in calendar.walk("VEVENT"))
    assert uids == ["evt-design", "evt-pairing"]
    assert str(calendar["X-WR-CALNAME"]) == "Interviews with Acme"


def test_a_closed_guide_has_no_calendar_events(client, loop):
    guide, app, _ = loop
    Application.objects.filter(pk=app.pk).update(status=Application.Status.HIRED)
    calendar = icalendar.Calendar.from_ical(
        download(client, reverse("guides:calendar_ics", args=[guide.token]))
    )
    assert calendar.walk("VEVENT") == []
    assert client.get(event_url(guide, "evt-design")).status_code == 404


@pytest.mark.parametrize("event_id", ["evt-cancelled", "nope"])
def test_a_cancelled_or_unknown_interview_has_no_file(client, loop, event_id):
    guide, _, _ = loop
    assert client.get(event_url(guide, event_id)).status_code == 404


def test_another_candidates_interview_is_not_reachable_through_a_guide(client, loop, tenant_a):
    guide, _, _ = loop
    other_guide, other_app = f.candidate_with_guide(tenant_a, "Other Person")
    f.event(tenant_a, f.schedule(tenant_a, other_app), f.at("2026-03-08 15:00"), external_id="x9")
    assert client.get(event_url(guide, "x9")).status_code == 404
    assert client.get(event_url(other_guide, "x9")).status_code == 200


def test_calendar_files_need_the_exact_token(client, loop):
    guide, _, _ = loop
    assert (
        client.get(
            event_url(guide, "evt-design").replace(guide.token, guide.token.swapcase())
        ).status_code
        == 404
    )
    assert client.get(f"/g/{guide.token[:-1]}/calendar.ics").status_code == 404


# --- The writer -------------------------------------------------------------------------------


def test_text_escaping_follows_rfc_5545():
    assert ics.escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_folding_keeps_short_lines_and_splits_long_ones():
    assert ics.fold("SUMMARY:short") == "SUMMARY:short"
    folded = ics.fold("DESCRIPTION:" + "é" * 80)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == "DESCRIPTION:" + "é" * 80


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        ics.utc_stamp(dt.datetime(2026, 1, 1, 12, 0))
