"""The support console's pages for the product's records: the synced hiring data and guides,
and the tenant page's synced counts. Synced records are read-only here (a sync would overwrite
an edit); the one exception is the interviewer profile, which Guide owns. No list page runs a
query per row."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from guides.forms import InterviewerProfileForm
from guides.models import (
    Application,
    Candidate,
    Department,
    Guide,
    GuideSettings,
    Interview,
    Interviewer,
    InterviewEvent,
    InterviewPlan,
    InterviewSchedule,
    InterviewStage,
    Job,
    Location,
    ProfileInvite,
)
from guides.services import PROFILE_FIELDS, SYNCED_MODELS, save_interviewer_profile
from tenants.admin import extend_tenant_page
from tenants.admin_kit import (
    BigTableAdmin,
    ExactSearchAdmin,
    ReadOnlyAdmin,
    ShowOnlyInline,
    StaleFilter,
    SyncedRecordAdmin,
    change_link,
    changelist_url,
    masked,
)
from tenants.admin_times import page_time
from tenants.models import Tenant


@admin.display(description="Synced records")
def synced_records(tenant: Tenant) -> str:
    """One count per synced model (index scans on the tenant column), each linking to the
    list filtered to this tenant."""
    if tenant.pk is None:
        return "—"
    rows = [
        (
            changelist_url(model, tenant__id__exact=tenant.pk),
            model._meta.verbose_name_plural.capitalize(),
            model.objects.filter(tenant=tenant).count(),
        )
        for model in reversed(SYNCED_MODELS)
    ]
    items = format_html_join("", '<li><a href="{}">{}</a>: {}</li>', rows)
    return format_html('<ul class="synced-counts">{}</ul>', items)


# The tenant page (tenants/admin.py) shows the counts, and a deletion counts these rows.
extend_tenant_page(sections=[synced_records], counted=SYNCED_MODELS)


# --- Synced hiring data (read-only) ---------------------------------------------------------


@admin.register(Department, Location)
class NamedRecordAdmin(SyncedRecordAdmin):
    list_display = ["name", "is_archived", *SyncedRecordAdmin.sync_columns]
    list_filter = ["tenant", "is_archived", StaleFilter]
    search_fields = ["name", "tenant__name", "=external_id"]


@admin.register(Interviewer)
class InterviewerAdmin(SyncedRecordAdmin):
    """A superuser (or staff given guides.change_interviewer) may fix a profile candidates
    see; what the ATS syncs stays read-only. The Support group only views it."""

    form = InterviewerProfileForm
    list_display = ["__str__", "email", "tenant", "title", "is_enabled", "profile_updated_at"]
    list_filter = ["tenant", "is_enabled", StaleFilter]
    search_fields = ["first_name", "last_name", "display_name", "email", "=external_id"]
    email_search_fields = ("email",)
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
        # An upload here would skip guides.images (type, size, metadata): photos are uploaded
        # on the tenant's Interviewers page or by the interviewer's own link only.
        "photo",
    ]
    fieldsets = [
        ("From the ATS (synced, read-only)", {"fields": readonly_fields[:-2]}),
        ("Profile shown to candidates", {"fields": [*PROFILE_FIELDS, "profile_updated_at"]}),
    ]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return admin.ModelAdmin.has_change_permission(self, request, obj)

    def save_model(self, request, obj: Interviewer, form, change: bool) -> None:
        save_interviewer_profile(obj.tenant, obj)


class StageInline(ShowOnlyInline, admin.TabularInline):
    model = InterviewStage
    fields = ["order", "title", "stage_type", "candidate_title", "external_id"]


@admin.register(InterviewPlan)
class InterviewPlanAdmin(SyncedRecordAdmin):
    list_display = ["__str__", "is_archived", *SyncedRecordAdmin.sync_columns]
    list_filter = ["tenant", "is_archived", StaleFilter]
    search_fields = ["title", "tenant__name", "=external_id"]
    inlines = [StageInline]


@admin.register(InterviewStage)
class InterviewStageAdmin(SyncedRecordAdmin):
    list_display = ["title", "plan", "order", "stage_type", *SyncedRecordAdmin.sync_columns]
    list_filter = ["tenant", "stage_type", StaleFilter]
    search_fields = ["title", "candidate_title", "plan__title", "=external_id"]
    list_select_related = ["tenant", "plan"]
    raw_id_fields = ["tenant", "plan"]


@admin.register(Job)
class JobAdmin(SyncedRecordAdmin):
    list_display = ["title", "status", "department", "location", *SyncedRecordAdmin.sync_columns]
    list_filter = ["tenant", "status", "confidential", StaleFilter]
    search_fields = ["title", "tenant__name", "=external_id"]
    list_select_related = ["tenant", "department", "location"]
    raw_id_fields = ["tenant", "department", "location", "interview_plan"]


@admin.register(Interview)
class InterviewAdmin(SyncedRecordAdmin):
    list_display = ["title", "external_title", "is_archived", *SyncedRecordAdmin.sync_columns]
    list_filter = ["tenant", "is_archived", StaleFilter]
    search_fields = ["title", "external_title", "=external_id"]


class ApplicationInline(ShowOnlyInline, admin.TabularInline):
    model = Application
    fields = ["job", "status", "current_stage", "external_id", "synced_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("job", "current_stage")


@admin.register(Candidate)
class CandidateAdmin(SyncedRecordAdmin):
    list_display = ["name", "email", "guide_updated", *SyncedRecordAdmin.sync_columns]
    search_fields = ["name", "email", "tenant__name", "=external_id"]
    email_search_fields = ("email",)
    list_select_related = ["tenant", "guide"]
    inlines = [ApplicationInline]
    readonly_fields = ["guide_link"]

    @admin.display(description="guide updated", ordering="guide__updated_at")
    def guide_updated(self, candidate: Candidate) -> str:
        guide = getattr(candidate, "guide", None)
        return page_time(guide.updated_at) if guide else "no guide"

    @admin.display(description="guide")
    def guide_link(self, candidate: Candidate) -> str:
        guide = Guide.objects.filter(candidate=candidate).first()
        return change_link(guide, "Guide") if guide else "No guide yet"


@admin.register(Application)
class ApplicationAdmin(SyncedRecordAdmin):
    list_display = [
        "external_id",
        "candidate",
        "job",
        "status",
        "current_stage",
        "tenant",
        "synced_at",
    ]
    list_filter = ["status", "tenant", StaleFilter]
    search_fields = [
        "candidate__name",
        "candidate__email",
        "=external_id",
        "=candidate__external_id",
    ]
    id_search_fields = ("external_id", "candidate__external_id")
    email_search_fields = ("candidate__email",)
    list_select_related = ["tenant", "candidate", "job", "current_stage"]
    raw_id_fields = ["tenant", "candidate", "job", "current_stage", "recruiter"]


@admin.register(InterviewSchedule)
class InterviewScheduleAdmin(SyncedRecordAdmin):
    list_display = ["external_id", "status", "application", "stage", "tenant", "synced_at"]
    list_filter = ["status", "tenant", StaleFilter]
    search_fields = ["=external_id", "=application__external_id", "application__candidate__name"]
    id_search_fields = ("external_id", "application__external_id")
    list_select_related = ["tenant", "application", "stage"]
    raw_id_fields = ["tenant", "application", "stage"]


@admin.register(InterviewEvent)
class InterviewEventAdmin(SyncedRecordAdmin):
    list_display = ["external_id", "start_time", "end_time", "interview", "tenant", "synced_at"]
    list_filter = ["tenant", ("start_time", admin.DateFieldListFilter), StaleFilter]
    search_fields = ["=external_id", "=schedule__external_id", "location"]
    list_select_related = ["tenant", "interview"]
    raw_id_fields = ["tenant", "schedule", "interview", "interviewers"]


class GuideStaleFilter(StaleFilter):
    title = "updated"
    field = "updated_at"

    def lookups(self, request, model_admin):
        return [("yes", f"Not updated for {self.days}+ days"), ("no", "Updated recently")]


@admin.register(ProfileInvite)
class ProfileInviteAdmin(ReadOnlyAdmin):
    """Interviewers' profile links: who made one for whom, and whether it is live. The key is
    half of the link and is never shown."""

    list_display = ["interviewer", "tenant", "state", "created_by", "created_at", "expires_at"]
    list_filter = ["tenant"]
    list_select_related = ["interviewer", "tenant", "created_by"]
    search_fields = ["interviewer__first_name", "interviewer__last_name", "interviewer__email"]
    fields = [
        "tenant",
        "interviewer",
        "state",
        "created_by",
        "created_at",
        "expires_at",
        "used_at",
        "revoked_at",
    ]
    readonly_fields = fields


@admin.register(Guide)
class GuideAdmin(ExactSearchAdmin, BigTableAdmin, ReadOnlyAdmin):
    """The candidate's page. The token is a bearer secret: the list shows its last four
    characters; the page links to the guide so support sees what the candidate sees."""

    list_display = ["candidate", "candidate_email", "tenant", "token_hint", "updated_at"]
    list_filter = ["tenant", GuideStaleFilter]
    search_fields = ["candidate__name", "candidate__email", "=candidate__external_id"]
    id_search_fields = ("candidate__external_id",)
    email_search_fields = ("candidate__email",)
    list_select_related = ["tenant", "candidate"]
    raw_id_fields = ["tenant", "candidate"]
    fields = ["tenant", "candidate", "open_guide", "created_at", "updated_at"]
    readonly_fields = fields

    @admin.display(description="email", ordering="candidate__email")
    def candidate_email(self, guide: Guide) -> str:
        return guide.candidate.email

    @admin.display(description="token")
    def token_hint(self, guide: Guide) -> str:
        return masked(guide.token[-4:])

    @admin.display(description="guide page")
    def open_guide(self, guide: Guide) -> str:
        url = reverse("guides:public", args=[guide.token])
        return format_html('<a href="{}" target="_blank" rel="noopener">Open the guide</a>', url)


@admin.register(GuideSettings)
class GuideSettingsAdmin(ReadOnlyAdmin):
    """What a tenant's admins set for every guide (Settings > Guide): looked at by support,
    changed only by the tenant on its own pages."""

    list_display = ["tenant", "has_logo", "stage_text_count", "updated_at"]
    list_select_related = ["tenant"]
    fields = [
        "tenant",
        "logo",
        "company_intro",
        "what_to_expect",
        "archived_message",
        "hired_message",
        "stage_texts",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description="logo", boolean=True)
    def has_logo(self, row: GuideSettings) -> bool:
        return bool(row.logo)

    @admin.display(description="stage texts")
    def stage_text_count(self, row: GuideSettings) -> int:
        return len(row.stage_texts or {})
