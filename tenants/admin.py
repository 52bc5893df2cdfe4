"""The support console's tenant page and member list.

The tenant page is the one place to help a customer: members, and whatever the apps above
add to it. This app imports none of them; instead `guides` and `integrations` describe their
part (panels shown above the form, inlines, read-only sections, actions run from the page,
what a deletion removes) with `extend_tenant_page` from their own admin modules, which the
admin loads before any page is served. The page is registered once, here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html_join

from tenants import admin_profile  # noqa: F401 (registers the staff profile pages)
from tenants.admin_kit import HTTPS_URL_FIELDS, NoBulkDeleteAdmin
from tenants.admin_times import ConsoleTimesModelAdmin
from tenants.models import Membership, Tenant


@dataclass(frozen=True)
class TenantAction:
    """A button of the tenant page: `run(tenant, user)` returns (done, message for support).
    Only users with `permission` see it or may post it."""

    label: str
    permission: str
    run: Callable[[Tenant, Any], tuple[bool, str]]


# What the other apps add to the tenant page, in the order their admin modules are loaded
# (INSTALLED_APPS order: guides, then integrations).
_panels: list[Callable[[Tenant, HttpRequest], str]] = []
_actions: dict[str, TenantAction] = {}
_inlines: list[type[InlineModelAdmin]] = []
_sections: list[Callable[[Tenant], str]] = []
_counted: list[type[Model]] = [Membership]
_deletion_notes: list[str] = []


def extend_tenant_page(
    *,
    panels: Iterable[Callable[[Tenant, HttpRequest], str]] = (),
    actions: dict[str, TenantAction] | None = None,
    inlines: Iterable[type[InlineModelAdmin]] = (),
    sections: Iterable[Callable[[Tenant], str]] = (),
    counted: Iterable[type[Model]] = (),
    deletion_notes: Iterable[str] = (),
) -> None:
    """Add an app's part to the tenant page: panels (HTML, shown above the form, outside it,
    so they may hold their own buttons), actions their buttons post to (the URL
    `admin:tenants_tenant_act` with the tenant's id and the action's name), inlines, read-only sections (callables decorated with
    `admin.display`, shown after the tenant's fields), models whose rows a deletion counts
    (each with a `tenant` foreign key), and lines for the delete confirmation."""
    _panels.extend(panels)
    _actions.update(actions or {})
    _inlines.extend(inlines)
    _sections.extend(sections)
    _counted.extend(counted)
    _deletion_notes.extend(deletion_notes)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user")


@admin.register(Tenant)
class TenantAdmin(NoBulkDeleteAdmin):
    """The tenant page support starts from: the other apps' panels (and their buttons),
    then the tenant's fields, members and the other apps' sections."""

    change_form_template = "admin/tenants/tenant/change_form.html"
    list_display = ["name", "slug", "member_count", "default_timezone", "created_at"]
    search_fields = ["name", "slug"]
    formfield_overrides = HTTPS_URL_FIELDS
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]
    inlines = [MembershipInline]

    def get_urls(self) -> list:
        act = path(
            "<path:object_id>/act/<str:name>/",
            self.admin_site.admin_view(self.action_view),
            name="tenants_tenant_act",
        )
        return [act, *super().get_urls()]

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs):
        tenant = context.get("original")
        if tenant is not None and tenant.pk is not None:
            panels = [(panel(tenant, request),) for panel in _panels]
            context["tenant_panels"] = format_html_join("", "{}", panels)
        return super().render_change_form(request, context, *args, **kwargs)

    @staticmethod
    def visible_actions(request: HttpRequest) -> list[tuple[str, str]]:
        """(name, label) of the tenant actions this user may run (their buttons are shown)."""
        return [(n, a.label) for n, a in _actions.items() if request.user.has_perm(a.permission)]

    def action_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        """Run one tenant action (a POST from the tenant page) and come back to the page."""
        return _run_action(self, request, object_id, name)

    def get_inlines(self, request: HttpRequest, obj: Tenant | None) -> list:
        return [*self.inlines, *_inlines]

    def get_readonly_fields(self, request: HttpRequest, obj: Tenant | None = None) -> list:
        return [*super().get_readonly_fields(request, obj), *_sections]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_members=Count("memberships"))

    @admin.display(description="members", ordering="_members")
    def member_count(self, tenant: Tenant) -> int:
        return tenant._members

    def get_deleted_objects(self, objs, request: HttpRequest):
        """Counts on the delete confirmation, not one line per row: a big tenant has
        millions of rows, which Django would otherwise load and list. Only superusers may
        delete a tenant (the Support group has no delete permission)."""
        counts = {
            str(model._meta.verbose_name_plural): model.objects.filter(tenant__in=objs).count()
            for model in _counted
        }
        counts = {name: n for name, n in counts.items() if n}
        summary = [str(obj) for obj in objs] + [f"{n} {name}" for name, n in counts.items()]
        summary.extend(_deletion_notes)
        perms_needed = set() if request.user.is_superuser else {"tenant"}
        return summary, counts, perms_needed, []


def _run_action(model_admin: TenantAdmin, request: HttpRequest, object_id: str, name: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    action = _actions.get(name)
    if action is None:
        raise Http404("No such action.")
    if not request.user.has_perm(action.permission):
        raise PermissionDenied
    tenant = model_admin.get_object(request, unquote(object_id))
    if tenant is None:
        raise Http404("No such tenant.")
    done, message = action.run(tenant, request.user)
    messages.add_message(request, messages.SUCCESS if done else messages.WARNING, message)
    return redirect("admin:tenants_tenant_change", tenant.pk)


@admin.register(Membership)
class MembershipAdmin(ConsoleTimesModelAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__username", "user__email", "tenant__name"]
    list_select_related = ["user", "tenant"]
    raw_id_fields = ["user", "tenant"]
