"""A tenant with one of everything the support console lists, for page-by-page tests."""

from __future__ import annotations

import itertools

from django.contrib import admin
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from integrations.models import (
    AshbyConnection,
    AuditEvent,
    DeliveryAttempt,
    SyncRun,
    SyncSeen,
    SyncState,
    WebhookDelivery,
    WebhookSubscription,
)
from tenants.models import Tenant
from tests.guides import factories as f


def populate(tenant: Tenant, *, name: str = "Ada Lovelace") -> dict[str, Model]:
    """One row of each model of the tenant (several rows when called several times)."""
    guide, app = f.candidate_with_guide(tenant, name)
    grace = f.interviewer(tenant, "Grace", name.split()[0])
    sched = f.schedule(tenant, app)
    event = f.event(
        tenant,
        sched,
        f.at("2026-03-08 15:00"),
        the_interview=f.interview(tenant),
        interviewers=[grace],
    )
    AuditEvent.record(tenant, None, AuditEvent.Action.ASHBY_CONNECTED, key_last4="ddcc")
    connection = _connection(tenant)
    run = SyncRun.objects.create(
        connection=connection,
        status="succeeded",
        task_id=f"{next(_numbers):032x}",
        progress={"candidates": {"fetched": 1, "created": 1, "pages": 1, "error": ""}},
    )
    SyncState.objects.create(
        connection=connection, resource=f"resource-{next(_numbers)}", sync_token="t"
    )
    SyncSeen.objects.create(run=run, resource="candidates", external_id=f"c-{next(_numbers)}")
    subscription = _subscription(tenant)
    key = f"wa-{next(_numbers)}"
    failed = WebhookDelivery.objects.create(
        tenant=tenant,
        subscription=subscription,
        action=subscription.event,
        webhook_action_id=key,
        dedupe_key=key,
        body='{"action": "candidateHire", "data": {}}',
        status="failed",
        error="boom",
        attempts=1,
        attempts_total=1,
        started_at=timezone.now(),
    )
    DeliveryAttempt.objects.create(
        delivery=failed,
        tenant=tenant,
        number=1,
        kind="first",
        started_at=failed.started_at,
        finished_at=timezone.now(),
        result="failed",
        message="The payload has no application object.",
        details="MappingError: The payload has no application object.",
    )
    return {"guide": guide, "application": app, "schedule": sched, "event": event, "run": run}


_numbers = itertools.count(1)


def _subscription(tenant: Tenant) -> WebhookSubscription:
    existing = WebhookSubscription.objects.filter(tenant=tenant, event="candidateHire").first()
    if existing is not None:
        return existing
    subscription = WebhookSubscription(tenant=tenant, event="candidateHire")
    subscription.secret = "0123456789abcdef" * 4
    subscription.save()
    return subscription


def _connection(tenant: Tenant) -> AshbyConnection:
    existing = AshbyConnection.objects.filter(tenant=tenant).first()
    if existing is not None:
        return existing
    connection = AshbyConnection(tenant=tenant, key_title="Guide")
    connection.api_key = f"{tenant.slug}-key-0123456789abcdef"
    connection.save()
    return connection


def tenant_objects(tenant: Tenant) -> list[Model]:
    """One row of each registered model that belongs to `tenant`."""
    rows: list[Model] = [tenant, *tenant.memberships.all()[:1]]
    for model in admin.site._registry:
        if model._meta.app_label not in ("tenants", "guides", "integrations"):
            continue
        lookup = _tenant_lookup(model)
        if model is Tenant or lookup is None:
            continue
        row = model.objects.filter(**{lookup: tenant}).first()
        if row is not None:
            rows.append(row)
    return rows


def _tenant_lookup(model: type[Model]) -> str | None:
    names = {field.name for field in model._meta.get_fields()}
    if "tenant" in names:
        return "tenant"
    if "connection" in names:
        return "connection__tenant"
    if "run" in names:
        return "run__connection__tenant"
    return None


def change_url(obj: Model) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def changelist_urls() -> list[str]:
    return [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in admin.site._registry
        if m._meta.app_label in ("tenants", "guides", "integrations", "django_q")
    ]
