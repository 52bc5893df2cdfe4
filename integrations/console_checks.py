"""The support home's checks: who needs help right now, and why.

A check is a function `(now, tenant_id=None) -> list[Attention]` (every tenant, or one): one
query (never one per tenant), each row a tenant, the reason in plain words, and a link to where support acts. `CHECKS` is the list the
home runs, with what each looks for, in the order reasons are shown; a new check is one more
entry there. A pause of all of Guide's calls (Ashby's partner-wide rate limit) is not a
tenant's problem: the home shows it as a banner above the list.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.text import capfirst

from integrations import budget, registry
from integrations.models import AshbyConnection, SyncRun, WebhookDelivery, WebhookSubscription
from tenants.admin_kit import changelist_url
from tenants.console_format import human_age, relative_time
from tenants.models import Tenant

BACKLOG_AFTER = timedelta(minutes=5)  # received and not processed for longer: a backlog
FAILURES_WITHIN = timedelta(hours=24)


@dataclass(frozen=True)
class Attention:
    tenant_id: int
    reason: str  # a sentence support reads
    link: str  # where support acts on it
    action: str  # the link's words


Check = Callable[[datetime, int | None], list[Attention]]


def _scoped(rows: QuerySet, tenant_id: int | None, field: str = "tenant_id") -> QuerySet:
    return rows.filter(**{field: tenant_id}) if tenant_id else rows


def _later(function: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """`function(*args, **kwargs)`, worked out when the page shows it: a reason or link of a
    tenant past the ones listed (an outage can flag every tenant) costs nothing."""
    return _lazy(function)(*args, **kwargs)


@functools.cache
def _lazy(function: Callable[..., str]) -> Callable[..., str]:
    return lazy(function, str)  # building the lazy wrapper is the costly part: once each


def _connection_url(connection_id: int) -> str:
    return reverse_lazy("admin:integrations_ashbyconnection_change", args=[connection_id])


def key_problems(now: datetime, tenant_id: int | None = None) -> list[Attention]:
    """A key Ashby refused (Needs attention), or one that lacks a permission Guide needs."""
    rows = _scoped(AshbyConnection.objects, tenant_id).exclude(
        status=AshbyConnection.Status.DISABLED
    )
    found = []
    for pk, tenant, status, reason, permissions in rows.values_list(
        "pk", "tenant_id", "status", "status_reason", "permissions"
    ):
        missing = registry.missing_permissions(permissions or [])
        if status == AshbyConnection.Status.NEEDS_ATTENTION:
            text = f"The Ashby key needs attention: {reason or 'Ashby refused it'}"
        elif missing:
            names = ", ".join(registry.describe_permission(m) for m in missing)
            text = f"The Ashby key lacks a permission Guide needs: {names}."
        else:
            continue
        found.append(Attention(tenant, text, _connection_url(pk), "Open the connection"))
    return found


def failed_syncs(now: datetime, tenant_id: int | None = None) -> list[Attention]:
    """The tenant's latest sync failed (one probe of the (connection, -requested_at) index per
    connection; the run's details are read for the failed ones only)."""
    latest = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-requested_at", "-id")
    runs = (
        _scoped(AshbyConnection.objects, tenant_id)
        .annotate(latest_status=Subquery(latest.values("status")[:1]))
        .filter(latest_status=SyncRun.Status.FAILED)
        .annotate(
            run_id=Subquery(latest.values("pk")[:1]),
            run_error=Subquery(latest.values("error")[:1]),
            run_finished=Subquery(latest.values("finished_at")[:1]),
        )
        .values_list("run_id", "tenant_id", "run_error", "run_finished")
    )
    return [
        Attention(
            tenant_id,
            _later(_failed_sync_reason, error, finished, now),
            reverse_lazy("admin:integrations_syncrun_change", args=[pk]),
            "Open the sync run",
        )
        for pk, tenant_id, error, finished in runs
    ]


