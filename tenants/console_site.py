"""The support console's admin site: Django's admin, titled for support, with its models grouped
by what support does (not by app) and a home page that answers "who needs help right now".

This class is generic: the sections and the home's data are given by the project
(guide_project/console.py), which knows every app. Every `@admin.register` keeps working: the
project's AdminConfig makes this the default site, and every /admin/<app>/<model>/ URL stays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from tenants.console_format import console_zone


@dataclass(frozen=True)
class Section:
    """A group of the console's models: `models` are "app_label.model_name" in the order shown;
    `apps` take any other model of those apps (a model added later lands somewhere sensible)."""

    name: str
    slug: str
    models: Sequence[str] = ()
    apps: Sequence[str] = ()


OTHER = Section("Other", "other")


class SupportConsoleSite(admin.AdminSite):
    site_header = "Guide support"
    site_title = "Guide support"
    index_title = "Who needs help"
    index_template = "admin/support_home.html"
    sections: Sequence[Section] = ()
    # (request) -> the home's context; set by the project (the data is the integrations').
    home_context: Callable[[HttpRequest], dict[str, Any]] | None = None

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        """The models grouped in `sections` (the index and the sidebar); one app's own page
        (/admin/<app>/) keeps Django's list of that app."""
        if app_label is not None or not self.sections:
            return super().get_app_list(request, app_label)
        # The index and the sidebar (each_context) both ask for it: built once per request.
        if not hasattr(request, "_console_app_list"):
            app_dict = self._build_app_dict(request)
            request._console_app_list = group_models(
                app_dict, self.sections, reverse("admin:index")
            )
        return request._console_app_list

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        """The home, its times in the staff user's zone (UTC when they set none), named."""
        home = type(self).home_context
        with timezone.override(console_zone(request)):
            context = dict(home(request)) if home else {}
            response = super().index(request, {**context, **(extra_context or {})})
            return response.render()


def group_models(app_dict: dict[str, dict], sections: Sequence[Section], home: str) -> list[dict]:
    """Django's per-app dict (as `_build_app_dict` gives it) regrouped by section, in the
    sections' order; sections the user can see nothing of are left out."""
    placed: dict[str, list[dict]] = {s.slug: [] for s in [*sections, OTHER]}
    for app_label, app in app_dict.items():
        for model in app["models"]:
            key = f"{app_label}.{model['object_name'].lower()}"
            placed[_section_of(key, app_label, sections).slug].append(model)
    grouped = []
    for section in [*sections, OTHER]:
        models = sorted(placed[section.slug], key=_order_in(section))
        if models:
            grouped.append(_app_entry(section, models, home))
    return grouped


def _section_of(key: str, app_label: str, sections: Sequence[Section]) -> Section:
    for section in sections:
        if key in section.models:
            return section
    for section in sections:
        if app_label in section.apps:
            return section
    return OTHER


def _order_in(section: Section) -> Callable[[dict], tuple]:
    order = {key.split(".")[1]: i for i, key in enumerate(section.models)}
    return lambda model: (order.get(model["object_name"].lower(), len(order)), model["name"])


def _app_entry(section: Section, models: list[dict], home: str) -> dict:
    return {
        "name": section.name,
        "app_label": section.slug,
        "app_url": f"{home}#section-{section.slug}",
        "has_module_perms": True,
        "models": models,
    }
