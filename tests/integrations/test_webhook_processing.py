"""Processing stored deliveries: claim once, retry with backoff, fail with the error, sweep,
replay. The handlers themselves are tested in test_webhook_handlers.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_q.models import Schedule

from integrations import deliveries
from integrations.ashby import events
from integrations.deliveries import (
    MAX_ATTEMPTS,
    RESWEEP_AFTER,
    SWEEP_SCHEDULE_NAME,
    apply_delivery,
    replay_delivery,
    requeue_waiting_deliveries,
    retry_delay,
)
from integrations.models import WebhookDelivery
from integrations.webhook_rows import ensure_subscriptions
from tests.integrations.webhook_helpers import post_webhook, webhook_fixture

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


@pytest.fixture
def calls(monkeypatch):
    """A recording handler for jobCreate."""
    seen: list = []

    def handle(tenant, data):
        seen.append((tenant.slug, data["job"]["id"]))
        return "job stored"

    monkeypatch.setitem(events.HANDLERS, "jobCreate", handle)
    return seen


@pytest.fixture
def sub(tenant_a):
    return next(s for s in ensure_subscriptions(tenant_a) if s.event == "jobCreate")


def _delivery(sub, **fields) -> WebhookDelivery:
    payload = webhook_fixture("jobCreate")
    values = {
        "tenant_id": sub.tenant_id,
        "subscription": sub,
        "action": "jobCreate",
        "dedupe_key": payload["webhookActionId"],
        "body": json.dumps(payload),
        **fields,
    }
    return WebhookDelivery.objects.create(**values)


def test_a_delivery_posted_to_the_receiver_is_processed_after_commit(
    client, sub, calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, sub, webhook_fixture("jobCreate"))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PROCESSED
    assert delivery.outcome == "job stored"
    assert delivery.processed_at is not None
    assert delivery.attempts == 1
    assert calls == [("acme", "3c7b9e1a-5d2f-4a6b-8e9c-3c0000000001")]


def test_processing_twice_applies_the_delivery_once(sub, calls):
    delivery = _delivery(sub)
    assert apply_delivery(delivery.pk) == Status.PROCESSED
    assert apply_delivery(delivery.pk) == "not pending"
    assert len(calls) == 1


def test_a_delivery_claimed_by_another_worker_is_left_alone(sub, calls):
    delivery = _delivery(sub, status=Status.PROCESSING, started_at=timezone.now())
    assert apply_delivery(delivery.pk) == "not pending"
    assert calls == []


def test_an_action_without_a_handler_is_recorded_as_ignored(sub):
    delivery = _delivery(sub, action="offerCreate")
    assert apply_delivery(delivery.pk) == Status.IGNORED
    delivery.refresh_from_db()
    assert delivery.outcome == "Guide does not use offerCreate events."


def test_a_transient_failure_is_retried_with_backoff(sub, monkeypatch):
    def flaky(tenant, data):
        raise OperationalError("deadlock detected")

    monkeypatch.setitem(events.HANDLERS, "jobCreate", flaky)
    delivery = _delivery(sub)
    before = timezone.now()
    assert apply_delivery(delivery.pk) == Status.RETRYING
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    # The error is the sentence support reads; the exception is in the attempt's details.
    attempt = delivery.history.get()
    assert attempt.details == "OperationalError: deadlock detected"
    assert delivery.error == attempt.message
    assert delivery.error.startswith("Guide's database was busy or briefly unavailable")
    assert "retries automatically (attempt 2 of 5 at " in delivery.error
    assert "OperationalError" not in delivery.error
    assert delivery.next_attempt_at >= before + timedelta(seconds=30)
    # Not due yet: a second task does nothing.
    assert apply_delivery(delivery.pk) == "not pending"


def test_backoff_grows(sub):
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 120, 480, 1920]


def test_after_the_last_attempt_the_delivery_is_failed_with_the_error(sub, monkeypatch):
    def broken(tenant, data):
        raise OperationalError("still down")

    monkeypatch.setitem(events.HANDLERS, "jobCreate", broken)
    delivery = _delivery(sub)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
        status = apply_delivery(delivery.pk)
        assert status == (Status.FAILED if attempt == MAX_ATTEMPTS else Status.RETRYING)
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    last = delivery.history.order_by("number").last()
    assert (last.number, last.result) == (MAX_ATTEMPTS, Status.FAILED)
    assert last.details == "OperationalError: still down"
    assert delivery.error == last.message
    assert f"Guide gave up after {MAX_ATTEMPTS} attempts" in delivery.error


def test_a_payload_that_can_never_apply_fails_at_once(sub, calls):
    delivery = _delivery(sub, body=json.dumps({"action": "jobCreate", "data": "nope"}))
    assert apply_delivery(delivery.pk) == Status.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert "no data object" in delivery.error


def test_a_failed_handler_leaves_no_half_written_data(sub, monkeypatch, tenant_a):
    from guides.models import Department

    def half(tenant, data):
        Department.objects.create(tenant=tenant, external_id="d1", name="Half")
        raise OperationalError("connection lost")

    monkeypatch.setitem(events.HANDLERS, "jobCreate", half)
    apply_delivery(_delivery(sub).pk)
    assert not Department.objects.filter(tenant=tenant_a).exists()


# --- sweep -----------------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    seen: list[int] = []
    monkeypatch.setattr(deliveries, "enqueue", seen.append)
    return seen


def test_the_sweep_re_enqueues_deliveries_never_picked_up(sub, queued):
    old = _delivery(sub, received_at=timezone.now() - timedelta(minutes=5))
    _delivery(sub, dedupe_key="fresh")  # just received: its own task is on its way
    assert requeue_waiting_deliveries() == 1
    assert queued == [old.pk]


def test_a_backlogged_delivery_is_swept_once_not_every_minute(sub, queued):
    now = timezone.now()
    waiting = _delivery(sub, received_at=now - timedelta(minutes=5))
    assert requeue_waiting_deliveries(now) == 1
    assert requeue_waiting_deliveries(now + timedelta(minutes=1)) == 0
    assert requeue_waiting_deliveries(now + RESWEEP_AFTER + timedelta(seconds=1)) == 1
    assert queued == [waiting.pk, waiting.pk]


def test_each_due_retry_is_swept_even_if_an_earlier_one_was(sub, queued):
    now = timezone.now()
    retry = _delivery(
        sub, status=Status.RETRYING, next_attempt_at=now, swept_at=now - timedelta(minutes=1)
    )
    assert requeue_waiting_deliveries(now) == 1
    assert queued == [retry.pk]


def test_the_sweep_re_enqueues_retries_that_are_due_only(sub, queued):
    now = timezone.now()
    due = _delivery(sub, status=Status.RETRYING, next_attempt_at=now - timedelta(seconds=1))
    _delivery(
        sub, dedupe_key="later", status=Status.RETRYING, next_attempt_at=now + timedelta(minutes=5)
    )
    assert requeue_waiting_deliveries(now) == 1
    assert queued == [due.pk]


def test_the_sweep_leaves_processed_failed_and_ignored_deliveries(sub, queued):
    old = timezone.now() - timedelta(hours=1)
    for n, status in enumerate((Status.PROCESSED, Status.FAILED, Status.IGNORED)):
        _delivery(sub, dedupe_key=f"k{n}", status=status, received_at=old)
    assert requeue_waiting_deliveries() == 0
    assert queued == []


def test_the_sweep_retries_a_delivery_whose_worker_died(sub, queued):
    long_ago = timezone.now() - timedelta(hours=1)
    stuck = _delivery(sub, status=Status.PROCESSING, started_at=long_ago, attempts=1)
    out_of_attempts = _delivery(
        sub, dedupe_key="k2", status=Status.PROCESSING, started_at=long_ago, attempts=MAX_ATTEMPTS
    )
    assert requeue_waiting_deliveries() == 1
    assert queued == [stuck.pk]
    stuck.refresh_from_db()
    out_of_attempts.refresh_from_db()
    assert stuck.status == Status.RETRYING
    assert out_of_attempts.status == Status.FAILED
    assert out_of_attempts.error.startswith(
        "The worker processing this delivery stopped before it finished"
    )
    assert "gave up after 5 attempts" in out_of_attempts.error
    assert stuck.history.get().result == Status.RETRYING
    assert out_of_attempts.history.get().message == out_of_attempts.error


def test_a_delivery_whose_enqueue_was_lost_is_processed_by_the_sweep(sub, calls):
    delivery = _delivery(sub, received_at=timezone.now() - timedelta(minutes=5))
    requeue_waiting_deliveries()  # sync django-q in tests: the task runs now
    delivery.refresh_from_db()
    assert delivery.status == Status.PROCESSED
    assert len(calls) == 1


def test_the_sweep_schedule_exists_once_after_migrate():
    schedules = Schedule.objects.filter(name=SWEEP_SCHEDULE_NAME)
    assert schedules.count() == 1
    schedule = schedules.get()
    assert schedule.func == "integrations.tasks.sweep_deliveries"
    assert schedule.schedule_type == Schedule.MINUTES
    assert schedule.minutes == 1
    deliveries.ensure_sweep_schedule()
    assert Schedule.objects.filter(name=SWEEP_SCHEDULE_NAME).count() == 1


# --- replay ----------------------------------------------------------------------------------


def test_a_failed_delivery_replayed_after_a_fix_is_processed(
    sub, calls, tenant_a, django_capture_on_commit_callbacks
):
    delivery = _delivery(sub, status=Status.FAILED, attempts=MAX_ATTEMPTS, error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        replay_delivery(tenant_a, delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Status.PROCESSED
    assert delivery.attempts == 1
    assert delivery.error == ""
    assert len(calls) == 1


def test_another_tenants_delivery_cannot_be_replayed(sub, tenant_b):
    delivery = _delivery(sub, status=Status.FAILED)
    with pytest.raises(WebhookDelivery.DoesNotExist):
        replay_delivery(tenant_b, delivery.pk)
