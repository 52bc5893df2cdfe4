"""Deliveries stored while the broker (Redis) is unreachable: the failed enqueue is noted on
the row, the sweep takes such a delivery at once rather than after SWEEP_AFTER, and the
process's first enqueue that succeeds afterwards queues that sweep straight away."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from integrations import deliveries
from integrations.ashby import events
from integrations.deliveries import (
    PROCESS_TASK,
    RESWEEP_AFTER,
    SWEEP_TASK,
    apply_delivery,
    enqueue,
    replay_delivery,
    requeue_waiting_deliveries,
)
from integrations.models import WebhookDelivery
from integrations.webhook_rows import ensure_subscriptions
from tests.integrations.webhook_helpers import post_webhook, webhook_fixture

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


class Broker:
    """Stands in for django-q2's async_task: records (task, args) while up, raises while down;
    `run=True` hands each task to the real async_task (inline in the tests' settings)."""

    def __init__(self, real, *, run: bool = False) -> None:
        self.real, self.run = real, run
        self.up = True
        self.sent: list[tuple[str, tuple]] = []

    def __call__(self, func, *args, **kwargs):
        if not self.up:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append((func, args))
        return self.real(func, *args, **kwargs) if self.run else "task-id"


@pytest.fixture
def broker(monkeypatch) -> Broker:
    import django_q.tasks

    fake = Broker(django_q.tasks.async_task)
    monkeypatch.setattr("django_q.tasks.async_task", fake)
    return fake


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """A recording handler for jobCreate: the job ids applied."""
    seen: list[str] = []

    def handle(tenant, data):
        seen.append(data["job"]["id"])
        return "job stored"

    monkeypatch.setitem(events.HANDLERS, "jobCreate", handle)
    return seen


def _sub(tenant):
    return next(s for s in ensure_subscriptions(tenant) if s.event == "jobCreate")


def _delivery(tenant, key: str = "a", **fields) -> WebhookDelivery:
    payload = webhook_fixture("jobCreate")
    payload["data"]["job"]["id"] = f"job-{key}"
    sub = _sub(tenant)
    values = {"tenant_id": sub.tenant_id, "subscription": sub, "action": "jobCreate"}
    values |= {"dedupe_key": key, "body": json.dumps(payload), **fields}
    return WebhookDelivery.objects.create(**values)


def _not_queued(delivery: WebhookDelivery) -> bool:
    delivery.refresh_from_db()
    return delivery.enqueue_failed_at is not None


def _swept(broker: Broker) -> list[int]:
    return [args[0] for func, args in broker.sent if func == PROCESS_TASK]


# --- the mark ----------------------------------------------------------------------------------


def test_a_delivery_the_receiver_could_not_queue_is_marked(
    client, tenant_a, broker, django_capture_on_commit_callbacks
):
    broker.up = False
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, _sub(tenant_a), webhook_fixture("jobCreate"))
    assert response.json() == {"ok": True, "outcome": "stored"}
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.RECEIVED
    assert delivery.enqueue_failed_at is not None


def test_a_queued_delivery_costs_no_query_and_carries_no_mark(
    tenant_a, broker, django_assert_num_queries
):
    delivery = _delivery(tenant_a)
    with django_assert_num_queries(0):
        enqueue(delivery.pk)
    assert broker.sent == [(PROCESS_TASK, (delivery.pk,))]
    assert not _not_queued(delivery)


def test_a_delivery_already_processed_is_not_marked(tenant_a, broker):
    """The receiver's enqueue can fail after a batch of another delivery applied this one."""
    delivery = _delivery(tenant_a, status=Status.PROCESSED)
    broker.up = False
    enqueue(delivery.pk)
    assert not _not_queued(delivery)


def test_a_replay_that_could_not_be_queued_is_marked(
    tenant_a, broker, django_capture_on_commit_callbacks
):
    delivery = _delivery(tenant_a, status=Status.FAILED)
    broker.up = False
    with django_capture_on_commit_callbacks(execute=True):
        replay_delivery(tenant_a, delivery.pk, requested_by="support")
    assert _not_queued(delivery)


# --- the sweep ---------------------------------------------------------------------------------


def test_the_sweep_takes_a_marked_delivery_at_once_and_leaves_an_unmarked_recent_one(
    tenant_a, broker
):
    broker.up = False
    marked = _delivery(tenant_a, "marked")
    enqueue(marked.pk)
    recent = _delivery(tenant_a, "recent")  # its task is on its way
    broker.up = True

    assert requeue_waiting_deliveries() == 1
    assert _swept(broker) == [marked.pk]
    assert not _not_queued(marked)
    recent.refresh_from_db()
    assert recent.swept_at is None


