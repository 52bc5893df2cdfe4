"""Two copies of one delivery arriving at the same moment are stored once (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from integrations import receiving
from integrations.models import WebhookDelivery
from integrations.webhook_rows import ensure_subscriptions
from tests.integrations.webhook_helpers import post_webhook, webhook_fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(subscription, payload, copies: int, *, barrier: threading.Barrier) -> list:
    outcomes: list = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            response = post_webhook(Client(), subscription, payload)
            outcomes.append((response.status_code, response.json().get("outcome")))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def queued(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr("integrations.deliveries.enqueue", calls.append)
    return calls


def test_eight_simultaneous_copies_are_stored_and_enqueued_once(tenant_a, queued):
    sub = next(s for s in ensure_subscriptions(tenant_a) if s.event == "candidateStageChange")
    outcomes = _race(sub, webhook_fixture("candidateStageChange"), 8, barrier=threading.Barrier(8))
    assert len(outcomes) == 8
    assert all(status == 200 for status, _ in outcomes)
    assert sorted(o for _, o in outcomes) == ["duplicate"] * 7 + ["stored"]
    assert WebhookDelivery.objects.count() == 1
    assert queued == [WebhookDelivery.objects.get().pk]


def test_simultaneous_copies_are_stored_once_also_when_the_row_is_remembered(tenant_a, queued):
    """The one-statement path (the row remembered from an earlier delivery) races the same."""
    sub = next(s for s in ensure_subscriptions(tenant_a) if s.event == "candidateStageChange")
    earlier = webhook_fixture("candidateStageChange")
    earlier["webhookActionId"] = "00000000-0000-4000-8000-000000000001"
    assert post_webhook(Client(), sub, earlier).json()["outcome"] == "stored"

    outcomes = _race(sub, webhook_fixture("candidateStageChange"), 8, barrier=threading.Barrier(8))
    assert sorted(o for _, o in outcomes) == ["duplicate"] * 7 + ["stored"]
    assert WebhookDelivery.objects.count() == 2
    assert len(queued) == 2


def test_two_inserts_sent_at_the_same_moment_store_one(tenant_a, queued, monkeypatch):
    """Both requests reach the INSERT together, neither having stored anything: the unique
    index decides."""
    sub = next(s for s in ensure_subscriptions(tenant_a) if s.event == "candidateStageChange")
    at_insert = threading.Barrier(2)
    original_insert = receiving.insert_delivery

    first_call = threading.local()

    def insert_together(delivery, **kwargs):
        if not getattr(first_call, "done", False):  # a copy found stored may be looked at again
            first_call.done = True
            assert not WebhookDelivery.objects.exists()
            at_insert.wait(timeout=10)
        return original_insert(delivery, **kwargs)

    monkeypatch.setattr(receiving, "insert_delivery", insert_together)
    outcomes = _race(sub, webhook_fixture("candidateStageChange"), 2, barrier=threading.Barrier(2))
    assert sorted(outcomes) == [(200, "duplicate"), (200, "stored")]
    assert WebhookDelivery.objects.count() == 1
    assert len(queued) == 1
