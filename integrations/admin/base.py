"""What every support-console admin of integrations shares: the action permission, the
per-row action buttons on change pages, and how action results are reported."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin, messages
from django.http import HttpRequest

from integrations.support import Result

SUPPORT_PERMISSION = "integrations.run_support_actions"


class SupportActionsAdmin(admin.ModelAdmin):
    """Actions declared with `permissions=["support"]` need the run_support_actions
    permission (the Support group has it; superusers have every permission). They also
    appear as buttons on the row's change page."""

    change_form_template = "admin/support_change_form.html"

    def has_support_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SUPPORT_PERMISSION)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ):
        buttons = [
            (name, description)
            for name, (_func, _name, description) in self.get_actions(request).items()
            if name != "delete_selected"
        ]
        extra_context = {**(extra_context or {}), "support_actions": buttons}
        return super().change_view(request, object_id, form_url, extra_context)

    def report(self, request: HttpRequest, results: Iterable[Result]) -> None:
        """One message per row: green when done, orange when refused or failed."""
        for result in results:
            level = messages.SUCCESS if result.ok else messages.WARNING
            self.message_user(request, result.message, level)
