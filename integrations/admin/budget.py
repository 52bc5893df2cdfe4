"""The shared request budget to the ATS in the support console, when it lives in the database
(with REDIS_URL set it is in Redis, and these lists stay empty): read-only."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib import admin

from integrations.models import BudgetLease, BudgetState
from tenants.admin_kit import ReadOnlyAdmin


def _utc(seconds: float | None) -> str:
    if not seconds:
        return "-"
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@admin.register(BudgetState)
class BudgetStateAdmin(ReadOnlyAdmin):
    list_display = ["scope", "tenant", "paused", "waiting_for", "waiting_until_utc"]
    list_select_related = ["tenant"]
    search_fields = ["scope", "tenant__name"]
    fields = ["scope", "tenant", "paused", "next_slot_utc", "waiting_for", "waiting_until_utc"]
    readonly_fields = fields

    @admin.display(description="Paused until")
    def paused(self, obj: BudgetState) -> str:
        return _utc(obj.paused_until)

    @admin.display(description="Next free slot")
    def next_slot_utc(self, obj: BudgetState) -> str:
        return _utc(obj.next_slot)

    @admin.display(description="Waiting until")
    def waiting_until_utc(self, obj: BudgetState) -> str:
        return _utc(obj.waiting_until)


@admin.register(BudgetLease)
class BudgetLeaseAdmin(ReadOnlyAdmin):
    list_display = ["scope", "lapses"]
    fields = ["scope", "lapses"]
    readonly_fields = fields

    @admin.display(description="Lapses at")
    def lapses(self, obj: BudgetLease) -> str:
        return _utc(obj.expires_at)
