"""The integration's part of the tenant page (tenants/admin.py): the panel support helps a
customer from (integrations/admin/tenant_console.py), its buttons (check the key, sync now,
enable), and links to the tenant's lists. The tenants app cannot import integrations
(imports point down), so this module hands its part to `extend_tenant_page`."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from integrations.admin import guide_links  # noqa: F401 (adds its panel to the tenant page)
from integrations.admin.personal_data import person_panel
from integrations.admin.tenant_console import ACTIONS, render_panel
from integrations.models import (
    AshbyConnection,
    AuditEvent,
    SyncRun,
    WebhookDelivery,
    WebhookSubscription,
)
from tenants.admin import extend_tenant_page
from tenants.admin_kit import changelist_url
from tenants.models import Tenant


@admin.display(description="Integration")
def integration_links(tenant: Tenant) -> str:
    if tenant.pk is None:
        return "—"
    links = [
        (changelist_url(AshbyConnection, tenant__id__exact=tenant.pk), "Ashby connection"),
        (changelist_url(SyncRun, connection__tenant__id__exact=tenant.pk), "Sync runs"),
        (changelist_url(WebhookSubscription, tenant__id__exact=tenant.pk), "Webhooks"),
        (changelist_url(WebhookDelivery, tenant__id__exact=tenant.pk), "Webhook deliveries"),
        (changelist_url(AuditEvent, tenant__id__exact=tenant.pk), "Audit trail"),
    ]
    items = format_html_join("", '<li><a href="{}">{}</a></li>', links)
    return format_html("<ul>{}</ul>", items)


extend_tenant_page(
    panels=[render_panel, person_panel],  # the connection first, then a person's data
    actions=ACTIONS,
    sections=[integration_links],
    deletion_notes=["and the tenant's integration records (connection, webhooks, audit)"],
)
