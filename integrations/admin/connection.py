"""Ashby connections in the support console: status, permissions, key (last four only), last
sync and error; actions Sync now, Full resync, Disable, Enable, Check the key."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from guides.admin_kit import ReadOnlyAdmin, masked
from integrations import connect, support
from integrations.admin.base import SupportActionsAdmin
from integrations.ashby import permissions as ashby_permissions
from integrations.models import AshbyConnection


class ConnectionErrorFilter(admin.SimpleListFilter):
    title = "error"
    parameter_name = "has_error"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Has an error"), ("no", "No error")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() == "yes":
            return queryset.exclude(status_reason="")
        if self.value() == "no":
            return queryset.filter(status_reason="")
        return None


CONNECTION_FIELDS = [
    "tenant",
    "status",
    "status_reason",
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

    @admin.display(description="permissions")
    def permissions_granted(self, connection: AshbyConnection) -> str:
        return ", ".join(ashby_permissions.describe(p) for p in connection.permissions) or "—"

    @admin.display(description="missing permissions")
    def permissions_missing(self, connection: AshbyConnection) -> str:
        missing = connection.missing_permissions
        if not missing:
            return "none"
        return format_html(
            '<strong style="color: var(--error-fg)">{}</strong>',
            ", ".join(ashby_permissions.describe(p) for p in missing),
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
        "last_checked_at",
        "status_reason",
    ]
    list_filter = ["status", ConnectionErrorFilter]
    search_fields = ["tenant__name", "tenant__slug", "key_title"]
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant", "connected_by"]
    fields = CONNECTION_FIELDS
    readonly_fields = CONNECTION_FIELDS
    actions = ["sync_now", "disable", "enable", "check_key"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("tenant", "connected_by")

    @admin.action(description="Sync now", permissions=["support"])
    def sync_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(request, [support.sync_now(c, user=request.user) for c in queryset])

    @admin.action(description="Disable (stop syncing)", permissions=["support"])
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
        connect.disconnect_ashby(obj.tenant, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for connection in queryset.select_related("tenant"):
            connect.disconnect_ashby(connection.tenant, user=request.user)