def stale_syncs(now: datetime, tenant_id: int | None = None) -> list[Attention]:
    """Connected, but no successful sync for twice the sync interval. The recent success is
    looked for among the connection's runs of the last day (a range of its index, newest
    first); the time of the last one is read for the stale connections only."""
    cutoff = now - stale_after()
    succeeded = SyncRun.objects.filter(connection=OuterRef("pk"), status=SyncRun.Status.SUCCEEDED)
    recent = succeeded.filter(requested_at__gte=cutoff - timedelta(days=1), finished_at__gte=cutoff)
    last_ok = succeeded.order_by("-requested_at", "-id").values("finished_at")[:1]
    rows = (
        _scoped(AshbyConnection.objects, tenant_id)
        .filter(status=AshbyConnection.Status.CONNECTED, connected_at__lt=cutoff)
        .filter(~Exists(recent))
        .annotate(last_ok=Subquery(last_ok))
        .values_list("pk", "tenant_id", "last_ok")
    )
    return [
        Attention(
            tenant_id,
            _later(_stale_reason, last_ok, now),
            _connection_url(pk),
            "Open the connection",
        )
        for pk, tenant_id, last_ok in rows
    ]


def stale_after() -> timedelta:
    return timedelta(minutes=2 * settings.GUIDE_SYNC_INTERVAL_MINUTES)


def failing_webhooks(now: datetime, tenant_id: int | None = None) -> list[Attention]:
    """Webhook rows whose deliveries arrive wrongly signed (the secret in Ashby differs)."""
    rows = (
        _scoped(WebhookSubscription.objects, tenant_id)
        .filter(last_signature_failure_at__isnull=False)
        .filter(
            Q(last_valid_delivery_at__isnull=True)
            | Q(last_signature_failure_at__gt=F("last_valid_delivery_at"))
        )
        .values("tenant_id")
        .annotate(n=Count("pk"))
        .values_list("tenant_id", "n")
    )
    return [
        Attention(
            tenant_id,
            f"{_count(n, 'webhook')} refuse{'s' if n == 1 else ''} deliveries: "
            "the secret in Ashby does not match Guide's.",
            _later(changelist_url, WebhookSubscription, tenant__id__exact=tenant_id, failing="yes"),
            "See the webhook rows",
        )
        for tenant_id, n in rows
    ]


def quiet_webhooks(now: datetime, tenant_id: int | None = None) -> list[Attention]:
    """Connected once, then nothing for the event's quiet time while the tenant's other
    webhooks still receive deliveries (as the Configure Webhooks page computes it). Only rows
    silent for the shortest quiet time are candidates; their tenant's other rows are probed
    for those alone."""
    quickest = min((e.quiet_after for e in registry.EVENTS.values()), default=timedelta(days=1))
    others = (
        WebhookSubscription.objects.filter(tenant=OuterRef("tenant"))
        .exclude(pk=OuterRef("pk"))
        .filter(last_valid_delivery_at__isnull=False)
        .order_by("-last_valid_delivery_at")
        .values("last_valid_delivery_at")[:1]
    )
    candidates = (
        _scoped(WebhookSubscription.objects, tenant_id)
        .filter(last_valid_delivery_at__lt=now - quickest)
        .annotate(others_last=Subquery(others))
        .filter(others_last__gt=now - quickest)
    )
    quiet: dict[int, list[str]] = {}
    for sub in candidates:
        event = registry.EVENTS.get(sub.event)
        state = sub.state(
            quiet_after=event.quiet_after if event else quickest, others_last_valid=sub.others_last
        )
        if state == WebhookSubscription.State.QUIET:
            quiet.setdefault(sub.tenant_id, []).append(event.label if event else sub.event)
    return [
        Attention(
            tenant_id,
            f"Quiet webhook{'s' if len(labels) > 1 else ''} ({', '.join(sorted(labels))}): no "
            "delivery lately while the others receive theirs; check they are enabled in Ashby.",
            _later(changelist_url, WebhookSubscription, tenant__id__exact=tenant_id),
            "See the webhook rows",
        )
        for tenant_id, labels in quiet.items()
    ]


