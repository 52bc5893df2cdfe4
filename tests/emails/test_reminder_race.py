"""Two workers racing for the same reminders (PostgreSQL: row locks with SKIP LOCKED): every
reminder is sent exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from emails import outbox
from emails.models import Email
from emails.reminders import plan_reminders
from tests.guides import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_send_each_reminder_once(tenant_a, reminders_on, smtp):
    job = f.job(tenant_a)
    for n in range(30):
        cand = f.candidate(tenant_a, f"Cand{n} Test", email=f"c{n}@example.com")
        app = f.application(tenant_a, cand, job)
        f.guide(tenant_a, cand)
        f.event(tenant_a, f.schedule(tenant_a, app), f.at("2026-05-12 14:00"))
    now = f.at("2026-05-11 14:00")
    plan_reminders(tenant_a, 24, now)
    start = threading.Barrier(2)
    claimed: list[list[int]] = []

    def worker():
        try:
            start.wait()
            while ids := outbox.claim_due(now, 4):
                claimed.append(ids)
                outbox.send_claimed(ids, now)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [pk for batch in claimed for pk in batch]
    assert len(every) == len(set(every)) == 30
    assert sorted(m["To"] for m in smtp.messages) == sorted(f"c{n}@example.com" for n in range(30))
    assert Email.objects.filter(status="sent").count() == 30
