"""Ashby connections in the support console: status, permissions, key (last four only), last
sync and error; actions Sync now, Full resync, Disable, Enable, Check the key (Full resync
and Disable are confirmed first)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Model, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from integrations import registry, support
from integrations.admin.base import SupportActionsAdmin, confirm
from integrations.models import AshbyConnection, SyncRun, SyncState
from tenants.admin_kit import ReadOnlyAdmin, changelist_url, masked
from tenants.admin_times import page_time


def with_last_sync(queryset: QuerySet) -> QuerySet:
    """Each connection with its latest run (status, time, error) and its latest successful
    run's end, as subqueries: no query per row."""
    runs = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-requested_at", "-id")
    succeeded = SyncRun.objects.filter(
        connection=OuterRef("pk"), status=SyncRun.Status.SUCCEEDED
    ).order_by("-finished_at")
    return queryset.annotate(
        _last_run_status=Subquery(runs.values("status")[:1]),
        _last_run_at=Subquery(runs.values("requested_at")[:1]),
        _last_run_error=Subquery(runs.values("error")[:1]),
        _last_success_at=Subquery(succeeded.values("finished_at")[:1]),
    )


class ConnectionErrorFilter(admin.SimpleListFilter):
    """The connection needs attention, or its latest sync failed."""

    title = "error"
    parameter_name = "has_error"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Has an error"), ("no", "No error")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        error = ~Q(status_reason="") | Q(_last_run_status=SyncRun.Status.FAILED)
        if self.value() == "yes":
            return queryset.filter(error)
        if self.value() == "no":
            return queryset.exclude(error)
        return None


class StaleConnectionFilter(admin.SimpleListFilter):
    """No successful sync for a day: the tenant's guides may be out of date."""

    title = "freshness"
    parameter_name = "stale"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "No successful sync for a day")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() != "yes":
            return None
        cutoff = timezone.now() - timedelta(days=1)
        return queryset.filter(Q(_last_success_at__lt=cutoff) | Q(_last_success_at__isnull=True))


CONNECTION_FIELDS = [
    "tenant",
    "status",
    "status_reason",
    "last_sync",
    "last_success",
    "last_error",
    "sync_runs",
    "api_key",
    "key_title",
    "permissions_granted",
    "permissions_missing",
    "scopes",
    "connected_by",
    "connected_at",
    "last_checked_at",
    "updated_at",
]


class ConnectionDisplays:
    """Columns shared by the connection page and the tenant page's connection inline."""

    @admin.display(description="API key")
    def api_key(self, connection: AshbyConnection) -> str:
        return masked(connection.key_last4)

    @admin.display(description="last sync", ordering="_last_run_at")
    def last_sync(self, connection: AshbyConnection) -> str:
        status = getattr(connection, "_last_run_status", None)
        if status is None:
            return "never"
        return f"{SyncRun.Status(status).label}, {page_time(connection._last_run_at)}"

    @admin.display(description="last successful sync", ordering="_last_success_at")
    def last_success(self, connection: AshbyConnection) -> str:
        when = getattr(connection, "_last_success_at", None)
        return page_time(when) if when else "never"

    @admin.display(description="last error")
    def last_error(self, connection: AshbyConnection) -> str:
        return connection.status_reason or getattr(connection, "_last_run_error", "") or ""

    @admin.display(description="permissions")
    def permissions_granted(self, connection: AshbyConnection) -> str:
        return ", ".join(registry.describe_permission(p) for p in connection.permissions) or "—"

    @admin.display(description="missing permissions")
    def permissions_missing(self, connection: AshbyConnection) -> str:
        missing = registry.missing_permissions(connection.permissions)
        if not missing:
            return "none"
        return format_html(
            '<strong style="color: var(--error-fg)">{}</strong>',
            ", ".join(registry.describe_permission(p) for p in missing),
        )


@admin.register(AshbyConnection)
class AshbyConnectionAdmin(ConnectionDisplays, SupportActionsAdmin, ReadOnlyAdmin):
    """Read-only: the key is changed only by the tenant on the Integrations page, and
    everything else through the actions. The encrypted column is never on a form."""

    list_display = [
        "tenant",
        "status",
        "api_key",
        "permissions_missing",
        "last_sync",
        "last_success",
        "last_error",
        "last_checked_at",
    ]
    list_filter = ["status", ConnectionErrorFilter, StaleConnectionFilter]
    search_fields = ["tenant__name", "tenant__slug", "key_title"]
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant", "connected_by"]
    fields = CONNECTION_FIELDS
    readonly_fields = CONNECTION_FIELDS
    actions = ["sync_now", "full_resync", "disable", "enable", "check_key"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return with_last_sync(
            super().get_queryset(request).select_related("tenant", "connected_by")
        )

    @admin.display(description="sync runs")
    def sync_runs(self, connection: AshbyConnection) -> str:
        url = changelist_url(SyncRun, connection__id__exact=connection.pk)
        states = changelist_url(SyncState, connection__id__exact=connection.pk)
        return format_html('<a href="{}">Sync runs</a> · <a href="{}">Sync state</a>', url, states)

    @admin.action(description="Sync now", permissions=["support"])
    def sync_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(request, [support.sync_now(c, user=request.user) for c in queryset])

    @admin.action(description="Full resync (drops the sync tokens)", permissions=["support"])
    @confirm(
        "Guide drops the sync tokens and fetches every record from Ashby again: it takes "
        "longer than a regular sync and uses more of the tenant's Ashby rate limit, and records "
        "Ashby no longer returns are deleted from Guide."
    )
    def full_resync(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(request, [support.full_resync(c, user=request.user) for c in queryset])

    @admin.action(description="Disable (stop syncing)", permissions=["support"])
    @confirm(
        "Guide stops syncing the tenant's Ashby data until support enables the connection "
        "again: their guides fall behind, and the tenant's Integrations page says support "
        "disabled it. Webhook deliveries are still stored and applied, without asking Ashby "
        "for what they lack."
    )
    def disable(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(request, [support.set_disabled(c, user=request.user) for c in queryset])

    @admin.action(description="Enable (checks the key first)", permissions=["support"])
    def enable(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(request, [support.enable(c, user=request.user) for c in queryset])

    @admin.action(description="Check the key against Ashby", permissions=["support"])
    def check_key(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(request, [support.check_key(c, user=request.user) for c in queryset])

    # A superuser's delete is a disconnect: audited, the key gone, the synced data kept.
    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        registry.disconnect(obj.tenant, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for connection in queryset.select_related("tenant"):
            registry.disconnect(connection.tenant, user=request.user)
