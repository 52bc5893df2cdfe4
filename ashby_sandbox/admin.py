"""The sandbox's tables in an admin site of their own, read-only, for looking at what the fake
Ashby holds (the sandbox's own pages are where it is driven). It is mounted at
/sandbox/ashby/admin/ only with ASHBY_SANDBOX on (guide_project/urls.py), never in Guide's
support console. Plain columns only, so no list page runs a query per row; key hashes and raw
bodies are left out, and a webhook's secret shows as its last four characters."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from ashby_sandbox.models import Candidate, CandidateNote, CustomFieldValue, Webhook

HIDDEN = {"key_hash", "secret_token", "body"}


class SandboxAdminSite(admin.AdminSite):
    site_header = "Ashby sandbox (not Ashby, not Guide)"
    site_title = "Ashby sandbox"
    index_title = "What the sandbox holds"


site = SandboxAdminSite(name="sandbox_admin")


class SandboxReadOnlyAdmin(admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the sandbox's own pages delete (a webhook, a key); here one only looks

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name not in HIDDEN]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return self.get_fields(request, obj)


class WebhookAdmin(SandboxReadOnlyAdmin):
    """The secret signs deliveries, so it stays in clear in the table; pages show its tail."""

    list_display = ["name", "webhook_type", "request_url", "secret", "enabled", "created_at"]

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [*super().get_fields(request, obj), "secret"]

    @admin.display(description="secret")
    def secret(self, obj: Webhook) -> str:
        return f"••••{obj.secret_token[-4:]}" if obj.secret_token else "—"


class CandidateAdmin(SandboxReadOnlyAdmin):
    """A candidate's page also shows what an API key wrote on it: custom field values
    (customField.setValue) and notes (candidate.createNote)."""

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [*super().get_fields(request, obj), "custom_fields", "notes"]

    @admin.display(description="custom fields")
    def custom_fields(self, obj: Candidate) -> str:
        rows = CustomFieldValue.objects.filter(object_id=obj.pk).select_related("field")
        items = format_html_join("", "<li>{}: {}</li>", ((v.field.title, v.value) for v in rows))
        return format_html("<ul>{}</ul>", items) if rows else "—"

    @admin.display(description="notes")
    def notes(self, obj: Candidate) -> str:
        rows = CandidateNote.objects.filter(candidate=obj)
        items = format_html_join("", "<li>{}: {}</li>", ((n.created_at, n.content) for n in rows))
        return format_html("<ul>{}</ul>", items) if rows else "—"


def _columns(model: type[models.Model]) -> list[str]:
    plain = [
        f.name
        for f in model._meta.fields
        if not f.is_relation and f.name not in HIDDEN and not isinstance(f, models.JSONField)
    ]
    return plain[:7]


def _admin_for(model: type[models.Model]) -> type[admin.ModelAdmin]:
    if model is Webhook:
        return WebhookAdmin
    if model is Candidate:
        return type(
            "CandidateAdmin",
            (CandidateAdmin,),
            {"list_display": _columns(model), "__module__": __name__},
        )
    return type(
        f"{model.__name__}Admin",
        (SandboxReadOnlyAdmin,),
        {"list_display": _columns(model), "__module__": __name__},
    )


for _model in apps.get_app_config("ashby_sandbox").get_models():
    site.register(_model, _admin_for(_model))
