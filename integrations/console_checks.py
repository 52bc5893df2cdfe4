"""The support home's checks: who needs help right now, and why.

A check is a function `(now) -> list[Attention]`: one query (never one per tenant), each row a
tenant, the reason in plain words, and a link to where support acts. `CHECKS` is the list the
home runs, in the order reasons are shown; a new check (issue 18: the partner's rate limiting,
once the shared request budget records it) is one more function appended there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.timesince import timesince

from integrations import registry
from integrations.models import AshbyConnection, SyncRun, WebhookDelivery, WebhookSubscription
from tenants.admin_kit import changelist_url
from tenants.models import Tenant

BACKLOG_AFTER = timedelta(minutes=5)  # received and not processed for longer: a backlog
FAILURES_WITHIN = timedelta(hours=24)


@dataclass(frozen=True)
class Attention:
    tenant_id: int
    reason: str  # a sentence support reads
    link: str  # where support acts on it
    action: str  # the link's words


Check = Callable[[datetime], list[Attention]]


def _connection_url(connection_id: int) -> str:
    return reverse("admin:integrations_ashbyconnection_change", args=[connection_id])


def key_problems(now: datetime) -> list[Attention]:
    """A key Ashby refused (Needs attention), or one that lacks a permission Guide needs."""
    rows = AshbyConnection.objects.exclude(status=AshbyConnection.Status.DISABLED).values_list(
        "pk", "tenant_id", "status", "status_reason", "permissions"
    )
    found = []
    for pk, tenant_id, status, reason, permissions in rows:
        missing = registry.missing_permissions(permissions or [])
        if status == AshbyConnection.Status.NEEDS_ATTENTION:
            text = f"The Ashby key needs attention: {reason or 'Ashby refused it'}"
        elif missing:
            names = ", ".join(registry.describe_permission(m) for m in missing)
            text = f"The Ashby key lacks a permission Guide needs: {names}."
        else:
            continue
        found.append(Attention(tenant_id, text, _connection_url(pk), "Open the connection"))
    return found


def _latest_run_ids():
    latest = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-requested_at", "-id")
    return AshbyConnection.objects.annotate(latest=Subquery(latest.values("pk")[:1])).values(
        "latest"
    )


def failed_syncs(now: datetime) -> list[Attention]:
    """The tenant's latest sync failed."""
    runs = SyncRun.objects.filter(
        pk__in=_latest_run_ids(), status=SyncRun.Status.FAILED
    ).values_list("pk", "connection__tenant_id", "error", "finished_at")
    return [
        Attention(
            tenant_id,
            f"The last sync failed{_ago(finished, now)}: {_first_line(error) or 'no error recorded'}",
            reverse("admin:integrations_syncrun_change", args=[pk]),
            "Open the sync run",
        )
        for pk, tenant_id, error, finished in runs
    ]


def stale_syncs(now: datetime) -> list[Attention]:
    """Connected, but no successful sync for twice the sync interval."""
    cutoff = now - stale_after()
    succeeded = SyncRun.objects.filter(
        connection=OuterRef("pk"), status=SyncRun.Status.SUCCEEDED
    ).order_by("-requested_at", "-id")
    rows = (
        AshbyConnection.objects.filter(
            status=AshbyConnection.Status.CONNECTED, connected_at__lt=cutoff
        )
        .annotate(last_ok=Subquery(succeeded.values("finished_at")[:1]))
        .filter(Q(last_ok__isnull=True) | Q(last_ok__lt=cutoff))
        .values_list("pk", "tenant_id", "last_ok")
    )
    return [
        Attention(
            tenant_id,
            f"No successful sync for {since(last_ok, now)}."
            if last_ok
            else "No sync has ever succeeded.",
            _connection_url(pk),
            "Open the connection",
        )
        for pk, tenant_id, last_ok in rows
    ]


def stale_after() -> timedelta:
    return timedelta(minutes=2 * settings.GUIDE_SYNC_INTERVAL_MINUTES)


def failing_webhooks(now: datetime) -> list[Attention]:
    """Webhook rows whose deliveries arrive wrongly signed (the secret in Ashby differs)."""
    rows = (
        WebhookSubscription.objects.filter(last_signature_failure_at__isnull=False)
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
            changelist_url(WebhookSubscription, tenant__id__exact=tenant_id, failing="yes"),
            "See the webhook rows",
        )
        for tenant_id, n in rows
    ]


def quiet_webhooks(now: datetime) -> list[Attention]:
    """Connected once, then nothing for the event's quiet time while the tenant's other
    webhooks still receive deliveries (as the Configure Webhooks page computes it)."""
    quickest = min((e.quiet_after for e in registry.EVENTS.values()), default=timedelta(days=1))
    others = (
        WebhookSubscription.objects.filter(tenant=OuterRef("tenant"))
        .exclude(pk=OuterRef("pk"))
        .filter(last_valid_delivery_at__isnull=False)
        .order_by("-last_valid_delivery_at")
        .values("last_valid_delivery_at")[:1]
    )
    candidates = WebhookSubscription.objects.filter(
        last_valid_delivery_at__lt=now - quickest, tenant__in=Tenant.objects.values("pk")
    ).annotate(others_last=Subquery(others))
    quiet: dict[int, list[str]] = {}
    for sub in candidates.filter(others_last__gt=now - quickest):
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
            changelist_url(WebhookSubscription, tenant__id__exact=tenant_id),
            "See the webhook rows",
        )
        for tenant_id, labels in quiet.items()
    ]


def failing_deliveries(now: datetime) -> list[Attention]:
    """Deliveries of the last 24 hours whose processing failed (or is being retried)."""
    rows = (
        WebhookDelivery.objects.filter(
            tenant__in=Tenant.objects.values("pk"),
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
            f"{_count(n, 'delivery', 'deliveries')} failed processing in the last 24 hours, "
            f"the last{_ago(last, now)}.",
            changelist_url(WebhookDelivery, tenant__id__exact=tenant_id, has_error="yes"),
            "See the failed deliveries",
        )
        for tenant_id, n, last in rows
    ]


def delivery_backlog(now: datetime) -> list[Attention]:
    """Deliveries received (or due for a retry) and still unprocessed after a few minutes."""
    return [
        Attention(
            tenant_id,
            f"{_count(n, 'delivery', 'deliveries')} waiting to be processed, the oldest for "
            f"{since(oldest, now)}.",
            changelist_url(WebhookDelivery, tenant__id__exact=tenant_id),
            "See the deliveries",
        )
        for tenant_id, n, oldest in backlog(now)
    ]


def backlog(now: datetime) -> list[tuple[int, int, datetime]]:
    """(tenant id, deliveries waiting, the oldest's received time), from the pending index."""
    return list(
        WebhookDelivery.objects.filter(
            status__in=WebhookDelivery.PENDING, received_at__lt=now - BACKLOG_AFTER
        )
        .values("tenant_id")
        .annotate(n=Count("pk"), oldest=Min("received_at"))
        .values_list("tenant_id", "n", "oldest")
    )


CHECKS: list[Check] = [
    key_problems,
    failed_syncs,
    stale_syncs,
    failing_webhooks,
    quiet_webhooks,
    failing_deliveries,
    delivery_backlog,
]


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def since(when: datetime, now: datetime) -> str:
    """ "3 minutes", "2 hours, 5 minutes"; never "0 minutes"."""
    if now - when < timedelta(minutes=1):
        return "less than a minute"
    return timesince(when, now)


def _ago(when: datetime | None, now: datetime) -> str:
    return f" {since(when, now)} ago" if when else ""


def _first_line(text: str) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return capfirst(line[:200])
