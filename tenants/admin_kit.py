"""Building blocks of the support console (the Django admin), shared by every app's admin.

- `EstimatedCountPaginator`: list pages of big tables (100,000 candidates, 1,000,000 webhook
  deliveries) never count the whole table: unfiltered, PostgreSQL's own row estimate is used;
  filtered, the count stops at a cap. The pagination template says "about" / "more than".
- `ReadOnlyAdmin`: records that come from the ATS or from Guide's own machinery are looked at
  in the admin, never hand-edited (an edit would be overwritten, or would bypass a service).
- `SyncedRecordAdmin`: the columns, search and filters every synced record shares.
- Small list filters (stale, has error) and link helpers.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html

from tenants.admin_times import ConsoleTimesAdmin, ConsoleTimesModelAdmin, swap_times
from tenants.models import Tenant

logger = logging.getLogger(__name__)


class EstimatedCountPaginator(Paginator):
    """A paginator that never runs an exact COUNT(*) over a huge table.

    Unfiltered on PostgreSQL, the count is `pg_class.reltuples` (kept fresh by autovacuum's
    ANALYZE) when that estimate is at least `estimate_above`; small tables, SQLite and tables
    never analyzed are counted exactly. Filtered (a search, a filter), the rows are counted up
    to `count_cap` only: past it the page says "more than" and the last pages are not linked.
    """

    estimate_above = 10_000
    count_cap = 10_000
    count_is_estimate = False
    count_is_capped = False

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if not isinstance(qs, QuerySet):
            return super().count
        if not qs.query.where:
            estimate = _estimated_rows(qs)
            if estimate is not None and estimate >= self.estimate_above:
                self.count_is_estimate = True
                return estimate
        capped = qs.order_by()[: self.count_cap + 1].count()
        if capped > self.count_cap:
            self.count_is_capped = True
            return self.count_cap
        return capped


def _estimated_rows(qs: QuerySet) -> int | None:
    """PostgreSQL's estimate of the table's rows, or None (other databases, never analyzed)."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(qs.model._meta.db_table)],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:  # -1: never vacuumed or analyzed
        return None
    return int(row[0])


# Django 6 reads a URL typed without a scheme as https; Django 5 warns until a form says so.
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class BigTableAdmin(admin.ModelAdmin):
    """List pages of tables that grow without bound: no full count, ever."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50


class NoBulkDeleteAdmin(ConsoleTimesModelAdmin):
    """No "Delete selected" on the list, for anyone: a tenant or synced data is deleted, if
    ever, one row at a time from its page, through Django's confirmation with the counts."""

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyAdmin(NoBulkDeleteAdmin):
    """Looked at, never hand-edited: no add, no change, no bulk delete. Deleting one row stays
    a superuser's call (the Support group has no delete permission). Times are shown in a named zone."""

    formfield_overrides = HTTPS_URL_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ShowOnlyInline(ConsoleTimesAdmin, admin.options.InlineModelAdmin):
    """An inline that only lists rows, each linking to its own page (where any actions are):
    every one of its `fields` is read-only, and no row is added or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None):
        return swap_times(self.model, self.fields)

    def _read_only_times(self, request: HttpRequest, obj: Model | None) -> set[str]:
        return set(self.fields)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class StaleFilter(admin.SimpleListFilter):
    """Records not refreshed from the ATS for a while: a hint of a stuck sync."""

    title = "freshness"
    parameter_name = "stale"
    field = "synced_at"
    days = 7

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", f"Not refreshed for {self.days}+ days"), ("no", "Refreshed recently")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        cutoff = timezone.now() - timedelta(days=self.days)
        if self.value() == "yes":
            return queryset.filter(**{f"{self.field}__lt": cutoff})
        if self.value() == "no":
            return queryset.filter(**{f"{self.field}__gte": cutoff})
        return None


class HasErrorFilter(admin.SimpleListFilter):
    """Rows whose `error` text is set."""

    title = "error"
    parameter_name = "has_error"
    field = "error"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Has an error"), ("no", "No error")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() == "yes":
            return queryset.exclude(**{self.field: ""})
        if self.value() == "no":
            return queryset.filter(**{self.field: ""})
        return None


# An external id as the ATS spells it: Ashby's ids are UUIDs (a second ATS with another shape
# sets its admins' `id_pattern`).
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")  # a whole address; "@acme.com" is a contains


class ExactSearchAdmin(admin.ModelAdmin):
    """Search that answers from an index when the term is an external id or an email address.

    Django's search is `icontains` over every search field: a scan of the whole table. An
    external id (`id_pattern`: a UUID, as Ashby's are) or an email is instead matched exactly, together with
    `tenant IN (every tenant)`, which lets PostgreSQL probe the (tenant, external_id) unique
    index and the (tenant, email) index once per tenant instead of scanning. Other terms
    use the ordinary search (names, tenant name).
    """

    id_pattern: re.Pattern[str] = UUID
    id_search_fields: tuple[str, ...] = ("external_id",)
    email_search_fields: tuple[str, ...] = ()
    tenant_field = "tenant"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        fields = ()
        if self.id_pattern.fullmatch(term):
            fields, values = self.id_search_fields, {term, term.lower()}
        elif EMAIL.fullmatch(term):
            fields, values = self.email_search_fields, {term, term.lower()}
        if not fields:
            return super().get_search_results(request, queryset, search_term)
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__in": sorted(values)})
        tenants = Q(**{f"{self.tenant_field}__in": Tenant.objects.values("pk")})
        return queryset.filter(tenants & match), False


class SyncedRecordAdmin(ExactSearchAdmin, BigTableAdmin, ReadOnlyAdmin):
    """A record copied from the ATS: found by its external id, tenant and freshness."""

    list_filter: Any = ["tenant", StaleFilter]
    search_fields: Any = ["=external_id"]
    list_select_related: Any = ["tenant"]
    raw_id_fields: Any = ["tenant"]
    sync_columns = ["tenant", "external_id", "external_updated_at", "synced_at"]


def changelist_url(model: type[Model], **filters: Any) -> str:
    """The admin list of `model`, filtered by query parameters (e.g. tenant__id__exact=3)."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    if filters:
        url = f"{url}?{urlencode(filters)}"
    return url


def change_link(obj: Model | None, text: str | None = None) -> str:
    """A link to the admin page of `obj` (or an em dash)."""
    if obj is None:
        return "—"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or str(obj))


def masked(last4: str) -> str:
    """How a secret is shown anywhere in the console: its last four characters only."""
    return f"••••{last4}" if last4 else "—"
