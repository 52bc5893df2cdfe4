"""The tenant page's panel of the guide links written back to the ATS: where they go, how
many are written, and every write failing or failed, with Ashby's reason."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string

from integrations.models import GuideLinkWrite
from tenants.admin import extend_tenant_page
from tenants.admin_kit import ReadOnlyAdmin
from tenants.models import Tenant

Status = GuideLinkWrite.Status
FAILURES_SHOWN = 20


@admin.register(GuideLinkWrite)
class GuideLinkWriteAdmin(ReadOnlyAdmin):
    """Every guide link written to the ATS, read-only: the sweep alone writes these rows."""

    list_display = ["updated_at", "tenant", "guide", "target", "status", "attempts", "last_error"]
    list_filter = ["status", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["tenant__name", "guide__candidate__external_id", "last_error"]
    raw_id_fields = ["tenant", "guide"]
    fields = [
        "tenant",
        "guide",
        "value",
        "target",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "written_at",
        "updated_at",
    ]
    readonly_fields = fields


def render_panel(tenant: Tenant, request: HttpRequest) -> str:
    rows = GuideLinkWrite.objects.filter(tenant=tenant)
    counts = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    failing = (
        rows.exclude(status=Status.WRITTEN)
        .select_related("guide__candidate")
        .order_by("-updated_at")[:FAILURES_SHOWN]
    )
    context = {
        "counts": [(label, counts.get(value, 0)) for value, label in Status.choices],
        "failing": failing,
        "any": bool(counts),
    }
    return render_to_string("admin/integrations/guide_links_panel.html", context, request)


extend_tenant_page(panels=[render_panel], counted=[GuideLinkWrite])
