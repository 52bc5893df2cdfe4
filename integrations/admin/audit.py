"""The audit trail in the support console: read-only, never deleted from the admin."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from integrations.models import AuditEvent
from tenants.admin_kit import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "tenant",
        "actor_name",
        "action",
        "source",
        "target",
        "outcome",
        "message",
    ]
    list_filter = ["source", "outcome", "action", "tenant"]
    search_fields = ["tenant__name", "actor_name", "target", "message"]
    date_hierarchy = "created_at"
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant", "actor"]
    fields = [
        "created_at",
        "tenant",
        "actor",
        "actor_name",
        "action",
        "source",
        "target",
        "outcome",
        "message",
        "detail",
    ]
    readonly_fields = fields

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
