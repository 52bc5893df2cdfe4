"""Every email's fate: retried with backoff on a temporary refusal, failed (and never written
to again) on a permanent one, one-click unsubscribe honoured for that tenant only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from emails.models import Email, Suppression
from emails.tasks import plan_and_send_emails
from tests.emails.conftest import parts
from tests.guides import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview_tomorrow(tenant_a, reminders_on):
    ada = f.candidate(tenant_a, "Ada Lovelace", timezone="Europe/London")
    app = f.application(tenant_a, ada, f.job(tenant_a))
    f.guide(tenant_a, ada)
    sched = f.schedule(tenant_a, app)
    f.event(tenant_a, sched, f.at("2026-05-12 14:00"))
    f.event(tenant_a, sched, f.at("2026-05-13 14:00"))
    return ada


def tick(monkeypatch, now):
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    return plan_and_send_emails()


def test_a_temporary_refusal_is_retried_with_backoff(smtp, interview_tomorrow, monkeypatch):
    smtp.refuse["ada@example.com"] = "451 4.3.0 Try again later"
    assert tick(monkeypatch, f.at("2026-05-11 14:00")) == 0
    row = Email.objects.get(interview_day="2026-05-12")
    assert (row.status, row.attempts, row.due_at) == ("scheduled", 1, f.at("2026-05-11 14:01"))
    assert "451" in row.detail and "Try again later" in row.detail
    del smtp.refuse["ada@example.com"]
    assert tick(monkeypatch, f.at("2026-05-11 14:01")) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.detail) == ("sent", 2, "")


def test_a_send_that_keeps_failing_ends_failed_with_the_reason(
    smtp, interview_tomorrow, monkeypatch, settings
):
    settings.GUIDE_EMAIL_MAX_ATTEMPTS = 2
    smtp.refuse["ada@example.com"] = "451 4.3.0 Mailbox busy"
    tick(monkeypatch, f.at("2026-05-11 14:00"))
    tick(monkeypatch, f.at("2026-05-11 14:01"))
    row = Email.objects.get(interview_day="2026-05-12")
    assert row.status == "failed"
    assert row.detail.startswith("Gave up after 2 attempts.") and "Mailbox busy" in row.detail


def test_an_unreachable_server_is_retried(settings, interview_tomorrow, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 8189, 2
    tick(monkeypatch, f.at("2026-05-11 14:00"))
    row = Email.objects.get(interview_day="2026-05-12")
    assert row.status == "scheduled" and row.attempts == 1
    assert "ConnectionRefusedError" in row.detail


def test_a_permanent_refusal_fails_and_the_address_is_never_written_again(
    smtp, interview_tomorrow, monkeypatch, tenant_a
):
    smtp.refuse["ada@example.com"] = "550 5.1.1 No such user"
    tick(monkeypatch, f.at("2026-05-11 14:00"))
    row = Email.objects.get(interview_day="2026-05-12")
    assert row.status == "failed" and "550" in row.detail and "No such user" in row.detail
    assert Suppression.objects.get(tenant=tenant_a, address="ada@example.com").reason == "bounced"
    del smtp.refuse["ada@example.com"]
    tick(monkeypatch, f.at("2026-05-12 14:00"))
    later = Email.objects.get(interview_day="2026-05-13")
    assert later.status == "skipped" and "bounced permanently" in later.detail
    assert smtp.messages == []


def test_one_click_unsubscribe_stops_the_next_reminder(
    smtp, interview_tomorrow, monkeypatch, tenant_a, tenant_b
):
    tick(monkeypatch, f.at("2026-05-11 14:00"))
    [message] = smtp.messages
    url = message["List-Unsubscribe"].strip().strip("<>")
    assert url in parts(message)["text"] and url in parts(message)["html"]
    path = url.removeprefix("https://guide.test")
    anonymous = Client()
    page = anonymous.get(path)
    assert page.status_code == 200 and b"Unsubscribe</button>" in page.content
    assert not Suppression.objects.exists()  # a link scanner's GET changes nothing
    answer = anonymous.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200 and b"You are unsubscribed" in answer.content
    assert Suppression.objects.get().tenant == tenant_a
    tick(monkeypatch, f.at("2026-05-12 14:00"))
    assert len(smtp.messages) == 1
    assert Email.objects.get(interview_day="2026-05-13").status == "skipped"


def test_a_forged_unsubscribe_token_is_refused(client):
    response = client.post("/u/WzEsImFkYUBleGFtcGxlLmNvbSJd:1xZJuX:forged/")
    assert response.status_code == 404 and b"does not work" in response.content
    assert not Suppression.objects.exists()


def test_an_archived_candidate_gets_nothing_automatic(smtp, tenant_a, reminders_on, monkeypatch):
    ada = f.candidate(tenant_a, "Ada Lovelace")
    app = f.application(tenant_a, ada, f.job(tenant_a), status="Archived")
    f.guide(tenant_a, ada)
    f.event(tenant_a, f.schedule(tenant_a, app), f.at("2026-05-12 14:00"))
    assert tick(monkeypatch, f.at("2026-05-11 14:00")) == 0
    assert smtp.messages == []


def test_a_worker_that_died_holding_an_email_leaves_it_to_another(
    smtp, interview_tomorrow, monkeypatch
):
    from emails import outbox

    now = f.at("2026-05-11 14:00")
    tick(monkeypatch, now - dt.timedelta(hours=2))  # plans, nothing due yet
    assert outbox.claim_due(now, 10)  # this worker dies here, holding the row
    assert outbox.claim_due(now + dt.timedelta(minutes=5), 10) == []  # still held
    assert tick(monkeypatch, now + dt.timedelta(minutes=11)) == 1  # the claim lapsed
    assert len(smtp.messages) == 1