def failing_deliveries(now: datetime, tenant_id: int | None = None) -> list[Attention]:
    """Deliveries of the last 24 hours whose processing failed (or is being retried)."""
    rows = (
        WebhookDelivery.objects.filter(
            # one range of the (tenant, -received_at) index per tenant
            tenant__in=[tenant_id] if tenant_id else Tenant.objects.values("pk"),
            received_at__gte=now - FAILURES_WITHIN,
            status__in=[WebhookDelivery.Status.FAILED, WebhookDelivery.Status.RETRYING],
        )
        .exclude(error="")
        .values("tenant_id")
        .annotate(n=Count("pk"), last=Max("received_at"))
        .values_list("tenant_id", "n", "last")
    )
    return [
        Attention(
            tenant_id,
            _later(_failing_reason, n, last, now),
            _later(changelist_url, WebhookDelivery, tenant__id__exact=tenant_id, has_error="yes"),
            "See the failed deliveries",
        )
        for tenant_id, n, last in rows
    ]


def delivery_backlog(now: datetime, tenant_id: int | None = None) -> list[Attention]:
    """Deliveries received (or due for a retry) and still unprocessed after a few minutes."""
    return [
        Attention(
            tenant,
            _later(_backlog_reason, n, oldest, now),
            _later(changelist_url, WebhookDelivery, tenant__id__exact=tenant),
            "See the deliveries",
        )
        for tenant, n, oldest in backlog(now, tenant_id)
    ]


def backlog(now: datetime, tenant_id: int | None = None) -> list[tuple[int, int, datetime]]:
    """(tenant id, deliveries waiting, the oldest's received time), from the pending index."""
    return list(
        _scoped(WebhookDelivery.objects, tenant_id)
        .filter(status__in=WebhookDelivery.PENDING, received_at__lt=now - BACKLOG_AFTER)
        .values("tenant_id")
        .annotate(n=Count("pk"), oldest=Min("received_at"))
        .values_list("tenant_id", "n", "oldest")
    )


def budget_waiting(now: datetime, tenant_id: int | None = None) -> list[Attention]:
    """Tenants whose calls to Ashby wait for the shared request budget (integrations/budget.py):
    their key throttled by Ashby, or their share of Guide's cap in use. The partner-wide pause
    is the home's banner (`budget.budget_waits().partner_paused_until`), not one row per tenant."""
    return [
        Attention(
            wait.tenant_id,
            _later(_budget_reason, wait.reason_text, wait.until, now),
            _later(changelist_url, AshbyConnection, tenant__id__exact=wait.tenant_id),
            "Open the connection",
        )
        for wait in budget.budget_waits().tenants
        if wait.tenant_id is not None and (tenant_id is None or wait.tenant_id == tenant_id)
    ]


def _budget_reason(why: str, until: datetime, now: datetime) -> str:
    left = human_age(until - now) if until > now else "a moment"
    return f"Calls to Ashby are waiting for the request budget ({why}) for {left} more."


# (what the check looks for, the check), in the order reasons are shown.
CHECKS: list[tuple[str, Check]] = [
    ("Ashby key refused or a permission missing", key_problems),
    ("Last sync failed", failed_syncs),
    ("No successful sync lately", stale_syncs),
    ("Webhooks refusing deliveries (secret mismatch)", failing_webhooks),
    ("Quiet webhooks", quiet_webhooks),
    ("Deliveries failing processing", failing_deliveries),
    ("Deliveries waiting to be processed", delivery_backlog),
    ("Waiting for Ashby's request budget", budget_waiting),
]


def _failed_sync_reason(error: str, finished: datetime | None, now: datetime) -> str:
    return f"The last sync failed{_ago(finished, now)}: {_first_line(error) or 'no error recorded'}"


def _stale_reason(last_ok: datetime | None, now: datetime) -> str:
    if last_ok is None:
        return "No sync has ever succeeded."
    return f"No successful sync for {human_age(now - last_ok)}."


def _failing_reason(n: int, last: datetime, now: datetime) -> str:
    deliveries = _count(n, "delivery", "deliveries")
    return f"{deliveries} failed processing in the last 24 hours, the last{_ago(last, now)}."


def _backlog_reason(n: int, oldest: datetime, now: datetime) -> str:
    deliveries = _count(n, "delivery", "deliveries")
    return f"{deliveries} waiting to be processed, the oldest for {human_age(now - oldest)}."


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _ago(when: datetime | None, now: datetime) -> str:
    """ " 3 minutes ago" (the console's ages: never "0 minutes"), or nothing when unknown."""
    return f" {relative_time(when, now)}" if when else ""


def _first_line(text: str) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return capfirst(line[:200])
