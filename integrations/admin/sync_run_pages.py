"""Sync runs and sync state in the support console: per-resource progress and errors, the
django-q2 task behind each run, stale runs; tokens never shown (only whether one is set)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django_q.models import Task

from integrations.models import SyncRun, SyncSeen, SyncState
from integrations.sync_runs import stale_after
from tenants.admin_kit import BigTableAdmin, HasErrorFilter, ReadOnlyAdmin, change_link
from tenants.console_format import human_duration

COUNT_COLUMNS = ("fetched", "created", "updated", "deleted", "skipped", "pages")


class StaleRunFilter(admin.SimpleListFilter):
    """Queued or running, but no sign of life for GUIDE_SYNC_STALE_MINUTES (the next
    request marks it failed)."""

    title = "stale"
    parameter_name = "stale"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Stale (no heartbeat)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() != "yes":
            return None
        cutoff = timezone.now() - stale_after()
        return queryset.filter(status__in=SyncRun.ACTIVE).filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, requested_at__lt=cutoff)
        )


def task_link(task_id: str, succeeded: bool | None) -> str:
    """The run's django-q2 task: its Successful / Failed task page once it finished."""
    if not task_id:
        return "—"
    if succeeded is None:
        return f"{task_id[:8]}… (queued or running)"
    name = "django_q_success_change" if succeeded else "django_q_failure_change"
    url = reverse(f"admin:{name}", args=[task_id])
    return format_html('<a href="{}">{}…</a>', url, task_id[:8])


@admin.register(SyncRun)
class SyncRunAdmin(BigTableAdmin, ReadOnlyAdmin):
    list_display = [
        "id",
        "tenant",
        "status",
        "full",
        "reason",
        "requested_at",
        "took",
        "totals",
        "short_error",
        "task",
    ]
    list_filter = [
        "status",
        "full",
        HasErrorFilter,
        StaleRunFilter,
        ("connection__tenant", admin.RelatedFieldListFilter),
    ]
    search_fields = ["connection__tenant__name", "=task_id", "reason"]
    date_hierarchy = "requested_at"
    list_select_related = ["connection__tenant"]
    raw_id_fields = ["connection"]
    fields = [
        "connection",
        "status",
        "full",
        "reason",
        "requested_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "took",
        "current_resource",
        "progress_table",
        "error",
        "task",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        succeeded = Task.objects.filter(id=OuterRef("task_id")).values("success")[:1]
        return super().get_queryset(request).annotate(_task_succeeded=Subquery(succeeded))

    @admin.display(description="tenant", ordering="connection__tenant__name")
    def tenant(self, run: SyncRun) -> str:
        return change_link(run.connection.tenant)

    @admin.display(description="duration")
    def took(self, run: SyncRun) -> str:
        return human_duration(run.duration)

    @admin.display(description="fetched / created / updated / deleted")
    def totals(self, run: SyncRun) -> str:
        return " / ".join(str(run.total(key)) for key in COUNT_COLUMNS[:4])

    @admin.display(description="error")
    def short_error(self, run: SyncRun) -> str:
        errors = [run.error, *(c.get("error") or "" for c in (run.progress or {}).values())]
        first = next((e for e in errors if e), "")
        return (first[:80] + "…") if len(first) > 80 else first

    @admin.display(description="django-q2 task")
    def task(self, run: SyncRun) -> str:
        return task_link(run.task_id, getattr(run, "_task_succeeded", None))

    @admin.display(description="progress per resource")
    def progress_table(self, run: SyncRun) -> str:
        progress = run.progress or {}
        if not progress:
            return "—"
        rows = [
            (name, *(counts.get(key, 0) for key in COUNT_COLUMNS), counts.get("error") or "")
            for name, counts in progress.items()
        ]
        head = format_html_join(
            "", "<th>{}</th>", ((c,) for c in ("resource", *COUNT_COLUMNS, "error"))
        )
        body = format_html_join(
            "", "<tr>" + "<td>{}</td>" * (len(COUNT_COLUMNS) + 2) + "</tr>", rows
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class StaleStateFilter(admin.SimpleListFilter):
    title = "freshness"
    parameter_name = "stale"
    days = 1

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Not synced for a day or more")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() != "yes":
            return None
        cutoff = timezone.now() - timedelta(days=self.days)
        return queryset.filter(Q(last_synced_at__lt=cutoff) | Q(last_synced_at__isnull=True))


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    """Where each resource's incremental sync stands. The token itself is never shown."""

    list_display = ["tenant", "resource", "has_token", "last_synced_at", "last_full_sync_at"]
    list_filter = [
        "resource",
        StaleStateFilter,
        ("connection__tenant", admin.RelatedFieldListFilter),
    ]
    search_fields = ["connection__tenant__name", "resource"]
    list_select_related = ["connection__tenant"]
    raw_id_fields = ["connection"]
    fields = ["connection", "resource", "has_token", "last_synced_at", "last_full_sync_at"]
    readonly_fields = fields

    @admin.display(description="tenant", ordering="connection__tenant__name")
    def tenant(self, state: SyncState) -> str:
        return change_link(state.connection.tenant)

    @admin.display(description="sync token set", boolean=True)
    def has_token(self, state: SyncState) -> bool:
        return bool(state.sync_token)


@admin.register(SyncSeen)
class SyncSeenAdmin(BigTableAdmin, ReadOnlyAdmin):
    """Scratch rows of a full pass in progress (dropped when it ends): useful only to see
    how far a long pass has got."""

    list_display = ["run", "resource", "external_id"]
    list_filter = ["resource"]
    search_fields = ["=external_id"]
    raw_id_fields = ["run"]
