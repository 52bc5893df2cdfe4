"""The integration's part of the tenant page (tenants/admin.py): the connection (a read-only
summary), a line per webhook row, and links to the tenant's sync runs, webhooks, deliveries
and audit trail. The tenants app cannot import integrations (imports point down), so this
module hands its part to `extend_tenant_page`."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from integrations.admin.connection import ConnectionDisplays, with_last_sync
from integrations.admin.webhook_pages import secret_hint, state_of, with_others_last_valid
from integrations.models import (
    AshbyConnection,
    AuditEvent,
    SyncRun,
    WebhookDelivery,
    WebhookSubscription,
)
from tenants.admin import extend_tenant_page
from tenants.admin_kit import ShowOnlyInline, changelist_url
from tenants.models import Tenant


class ConnectionInline(ConnectionDisplays, ShowOnlyInline, admin.StackedInline):
    """A read-only summary; its page (the link) has the actions."""

    model = AshbyConnection
    fields = [
        "status",
        "status_reason",
        "api_key",
        "key_title",
        "permissions_missing",
        "last_sync",
        "last_success",
        "last_checked_at",
    ]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return with_last_sync(super().get_queryset(request))


class WebhookInline(ShowOnlyInline, admin.TabularInline):
    """One line per webhook row: its state and last deliveries; its page has the actions."""

    model = WebhookSubscription
    fields = [
        "event",
        "state",
        "secret",
        "last_valid_delivery_at",
        "signature_failures",
        "last_signature_failure_at",
    ]
    verbose_name_plural = "webhooks"

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return with_others_last_valid(super().get_queryset(request)).order_by("event")

    @admin.display(description="state")
    def state(self, subscription: WebhookSubscription) -> str:
        return state_of(subscription, getattr(subscription, "_others_last_valid", None))

    @admin.display(description="secret")
    def secret(self, subscription: WebhookSubscription) -> str:
        return secret_hint(subscription)


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
    inlines=[ConnectionInline, WebhookInline],
    sections=[integration_links],
    deletion_notes=["and the tenant's integration records (connection, webhooks, audit)"],
)
