"""Every time column and read-only time field of the console in a named zone.

Django prints a DateTimeField in the active zone without naming it ("Dec. 3, 2026, 5:13 p.m.").
`ConsoleTimesAdmin` swaps each DateTimeField of `list_display` and of the read-only fields
for a display function that calls `console_time`: the staff user's zone, else the tenant's
zone on a page of that tenant's row, else UTC, always named. Columns keep their header and
their sorting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html

from tenants.console_format import console_time, current_request
from tenants.models import Tenant

_columns: dict[tuple[type[Model], str], Callable[[Model], str]] = {}


def page_tenant(request: HttpRequest | None) -> Tenant | None:
    """The tenant whose page (or whose row's page) is being shown, if any."""
    return getattr(request, "console_tenant", None)


def page_time(value: Any) -> str:
    """A time in a display method: `console_time` for the request being rendered (the
    staff user's zone, else the page's tenant's, else UTC)."""
    request = current_request()
    return console_time(value, request=request, tenant=page_tenant(request))


def tenant_of(obj: Any, depth: int = 3) -> Tenant | None:
    """The tenant a row belongs to: itself, its `tenant`, or through `connection` / `run`."""
    if isinstance(obj, Tenant) or obj is None or depth == 0:
        return obj if isinstance(obj, Tenant) else None
    for name in ("tenant", "connection", "run"):
        if hasattr(type(obj), name):
            return tenant_of(getattr(obj, name, None), depth - 1)
    return None


def time_column(model: type[Model], name: str) -> Callable[[Model], str]:
    """The display function of one DateTimeField (one per field, so it compares equal)."""
    key = (model, name)
    if key not in _columns:
        field = model._meta.get_field(name)

        def show(obj: Model) -> str:
            value = getattr(obj, name)
            if value is None:
                return "—"
            return format_html(
                '<time datetime="{}" style="white-space: nowrap">{}</time>',
                value.isoformat(),
                page_time(value),
            )

        show.__name__ = name
        show.short_description = field.verbose_name  # type: ignore[attr-defined]
        show.admin_order_field = name  # type: ignore[attr-defined]
        _columns[key] = show
    return _columns[key]


def _is_time(model: type[Model], name: Any) -> bool:
    if not isinstance(name, str):
        return False
    try:
        return isinstance(model._meta.get_field(name), models.DateTimeField)
    except Exception:  # a method or annotation name, not a field
        return False


def swap_times(model: type[Model], names: Sequence[Any], only: set[str] | None = None) -> list:
    """`names` with each DateTimeField (of `only`, when given) replaced by its display."""
    swapped = []
    for name in names:
        if isinstance(name, list | tuple):
            swapped.append(type(name)(swap_times(model, name, only)))
        elif _is_time(model, name) and (only is None or name in only):
            swapped.append(time_column(model, name))
        else:
            swapped.append(name)
    return swapped


class ConsoleTimesAdmin(admin.options.BaseModelAdmin):
    """Times in a named zone in lists and read-only fields; the tenant of a row's page
    recorded for `console_time`."""

    def _read_only_times(self, request: HttpRequest, obj: Model | None) -> set[str]:
        """The DateTimeFields shown read-only: the declared ones, or every one when the
        user may not change the row (Django then shows every field read-only)."""
        fields = self.model._meta.get_fields()
        times = {f.name for f in fields if isinstance(f, models.DateTimeField)}
        if not self.has_change_permission(request, obj):
            return times
        return times & set(super().get_readonly_fields(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list:
        return swap_times(
            self.model,
            super().get_readonly_fields(request, obj),
            self._read_only_times(request, obj),
        )

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> list:
        only = self._read_only_times(request, obj)
        return [
            (title, {**options, "fields": swap_times(self.model, options["fields"], only)})
            for title, options in super().get_fieldsets(request, obj)
        ]


class ConsoleTimesModelAdmin(ConsoleTimesAdmin, admin.ModelAdmin):
    """A model admin whose list columns name their zone too."""

    def get_list_display(self, request: HttpRequest) -> Sequence[Any]:
        return swap_times(self.model, super().get_list_display(request))

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        request.console_tenant = tenant_of(obj)
        return obj
