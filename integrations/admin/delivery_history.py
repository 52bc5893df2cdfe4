"""A delivery's history in the console: every processing attempt, oldest first, as a
read-only table on the delivery's page, and the list of all attempts (newest first).
integrations/delivery_history.py records them."""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from integrations.models import DeliveryAttempt
from tenants.admin_kit import BigTableAdmin, ReadOnlyAdmin, change_link
from tenants.admin_times import page_tenant
from tenants.console_format import console_time, current_request


def when(moment: datetime | None) -> str:
    """A time to the second with its zone named, in the zone of the page's other times (the
    staff user's, else the delivery's tenant's on its page, else UTC): "3 Dec 2026, 14:03:05 EST"."""
    request = current_request()
    return console_time(moment, request=request, tenant=page_tenant(request), seconds=True)


def took(seconds: float) -> str:
    """A duration in words people read: "80 ms", "1.4 s", "3 min"."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.0f} min"


class AttemptColumns:
    """The columns the attempts table and the attempts list share."""

    @admin.display(description="kind")
    def why(self, attempt: DeliveryAttempt) -> str:
        kind = attempt.get_kind_display()
        return f"{kind} (by {attempt.requested_by})" if attempt.requested_by else kind

    @admin.display(description="started")
    def started(self, attempt: DeliveryAttempt) -> str:
        return when(attempt.started_at)

    @admin.display(description="took")
    def duration(self, attempt: DeliveryAttempt) -> str:
        return took(attempt.duration_seconds)


class AttemptInline(AttemptColumns, admin.TabularInline):
    """The attempts of one delivery: looked at, never added, changed or deleted."""

    model = DeliveryAttempt
    verbose_name = "attempt"
    verbose_name_plural = "History: every processing attempt, oldest first"
    fields = ["number", "why", "started", "duration", "result", "message", "engineering_details"]
    readonly_fields = fields
    ordering = ["number"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description="details (for engineers)")
    def engineering_details(self, attempt: DeliveryAttempt) -> str:
        if not attempt.details:
            return "—"
        return format_html(
            '<details><summary>Show</summary><pre style="white-space: pre-wrap">{}</pre></details>',
            attempt.details,
        )


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(AttemptColumns, BigTableAdmin, ReadOnlyAdmin):
    """Every processing attempt of every delivery, newest first: "what failed today, and
    why" across tenants. Each row links to its delivery, whose page has the whole history."""

    list_display = [
        "finished",
        "tenant",
        "delivery_link",
        "number",
        "why",
        "result",
        "duration",
        "short_message",
    ]
    list_filter = ["result", "kind", ("finished_at", admin.DateFieldListFilter), "tenant"]
    ordering = ["-id"]
    fields = [
        "delivery_link",
        "tenant",
        "number",
        "why",
        "started",
        "finished",
        "duration",
        "result",
        "message",
        "details",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("tenant", "delivery")
            .defer("delivery__body", "delivery__headers")
        )

    @admin.display(description="delivery")
    def delivery_link(self, attempt: DeliveryAttempt) -> str:
        return change_link(attempt.delivery)

    @admin.display(description="finished", ordering="finished_at")
    def finished(self, attempt: DeliveryAttempt) -> str:
        return when(attempt.finished_at)

    @admin.display(description="message")
    def short_message(self, attempt: DeliveryAttempt) -> str:
        message = attempt.message
        return (message[:120] + "…") if len(message) > 120 else message
