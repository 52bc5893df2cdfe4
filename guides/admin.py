from __future__ import annotations

from django.contrib import admin

from guides.forms import InterviewerProfileForm
from guides.models import Interviewer, Membership, Tenant
from guides.services import PROFILE_FIELDS, save_interviewer_profile


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "default_timezone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "tenant__name"]
    list_select_related = ["user", "tenant"]
    raw_id_fields = ["user", "tenant"]


@admin.register(Interviewer)
class InterviewerAdmin(admin.ModelAdmin):
    """Support staff may fix a profile candidates see; what the ATS syncs stays read-only."""

    form = InterviewerProfileForm
    list_display = ["__str__", "email", "tenant", "title", "is_enabled", "profile_updated_at"]
    list_filter = ["tenant", "is_enabled"]
    search_fields = ["first_name", "last_name", "display_name", "email"]
    list_select_related = ["tenant"]
    readonly_fields = [
        "tenant",
        "external_id",
        "first_name",
        "last_name",
        "email",
        "is_enabled",
        "external_updated_at",
        "synced_at",
        "profile_updated_at",
    ]
    fieldsets = [
        ("From the ATS (synced, read-only)", {"fields": readonly_fields[:-1]}),
        ("Profile shown to candidates", {"fields": [*PROFILE_FIELDS, "profile_updated_at"]}),
    ]

    def has_add_permission(self, request) -> bool:
        return False  # interviewers come from the ATS

    def save_model(self, request, obj: Interviewer, form, change: bool) -> None:
        save_interviewer_profile(obj.tenant, obj)
