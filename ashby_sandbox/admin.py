"""The sandbox's tables in the Django admin, read-only, for looking at what the fake Ashby
holds (the sandbox's own pages are where it is driven). Plain columns only, so no list page
runs a query per row; secrets (key hashes, webhook secrets) and raw bodies are left out."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

HIDDEN = {"key_hash", "secret_token", "body"}


class SandboxReadOnlyAdmin(admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name not in HIDDEN]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return self.get_fields(request, obj)


def _columns(model: type[models.Model]) -> list[str]:
    plain = [
        f.name
        for f in model._meta.fields
        if not f.is_relation and f.name not in HIDDEN and not isinstance(f, models.JSONField)
    ]
    return plain[:7]


for _model in apps.get_app_config("ashby_sandbox").get_models():
    admin.site.register(
        _model,
        type(
            f"{_model.__name__}Admin",
            (SandboxReadOnlyAdmin,),
            {"list_display": _columns(_model), "__module__": __name__},
        ),
    )