def test_a_marked_delivery_the_sweep_queued_is_not_queued_again_next_minute(tenant_a, broker):
    now = timezone.now()
    marked = _delivery(tenant_a, received_at=now, enqueue_failed_at=now)
    assert requeue_waiting_deliveries(now) == 1
    assert requeue_waiting_deliveries(now + timedelta(minutes=1)) == 0
    assert requeue_waiting_deliveries(now + RESWEEP_AFTER + timedelta(seconds=1)) == 1
    assert _swept(broker) == [marked.pk, marked.pk]


def test_a_delivery_the_sweep_could_not_queue_is_taken_again_next_minute(tenant_a, broker):
    now = timezone.now()
    waiting = _delivery(tenant_a, received_at=now - timedelta(minutes=5))
    broker.up = False
    assert requeue_waiting_deliveries(now) == 1  # taken, but its enqueue failed
    assert _not_queued(waiting)
    broker.up = True
    assert requeue_waiting_deliveries(now + timedelta(minutes=1)) == 1
    assert _swept(broker) == [waiting.pk]


def test_a_marked_delivery_once_processed_is_not_swept(tenant_a, broker, calls):
    delivery = _delivery(tenant_a)
    broker.up = False
    enqueue(delivery.pk)
    assert _not_queued(delivery)
    apply_delivery(delivery.pk)  # e.g. in a batch of another delivery of its tenant
    broker.up = True

    assert requeue_waiting_deliveries() == 0
    assert requeue_waiting_deliveries(timezone.now() + RESWEEP_AFTER * 2) == 0
    assert calls == ["job-a"]
    assert broker.sent == []


def test_a_marked_retry_waits_for_its_next_attempt(tenant_a, broker):
    now = timezone.now()
    _delivery(
        tenant_a,
        status=Status.RETRYING,
        next_attempt_at=now + timedelta(minutes=2),
        enqueue_failed_at=now,
    )
    assert requeue_waiting_deliveries(now) == 0
    assert requeue_waiting_deliveries(now + timedelta(minutes=2)) == 1


# --- the broker back ---------------------------------------------------------------------------


def test_the_first_enqueue_after_a_failure_queues_a_sweep(tenant_a, broker):
    first, second, third = (_delivery(tenant_a, key) for key in "abc")
    broker.up = False
    enqueue(first.pk)
    broker.up = True
    enqueue(second.pk)
    enqueue(third.pk)  # the broker was fine for the one before: no second sweep
    assert broker.sent == [
        (PROCESS_TASK, (second.pk,)),
        (SWEEP_TASK, ()),
        (PROCESS_TASK, (third.pk,)),
    ]


def test_a_sweep_that_cannot_be_queued_is_asked_for_again_at_the_next_success(
    tenant_a, broker, monkeypatch
):
    a, b, c = (_delivery(tenant_a, key) for key in "abc")
    broker.up = False
    enqueue(a.pk)
    broker.up = True
    real_queue = deliveries._queue

    def sweep_refused(func, *args):
        if func == SWEEP_TASK:
            raise ConnectionError("the broker went away again")
        real_queue(func, *args)

    monkeypatch.setattr(deliveries, "_queue", sweep_refused)
    enqueue(b.pk)
    monkeypatch.setattr(deliveries, "_queue", real_queue)
    enqueue(c.pk)
    assert broker.sent == [
        (PROCESS_TASK, (b.pk,)),
        (PROCESS_TASK, (c.pk,)),
        (SWEEP_TASK, ()),
    ]


def test_a_delivery_stored_while_the_broker_was_down_is_applied_with_the_next_one_queued(
    tenant_a, tenant_b, monkeypatch, calls
):
    """Another tenant's delivery, so its batch does not apply the first: the sweep does.
    django-q2 runs tasks inline in the tests' settings."""
    import django_q.tasks

    broker = Broker(django_q.tasks.async_task, run=True)
    monkeypatch.setattr("django_q.tasks.async_task", broker)
    stored_in_outage = _delivery(tenant_b, "outage")
    broker.up = False
    enqueue(stored_in_outage.pk)
    broker.up = True

    enqueue(_delivery(tenant_a, "after").pk)

    stored_in_outage.refresh_from_db()
    assert stored_in_outage.status == Status.PROCESSED
    assert calls == ["job-after", "job-outage"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_do_not_both_take_a_delivery(tenant_a, broker):
    """The rows one sweep took are locked until it has stamped them, and another sweep skips
    them (SKIP LOCKED)."""
    marked = _delivery(tenant_a, enqueue_failed_at=timezone.now())
    locked, release = threading.Event(), threading.Event()

    def other_sweep_holding_the_row() -> None:
        try:
            with transaction.atomic():
                WebhookDelivery.objects.select_for_update().get(pk=marked.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=other_sweep_holding_the_row)
    holder.start()
    assert locked.wait(10)
    try:
        assert requeue_waiting_deliveries() == 0
    finally:
        release.set()
        holder.join()
    assert requeue_waiting_deliveries() == 1
    assert _swept(broker) == [marked.pk]
