"""A tenant's pending deliveries claimed and applied a batch at a time
(integrations/delivery_batches.py, integrations/ashby/handler_batches.py): the same data and
history as one by one, a fixed number of queries per batch, and one bad delivery never failing
or rolling back the others."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from guides.models import Application, Candidate, Guide
from integrations import delivery_batches
from integrations.ashby import handler_batches
from integrations.deliveries import apply_delivery, apply_pending
from integrations.models import DeletedCandidate, DeliveryAttempt, WebhookDelivery
from integrations.webhook_rows import ensure_subscriptions
from tests.integrations.webhook_helpers import webhook_fixture

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


def _stage_change(n: int, *, app: int | None = None, minute: int | None = None) -> dict:
    """The n-th distinct candidateStageChange: application app-<app> (default n) of candidate
    cand-<app>, in stage stage-<n % 3>, changed at 12:<minute> (default n)."""
    payload = webhook_fixture("candidateStageChange")
    payload["webhookActionId"] = f"00000000-0000-4000-8000-{n:012d}"
    app = n if app is None else app
    application = payload["data"]["application"]
    application["id"], application["candidate"]["id"] = f"app-{app}", f"cand-{app}"
    application["updatedAt"] = f"2026-11-20T12:{n if minute is None else minute:02d}:00.000Z"
    application["currentInterviewStage"].update(id=f"stage-{n % 3}", orderInInterviewPlan=n % 3)
    return payload


def _store(tenant, payloads: list[dict], action: str = "candidateStageChange", **fields):
    sub = next(s for s in ensure_subscriptions(tenant) if s.event == action)
    return [
        WebhookDelivery.objects.create(
            tenant=tenant,
            subscription=sub,
            action=action,
            dedupe_key=p.get("webhookActionId") or str(i),
            body=json.dumps(p),
            **fields,
        )
        for i, p in enumerate(payloads)
    ]


def _stage(tenant, app: int) -> str:
    return Application.objects.get(
        tenant=tenant, external_id=f"app-{app}"
    ).current_stage.external_id


def test_one_task_applies_its_tenants_backlog_and_the_others_find_nothing(tenant_a):
    stored = _store(tenant_a, [_stage_change(n) for n in range(12)])
    assert apply_pending(stored[5].pk) == "processed 12"
    assert [apply_pending(d.pk) for d in stored] == ["not pending"] * 12
    for delivery in WebhookDelivery.objects.all():
        assert (delivery.status, delivery.attempts, delivery.error) == (Status.PROCESSED, 1, "")
        assert (
            delivery.outcome
            == f"Application {json.loads(delivery.body)['data']['application']['id']} created."
        )
    assert [_stage(tenant_a, n) for n in range(12)] == [f"stage-{n % 3}" for n in range(12)]
    assert Guide.objects.filter(tenant=tenant_a).count() == 12
    attempts = DeliveryAttempt.objects.order_by("delivery_id")
    assert [(a.delivery_id, a.number, a.kind, a.result) for a in attempts] == [
        (d.pk, 1, "first", Status.PROCESSED) for d in stored
    ]
    assert all(a.message.startswith("Application app-") for a in attempts)


def test_a_batch_costs_a_fixed_number_of_queries(tenant_a, django_assert_max_num_queries):
    """Applied one by one, 40 updates cost about 20 queries each; in one batch, fewer than
    one each, and the later tasks one statement."""
    _store(tenant_a, [_stage_change(n, app=n, minute=0) for n in range(40)])
    apply_pending(WebhookDelivery.objects.first().pk)
    updates = _store(tenant_a, [_stage_change(100 + n, app=n, minute=30) for n in range(40)])
    # 24 on SQLite, savepoints included, and one of them the check for erased candidates;
    # on PostgreSQL one more: the tenant's batch lock
    with django_assert_max_num_queries(25 + (connection.vendor == "postgresql")):
        assert apply_pending(updates[0].pk) == "processed 40"
    with django_assert_max_num_queries(1):
        assert apply_pending(updates[1].pk) == "not pending"
    assert {d.outcome for d in WebhookDelivery.objects.filter(pk__in=[u.pk for u in updates])} == {
        f"Application app-{n} updated." for n in range(40)
    }


def test_a_batch_is_at_most_batch_size_and_oldest_first_after_its_own(tenant_a, monkeypatch):
    monkeypatch.setattr(delivery_batches, "BATCH_SIZE", 3)
    stored = _store(tenant_a, [_stage_change(n) for n in range(5)])
    assert apply_pending(stored[4].pk) == "processed 3"
    done = WebhookDelivery.objects.filter(status=Status.PROCESSED)
    assert set(done.values_list("pk", flat=True)) == {stored[4].pk, stored[0].pk, stored[1].pk}


def test_the_newest_copy_wins_whatever_the_order_in_the_batch(tenant_a):
    newer, older = _store(
        tenant_a, [_stage_change(1, app=7, minute=50), _stage_change(2, app=7, minute=10)]
    )
    assert apply_pending(older.pk) == "processed 2"
    assert _stage(tenant_a, 7) == "stage-1"  # the newer one's stage
    newer.refresh_from_db()
    older.refresh_from_db()
    assert newer.outcome == "Application app-7 created."
    assert older.outcome == "Application app-7 unchanged: the stored copy is as new or newer."


def test_a_bad_delivery_fails_alone_and_the_rest_of_its_batch_is_applied(tenant_a):
    no_id = _stage_change(2)
    no_id["data"]["application"]["id"] = None
    schedule = webhook_fixture("interviewScheduleCreate")  # its application is not known
    good, bad, _ = _store(tenant_a, [_stage_change(1), no_id, _stage_change(3)])
    (early,) = _store(tenant_a, [schedule], action="interviewScheduleCreate")
    assert apply_pending(good.pk) == "failed 1, processed 2, retrying 1"
    bad.refresh_from_db()
    assert bad.status == Status.FAILED and "id" in bad.error
    early.refresh_from_db()
    assert early.status == Status.RETRYING and early.next_attempt_at > timezone.now()
    assert _stage(tenant_a, 1) == "stage-1" and _stage(tenant_a, 3) == "stage-0"
    results = dict(DeliveryAttempt.objects.values_list("delivery_id", "result"))
    assert results[bad.pk] == Status.FAILED and results[early.pk] == Status.RETRYING


def test_a_group_failing_as_a_whole_is_applied_one_by_one(tenant_a, monkeypatch):
    def broken(tenant, items):
        raise RuntimeError("the batch path broke")

    fetch = handler_batches.APPLICATIONS.fetch
    monkeypatch.setattr(handler_batches, "APPLICATIONS", handler_batches.Batch(fetch, broken))
    stored = _store(tenant_a, [_stage_change(n) for n in range(3)])
    assert apply_pending(stored[0].pk) == "processed 3"
    assert [_stage(tenant_a, n) for n in range(3)] == ["stage-0", "stage-1", "stage-2"]


def test_when_the_batch_cannot_be_saved_nothing_is_applied_and_each_is_retried(
    tenant_a, monkeypatch
):
    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(delivery_batches.sql, "update_rows", down)
    stored = _store(tenant_a, [_stage_change(n) for n in range(3)])
    apply_pending(stored[0].pk)
    assert not Application.objects.filter(tenant=tenant_a).exists()
    for delivery in WebhookDelivery.objects.all():
        assert delivery.status == Status.RETRYING
        assert "database" in delivery.error
        assert delivery.outcome == ""  # nothing was applied, so no line says it was
    assert DeliveryAttempt.objects.filter(result=Status.RETRYING).count() == 3


def test_a_deleted_candidates_late_delivery_is_ignored_in_a_batch(tenant_a):
    DeletedCandidate.objects.create(tenant=tenant_a, external_id="cand-1")
    stored = _store(tenant_a, [_stage_change(n) for n in range(3)])
    apply_pending(stored[0].pk)
    stored[1].refresh_from_db()
    assert stored[1].outcome == "Candidate cand-1 was deleted in Ashby: ignored."
    assert not Candidate.objects.filter(tenant=tenant_a, external_id="cand-1").exists()
    assert _stage(tenant_a, 2) == "stage-2"


def test_a_batch_claims_only_its_tenants_due_deliveries(tenant_a, tenant_b):
    mine = _store(tenant_a, [_stage_change(1)])
    later = _store(
        tenant_a,
        [_stage_change(2)],
        status=Status.RETRYING,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )
    theirs = _store(tenant_b, [_stage_change(3)])
    assert apply_pending(mine[0].pk) == "processed 1"
    assert WebhookDelivery.objects.get(pk=later[0].pk).status == Status.RETRYING
    assert WebhookDelivery.objects.get(pk=theirs[0].pk).status == Status.RECEIVED


def test_apply_delivery_applies_that_delivery_only(tenant_a):
    first, second = _store(tenant_a, [_stage_change(1), _stage_change(2)])
    assert apply_delivery(second.pk) == Status.PROCESSED
    assert WebhookDelivery.objects.get(pk=first.pk).status == Status.RECEIVED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_deliveries_another_worker_holds_without_waiting(tenant_a):
    """Two workers claiming the same tenant's backlog at once get disjoint batches: the rows
    one holds are skipped by the other (FOR UPDATE SKIP LOCKED), not waited for."""
    stored = _store(tenant_a, [_stage_change(n) for n in range(4)])
    held, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                list(WebhookDelivery.objects.select_for_update().filter(pk=stored[0].pk))
                held.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert held.wait(timeout=10)
        claimed = delivery_batches.claim(stored[0].pk)
    finally:
        release.set()
        thread.join(timeout=10)
    assert [d.pk for d in claimed] == [d.pk for d in stored[1:]]
    assert WebhookDelivery.objects.get(pk=stored[0].pk).status == Status.RECEIVED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_batch_of_a_tenant_at_a_time_and_other_tenants_go_on(tenant_a, tenant_b):
    """Two batches of one tenant would update the same rows in different orders and
    deadlock (a delivery then waits a minute for its retry): a tenant's batches take turns;
    another tenant's batch does not wait."""
    mine = _store(tenant_a, [_stage_change(1)])
    theirs = _store(tenant_b, [_stage_change(2)])
    held, release = threading.Event(), threading.Event()

    def batch_of_tenant_a_under_way() -> None:
        try:
            with transaction.atomic():
                delivery_batches._one_batch_per_tenant(tenant_a.pk)
                held.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def apply_mine() -> None:
        try:
            apply_pending(mine[0].pk)
        finally:
            connection.close()

    holder = threading.Thread(target=batch_of_tenant_a_under_way)
    holder.start()
    waiting = threading.Thread(target=apply_mine)
    try:
        assert held.wait(timeout=10)
        assert apply_pending(theirs[0].pk) == "processed 1"  # tenant_b is not held up
        waiting.start()
        waiting.join(timeout=1)
        assert waiting.is_alive()  # tenant_a's second batch waits for the first
        assert WebhookDelivery.objects.get(pk=mine[0].pk).status == Status.PROCESSING
    finally:
        release.set()
        holder.join(timeout=10)
        if waiting.is_alive() or waiting.ident:
            waiting.join(timeout=10)
    assert WebhookDelivery.objects.get(pk=mine[0].pk).status == Status.PROCESSED


def test_a_fetch_that_fails_fails_its_delivery_only(tenant_a, monkeypatch):
    real = handler_batches.fetch_for_application

    def fetch(tenant, data, known=None):
        if data["application"]["id"] == "app-1":
            raise RuntimeError("the fetch broke")
        return real(tenant, data, known)

    monkeypatch.setattr(handler_batches, "fetch_for_application", fetch)
    stored = _store(tenant_a, [_stage_change(n) for n in range(3)])
    assert apply_pending(stored[0].pk) == "processed 2, retrying 1"
    assert WebhookDelivery.objects.get(pk=stored[1].pk).status == Status.RETRYING
    assert not Application.objects.filter(tenant=tenant_a, external_id="app-1").exists()
    assert _stage(tenant_a, 2) == "stage-2"
