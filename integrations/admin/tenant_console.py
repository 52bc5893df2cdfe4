"""The integration's panel of the tenant page: everything support needs to help a customer.

The connection and its key (with "Check the key now"), permissions in words, the last syncs
with their progress, the webhook rows exactly as the customer's Configure Webhooks page
computes them (`webhook_rows.subscription_statuses`, the same code), the recent deliveries
and the audit trail, with a button or link for every action.

A fixed number of queries whatever the tenant's size: one per block, each limited and
answered from an index ((tenant, -received_at) for deliveries, (tenant, -created_at) for the
audit trail, (connection, -requested_at) for sync runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from integrations import console_home, registry, support, webhook_rows
from integrations.admin.base import SUPPORT_PERMISSION
from integrations.admin.connection import with_last_sync
from integrations.admin.webhook_pages import secret_hint
from integrations.models import (
    AshbyConnection,
    AuditEvent,
    SyncRun,
    WebhookDelivery,
    WebhookSubscription,
)
from tenants.admin import TenantAction, TenantAdmin
from tenants.admin_kit import changelist_url
from tenants.console_format import console_zone, human_duration
from tenants.models import Tenant

LAST_SYNCS = 5
RECENT_DELIVERIES = 20
AUDIT_ROWS = 20


@dataclass(frozen=True)
class SyncLine:
    run: SyncRun
    duration: str
    progress: str
    error: str


def _sync_line(run: SyncRun) -> SyncLine:
    totals = ", ".join(f"{run.total(k)} {k}" for k in ("fetched", "created", "updated", "deleted"))
    if run.is_active and run.current_resource:
        totals = f"{totals} (now: {run.current_resource})"
    errors = [run.error, *(c.get("error") or "" for c in (run.progress or {}).values())]
    first = next((e for e in errors if e), "")
    return SyncLine(run, human_duration(run.duration), totals, first)


def _connection(tenant: Tenant) -> AshbyConnection | None:
    return with_last_sync(AshbyConnection.objects.filter(tenant=tenant)).first()


def _permissions(connection: AshbyConnection) -> tuple[list[str], list[str]]:
    granted = [registry.describe_permission(p) for p in connection.permissions]
    missing = registry.missing_permissions(connection.permissions)
    return granted, [registry.describe_permission(p) for p in missing]


DELIVERY_COLUMNS = (
    "action",
    "status",
    "attempts",
    "received_at",
    "processed_at",
    "error",
    "outcome",
)


def _deliveries(tenant: Tenant) -> list[WebhookDelivery]:
    """The newest deliveries, each with its lag (received to processed) in words."""
    newest = WebhookDelivery.objects.filter(tenant=tenant).order_by("-received_at")
    deliveries = list(newest.only(*DELIVERY_COLUMNS)[:RECENT_DELIVERIES])
    for delivery in deliveries:
        done = delivery.processed_at
        delivery.lag = human_duration(done - delivery.received_at) if done else ""
    return deliveries


def _webhook_lines(tenant: Tenant, connection: AshbyConnection | None) -> list[dict[str, Any]]:
    """The customer's rows (created on first look, as their page does), with the secret's
    last four; a tenant never connected has none (and gets none made here)."""
    if connection is None and not WebhookSubscription.objects.filter(tenant=tenant).exists():
        return []
    return [
        {"status": status, "secret": secret_hint(status.subscription)}
        for status in webhook_rows.subscription_statuses(tenant)
    ]


def panel_context(tenant: Tenant, request: HttpRequest) -> dict[str, Any]:
    connection = _connection(tenant)
    lines = _webhook_lines(tenant, connection)
    granted, missing = _permissions(connection) if connection else ([], [])
    runs = SyncRun.objects.filter(connection=connection)[:LAST_SYNCS] if connection else []
    return {
        "tenant": tenant,
        "request": request,
        "connection": connection,
        "last_success": getattr(connection, "_last_success_at", None),
        "granted": granted,
        "missing": missing,
        "syncs": [_sync_line(run) for run in runs],
        "webhooks": lines,
        "webhook_summary": webhook_rows.summarize([line["status"] for line in lines]),
        "deliveries": _deliveries(tenant),
        "audit": AuditEvent.objects.filter(tenant=tenant).order_by("-created_at")[:AUDIT_ROWS],
        "charts": _charts(tenant, request),
        "can_act": request.user.has_perm(SUPPORT_PERMISSION),
        "actions": TenantAdmin.visible_actions(request),
        "links": _links(tenant, connection),
    }


def _charts(tenant: Tenant, request: HttpRequest) -> dict[str, str]:
    """The support home's charts of this tenant, in the zone the page's times use."""
    with timezone.override(console_zone(request, tenant)):
        return console_home.tenant_charts(tenant)


def _links(tenant: Tenant, connection: AshbyConnection | None) -> dict[str, str]:
    """The lists of the tenant's rows, and the connection's own page (its actions, with
    confirmation where they change something)."""
    links = {
        "syncs": changelist_url(SyncRun, connection__tenant__id__exact=tenant.pk),
        "webhooks": changelist_url(WebhookSubscription, tenant__id__exact=tenant.pk),
        "deliveries": changelist_url(WebhookDelivery, tenant__id__exact=tenant.pk),
        "audit": changelist_url(AuditEvent, tenant__id__exact=tenant.pk),
    }
    if connection is not None:
        links["connection"] = reverse(
            "admin:integrations_ashbyconnection_change", args=[connection.pk]
        )
    return links


def render_panel(tenant: Tenant, request: HttpRequest) -> str:
    return render_to_string(
        "admin/integrations/tenant_console.html", panel_context(tenant, request), request
    )


# --- the page's buttons: the support actions on the tenant's connection ---------------------


def _on_connection(act: Callable[..., support.Result]) -> Callable[[Tenant, Any], tuple]:
    def run(tenant: Tenant, user: Any) -> tuple[bool, str]:
        connection = AshbyConnection.objects.filter(tenant=tenant).first()
        if connection is None:
            return False, f"{tenant} has no Ashby connection."
        result = act(connection, user=user)
        return result.ok, result.message

    return run


ACTIONS = {
    "check_key": TenantAction(
        "Check the key now", SUPPORT_PERMISSION, _on_connection(support.check_key)
    ),
    "sync_now": TenantAction("Sync now", SUPPORT_PERMISSION, _on_connection(support.sync_now)),
    "enable": TenantAction(
        "Enable (checks the key first)", SUPPORT_PERMISSION, _on_connection(support.enable)
    ),
}
