"""What every support-console admin of integrations shares: the action permission, the
per-row action buttons on change pages, the confirmation page of disruptive actions, and how
action results are reported."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse

from integrations.support import Result

SUPPORT_PERMISSION = "integrations.run_support_actions"
# The field of the confirmation page's form: only a POST carrying it runs the action.
CONFIRMED = "confirmed"


def confirm(consequence: str | Callable[[list], str]) -> Callable:
    """Mark an admin action as disruptive: it runs only from its confirmation page, which
    states `consequence` in plain words (a text, or a function of the rows returning it) and
    lists the rows affected. A first POST (from the list or a row's button) shows that page."""

    def mark(func: Callable) -> Callable:
        func.confirm = consequence
        return func

    return mark


class SupportActionsAdmin(admin.ModelAdmin):
    """Actions declared with `permissions=["support"]` need the run_support_actions
    permission (the Support group has it; superusers have every permission). They also
    appear as buttons on the row's change page. Those marked with `@confirm(...)` ask first."""

    change_form_template = "admin/support_change_form.html"

    def has_support_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SUPPORT_PERMISSION)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        for name, (func, action_name, description) in actions.items():
            if getattr(func, "confirm", None):
                actions[name] = (_asking_first(func), action_name, description)
        return actions

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ):
        buttons = [
            (name, f"{description}…" if getattr(func, "confirm", None) else description)
            for name, (func, _name, description) in self.get_actions(request).items()
            if name != "delete_selected"
        ]
        extra_context = {**(extra_context or {}), "support_actions": buttons}
        return super().change_view(request, object_id, form_url, extra_context)

    def confirmation_page(
        self, request: HttpRequest, queryset: QuerySet, func: Callable
    ) -> TemplateResponse:
        """What the action will do, to which rows, with Confirm and Cancel; nothing runs."""
        rows = list(queryset)
        consequence = func.confirm(rows) if callable(func.confirm) else func.confirm
        description = str(func.short_description)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{description}?",
            "description": description,
            "consequence": consequence,
            "opts": self.model._meta,
            "rows": rows,
            "action": func.__name__,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "confirmed_field": CONFIRMED,
            "changelist_url": _admin_url(self.model, "changelist"),
            "cancel_url": _cancel_url(self.model, rows),
        }
        return TemplateResponse(request, "admin/support_confirm_action.html", context)

    def report(self, request: HttpRequest, results: Iterable[Result]) -> None:
        """One message per row: green when done, orange when refused or failed."""
        for result in results:
            level = messages.SUCCESS if result.ok else messages.WARNING
            self.message_user(request, result.message, level)


def _asking_first(func: Callable) -> Callable:
    """The action `func`, run only from a POST that carries the confirmation field."""

    @functools.wraps(func)
    def run(modeladmin: SupportActionsAdmin, request: HttpRequest, queryset: QuerySet):
        if request.POST.get(CONFIRMED) != "yes":
            return modeladmin.confirmation_page(request, queryset, func)
        return func(modeladmin, request, queryset)

    return run


def _admin_url(model: Any, page: str, *args: Any) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}", args=args)


def _cancel_url(model: Any, rows: list) -> str:
    """Back to the row's page when the action came from one row, else to the list."""
    if len(rows) == 1:
        return _admin_url(model, "change", rows[0].pk)
    return _admin_url(model, "changelist")
