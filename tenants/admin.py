"""The support console's tenant page and member list.

The tenant page is where support starts: members, and whatever the apps above add to it.
This app imports none of them; instead `guides` and `integrations` describe their part
(inlines, read-only sections, what a deletion removes) with `extend_tenant_page` from their
own admin modules, which the admin loads before any page is served. The page is registered
once, here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest

from tenants import admin_profile  # noqa: F401 (registers the staff profile pages)
from tenants.admin_kit import HTTPS_URL_FIELDS
from tenants.admin_times import ConsoleTimesModelAdmin
from tenants.models import Membership, Tenant

# What the other apps add to the tenant page, in the order their admin modules are loaded
# (INSTALLED_APPS order: guides, then integrations).
_inlines: list[type[InlineModelAdmin]] = []
_sections: list[Callable[[Tenant], str]] = []
_counted: list[type[Model]] = [Membership]
_deletion_notes: list[str] = []


def extend_tenant_page(
    *,
    inlines: Iterable[type[InlineModelAdmin]] = (),
    sections: Iterable[Callable[[Tenant], str]] = (),
    counted: Iterable[type[Model]] = (),
    deletion_notes: Iterable[str] = (),
) -> None:
    """Add an app's part to the tenant page: inlines, read-only sections (callables decorated
    with `admin.display`, shown after the tenant's fields), models whose rows a deletion
    counts (each with a `tenant` foreign key), and lines for the delete confirmation."""
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
class TenantAdmin(ConsoleTimesModelAdmin):
    """The tenant page support starts from: members, then the other apps' sections."""

    list_display = ["name", "slug", "member_count", "default_timezone", "created_at"]
    search_fields = ["name", "slug"]
    formfield_overrides = HTTPS_URL_FIELDS
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]
    inlines = [MembershipInline]

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


@admin.register(Membership)
class MembershipAdmin(ConsoleTimesModelAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__username", "user__email", "tenant__name"]
    list_select_related = ["user", "tenant"]
    raw_id_fields = ["user", "tenant"]
