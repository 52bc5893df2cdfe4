"""A tenant turns reminders on and a candidate with interviews tomorrow receives exactly one
correct reminder, through a real SMTP server; and the edges: created 23 hours before, moved,
cancelled, started, a daylight-saving change, a change of time zone."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from emails.models import Email
from emails.tasks import plan_and_send_emails
from tests.emails.conftest import parts
from tests.guides import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(tenant_a, reminders_on):
    """Ada (New York), recruiter Rita, an active application; the interviews are per test."""
    ada = f.candidate(tenant_a, "Ada Lovelace", timezone="America/New_York")
    rita = f.interviewer(tenant_a, "Rita", "Recruiter")
    app = f.application(tenant_a, ada, f.job(tenant_a, "Backend Engineer"), recruiter=rita)
    guide = f.guide(tenant_a, ada)
    return guide, app, f.schedule(tenant_a, app)


def tick(monkeypatch, now: dt.datetime) -> int:
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    return plan_and_send_emails()


def test_one_reminder_lists_the_days_interviews_with_ics_and_link(
    tenant_a, smtp, loop, monkeypatch
):
    guide, app, sched = loop
    ines = f.interviewer(tenant_a, "Ines", "Park")
    design = f.interview(tenant_a, "Systems design (internal)", external_title="Systems design")
    f.event(
        tenant_a,
        sched,
        f.at("2026-05-12 14:00"),
        the_interview=design,
        interviewers=[ines],
        meeting_link="https://meet.example.com/abc",
    )
    f.event(
        tenant_a,
        sched,
        f.at("2026-05-12 16:00"),
        the_interview=f.interview(tenant_a, "Culture chat"),
    )
    cancelled = f.schedule(tenant_a, app, status="Cancelled")
    f.event(
        tenant_a,
        cancelled,
        f.at("2026-05-12 18:00"),
        the_interview=f.interview(tenant_a, "Dropped talk"),
    )

    assert tick(monkeypatch, f.at("2026-05-11 13:00")) == 0  # 25 h before: not yet
    assert tick(monkeypatch, f.at("2026-05-11 14:00")) == 1
    assert tick(monkeypatch, f.at("2026-05-11 14:01")) == 0
    assert tick(monkeypatch, f.at("2026-05-11 20:00")) == 0

    [message] = smtp.to("ada@example.com")
    assert message["Subject"] == "Reminder: your interviews with Acme on Tuesday, 12 May 2026"
    assert message["From"] == "Acme Recruiting <guide@mail.guide.test>"
    assert message["Reply-To"] == "rita.recruiter@acme.test"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].strip().startswith("<https://guide.test/u/")
    body = parts(message)
    link = f"https://guide.test/g/{guide.token}/"
    assert "10:00 AM – 11:00 AM EDT: Systems design" in body["text"]  # 14:00 UTC in New York
    assert "Join: https://meet.example.com/abc" in body["text"]
    assert "With: Ines Park" in body["text"]
    assert "12:00 PM – 1:00 PM EDT: Culture chat" in body["text"]
    assert "Dropped talk" not in body["text"] + body["html"]
    assert "internal" not in body["text"]
    assert link in body["text"] and f'href="{link}"' in body["html"]
    assert "<strong>10:00 AM – 11:00 AM EDT</strong>" in body["html"]
    calendar = icalendar.Calendar.from_ical(body["ics"])
    starts = sorted(e.decoded("dtstart") for e in calendar.walk("VEVENT"))
    assert starts == [f.at("2026-05-12 14:00"), f.at("2026-05-12 16:00")]
    row = Email.objects.get(kind="reminder")
    assert (row.status, row.to_address, str(row.interview_day)) == (
        "sent",
        "ada@example.com",
        "2026-05-12",
    )


def test_an_interview_made_23_hours_ahead_is_reminded_at_once(tenant_a, smtp, loop, monkeypatch):
    _, _, sched = loop
    f.event(tenant_a, sched, f.at("2026-05-12 14:00"))
    assert tick(monkeypatch, f.at("2026-05-11 15:00")) == 1
    assert len(smtp.to("ada@example.com")) == 1


def test_a_moved_interview_moves_the_reminder(tenant_a, smtp, loop, monkeypatch):
    _, _, sched = loop
    event = f.event(tenant_a, sched, f.at("2026-05-12 14:00"))
    tick(monkeypatch, f.at("2026-05-11 10:00"))
    event.start_time, event.end_time = f.at("2026-05-13 14:00"), f.at("2026-05-13 15:00")
    event.save()
    assert tick(monkeypatch, f.at("2026-05-11 14:00")) == 0
    assert smtp.messages == []
    old = Email.objects.get(interview_day="2026-05-12")
    assert (old.status, old.detail) == ("cancelled", "No interview is left on that day.")
    assert tick(monkeypatch, f.at("2026-05-12 14:00")) == 1
    [message] = smtp.to("ada@example.com")
    assert "Wednesday, 13 May 2026" in message["Subject"]


def test_a_later_time_on_the_same_day_found_at_send_time_waits(tenant_a, smtp, loop, monkeypatch):
    _, _, sched = loop
    event = f.event(tenant_a, sched, f.at("2026-05-12 13:00"))
    tick(monkeypatch, f.at("2026-05-11 10:00"))
    event.start_time, event.end_time = f.at("2026-05-12 20:00"), f.at("2026-05-12 21:00")
    event.save()
    from emails import outbox

    monkeypatch.setattr("django.utils.timezone.now", lambda: f.at("2026-05-11 13:00"))
    ids = outbox.claim_due(f.at("2026-05-11 13:00"), 10)
    assert outbox.send_claimed(ids, f.at("2026-05-11 13:00")) == {"scheduled": 1}
    row = Email.objects.get()
    assert (row.status, row.due_at, row.attempts) == ("scheduled", f.at("2026-05-11 20:00"), 0)
    assert smtp.messages == []


def test_a_cancelled_schedule_removes_the_reminder(tenant_a, smtp, loop, monkeypatch):
    _, _, sched = loop
    f.event(tenant_a, sched, f.at("2026-05-12 14:00"))
    tick(monkeypatch, f.at("2026-05-11 10:00"))
    sched.status = "Cancelled"
    sched.save()
    assert tick(monkeypatch, f.at("2026-05-11 14:00")) == 0
    assert smtp.messages == []
    assert Email.objects.get().status == "cancelled"


def test_a_started_interview_is_never_mentioned(tenant_a, smtp, loop, monkeypatch):
    _, _, sched = loop
    f.event(
        tenant_a, sched, f.at("2026-05-12 13:00"), the_interview=f.interview(tenant_a, "Early one")
    )
    f.event(
        tenant_a, sched, f.at("2026-05-12 15:00"), the_interview=f.interview(tenant_a, "Late one")
    )
    # The tick was down all day: at 13:30 the first interview has started.
    assert tick(monkeypatch, f.at("2026-05-12 13:30")) == 1
    text = parts(smtp.messages[0])["text"]
    assert "Late one" in text and "Early one" not in text


def test_an_interview_of_a_kind_hidden_from_candidates_is_never_mentioned(
    tenant_a, smtp, loop, monkeypatch
):
    _, _, sched = loop
    debrief = f.interview(tenant_a, "Debrief")
    debrief.hidden_from_candidates = True  # Settings > Interviews (issue 19)
    debrief.save()
    f.event(tenant_a, sched, f.at("2026-05-12 14:00"), the_interview=f.interview(tenant_a, "Chat"))
    f.event(tenant_a, sched, f.at("2026-05-12 16:00"), the_interview=debrief)

    assert tick(monkeypatch, f.at("2026-05-11 14:00")) == 1
    body = parts(smtp.messages[0])
    assert "Chat" in body["text"]
    assert "Debrief" not in body["text"] + body["html"]
    calendar = icalendar.Calendar.from_ical(body["ics"])
    assert [e.decoded("dtstart") for e in calendar.walk("VEVENT")] == [f.at("2026-05-12 14:00")]


def test_a_day_with_only_hidden_interviews_gets_no_reminder(tenant_a, smtp, loop, monkeypatch):
    _, _, sched = loop
    debrief = f.interview(tenant_a, "Debrief")
    debrief.hidden_from_candidates = True
    debrief.save()
    f.event(tenant_a, sched, f.at("2026-05-12 16:00"), the_interview=debrief)

    assert tick(monkeypatch, f.at("2026-05-11 16:00")) == 0
    assert smtp.messages == []


def test_one_email_per_interview_day(tenant_a, smtp, loop, monkeypatch):
    _, _, sched = loop
    f.event(tenant_a, sched, f.at("2026-05-12 14:00"))
    f.event(tenant_a, sched, f.at("2026-05-13 14:00"))
    tick(monkeypatch, f.at("2026-05-11 14:00"))
    tick(monkeypatch, f.at("2026-05-12 14:00"))
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert len(subjects) == 2 and "12 May" in subjects[0] and "13 May" in subjects[1]


def test_daylight_saving_change_keeps_24_real_hours(tenant_a, smtp, loop, monkeypatch):
    _, _, sched = loop
    # New York springs forward on Sunday 8 March 2026; the interview is Monday 9:00 EDT.
    f.event(tenant_a, sched, f.at("2026-03-09 13:00"))
    assert tick(monkeypatch, f.at("2026-03-08 12:59")) == 0
    assert tick(monkeypatch, f.at("2026-03-08 13:00")) == 1
    row = Email.objects.get()
    assert (str(row.interview_day), row.due_at) == ("2026-03-09", f.at("2026-03-08 13:00"))
    assert "9:00 AM – 10:00 AM EDT" in parts(smtp.messages[0])["text"]


def test_a_new_time_zone_never_reminds_of_an_interview_twice(tenant_a, smtp, loop, monkeypatch):
    guide, _, sched = loop
    f.event(tenant_a, sched, f.at("2026-05-13 02:00"))  # 12 May, 22:00 in New York
    assert tick(monkeypatch, f.at("2026-05-12 02:00")) == 1
    guide.candidate.timezone = "Europe/Paris"  # now 13 May, 04:00: another local day
    guide.candidate.save()
    assert tick(monkeypatch, f.at("2026-05-12 03:00")) == 0
    assert len(smtp.messages) == 1
    assert Email.objects.get(interview_day="2026-05-13").status == "cancelled"


def test_reminders_off_sends_nothing(tenant_a, smtp, loop, reminders_on, monkeypatch):
    _, _, sched = loop
    reminders_on.reminder_hours = 0
    reminders_on.save()
    f.event(tenant_a, sched, f.at("2026-05-12 14:00"))
    assert tick(monkeypatch, f.at("2026-05-11 14:00")) == 0
    assert smtp.messages == [] and not Email.objects.exists()
