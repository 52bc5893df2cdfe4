"""The support console's view of what Guide emailed: every email with its fate (read-only), the
addresses not written to, and a panel on the tenant page with the latest emails."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string

from emails.models import Email, EmailSettings, Suppression
from tenants.admin import extend_tenant_page
from tenants.admin_kit import BigTableAdmin, ReadOnlyAdmin, changelist_url
from tenants.models import Tenant


@admin.register(Email)
class EmailAdmin(BigTableAdmin, ReadOnlyAdmin):
    list_display = [
        "kind",
        "to_address",
        "tenant",
        "status",
        "due_at",
        "sent_at",
        "attempts",
        "detail",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["=to_address"]
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant", "candidate", "requested_by"]
    ordering = ["-created_at"]


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ["address", "tenant", "reason", "detail", "created_at"]
    list_filter = ["reason"]
    search_fields = ["=address"]
    list_select_related = ["tenant"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser  # lifting a bounce is a deliberate act


def render_panel(tenant: Tenant, request: HttpRequest) -> str:
    """The tenant page's email panel: the settings, counts by status, the latest emails."""
    emails = Email.objects.filter(tenant=tenant)
    counts = dict(emails.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    context = {
        "chosen": EmailSettings.objects.filter(tenant=tenant).first(),
        "counts": [(label, counts.get(value, 0)) for value, label in Email.Status.choices],
        "latest": emails.select_related("candidate").order_by("-updated_at")[:10],
        "all_url": changelist_url(Email, tenant__id__exact=tenant.pk),
        "failed_url": changelist_url(Email, tenant__id__exact=tenant.pk, status__exact="failed"),
        "failed": counts.get(Email.Status.FAILED, 0),
    }
    return render_to_string("admin/emails/tenant_panel.html", context, request)


extend_tenant_page(
    panels=[render_panel],
    counted=[Email, Suppression],
    deletion_notes=["and the log of the emails sent to its candidates"],
)
