"""The Configure Webhooks page (step 3 of the setup), its status feed, and its actions.

Admins see each row's secret (that is the page's purpose: pasting it into Ashby); read-only
members see the rows and their status without secrets and cannot change anything.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from integrations.ashby import webhook_setup
from integrations.ashby.events import EVENTS
from integrations.deliveries import ReplayRefused, replay_delivery
from integrations.models import AuditEvent, WebhookDelivery, WebhookSubscription
from integrations.webhook_rows import (
    grace_hours,
    grace_period,
    rotate_secret,
    rotation_consequence,
    subscription_statuses,
    summarize,
)
from tenants.tenancy import tenant_admin_required, tenant_required

RECENT_DELIVERIES = 20


@tenant_required
@require_GET
@never_cache
def webhooks_page(request: HttpRequest) -> HttpResponse:
    statuses = subscription_statuses(request.tenant)
    deliveries = WebhookDelivery.objects.filter(tenant=request.tenant).only(
        "action", "status", "attempts", "received_at", "processed_at", "error", "outcome"
    )[:RECENT_DELIVERIES]
    context = {
        "statuses": statuses,
        "summary": summarize(statuses),
        "show_secrets": request.membership.is_admin,
        "deliveries": deliveries,
        "can_create": request.membership.is_admin
        and webhook_setup.can_create_in_ashby(request.tenant),
        "manual_only": [e.label for e in EVENTS.values() if not e.api_creatable],
        "grace": grace_hours() if grace_period() else "",
    }
    return render(request, "ashby/webhooks.html", context)


@tenant_required
@require_GET
@never_cache
def webhooks_status(request: HttpRequest) -> JsonResponse:
    statuses = subscription_statuses(request.tenant)
    return JsonResponse(
        {"summary": summarize(statuses).as_json(), "rows": [s.as_json() for s in statuses]}
    )


@tenant_admin_required
@require_POST
def rotate(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, tenant=request.tenant, pk=pk)
    rotate_secret(subscription)
    AuditEvent.record(
        request.tenant,
        request.user,
        AuditEvent.Action.WEBHOOK_SECRET_ROTATED,
        target=f"WebhookSubscription {subscription.pk}",
        event=subscription.event,
    )
    messages.warning(
        request,
        f"The {subscription.event} secret was rotated. Paste the new secret into this webhook "
        f"in Ashby now. {rotation_consequence()}",
    )
    return redirect(reverse("integrations:webhooks") + f"#webhook-{subscription.event}")


@tenant_admin_required
@require_POST
def replay(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(WebhookDelivery, tenant=request.tenant, pk=pk)
    try:
        delivery = replay_delivery(request.tenant, pk, requested_by=request.user.get_username())
    except ReplayRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"The {delivery.action} delivery was queued to be processed again."
        )
    return redirect(reverse("integrations:webhooks") + "#deliveries")


@tenant_admin_required
@require_POST
def create_in_ashby(request: HttpRequest) -> HttpResponse:
    try:
        result = webhook_setup.create_in_ashby(request.tenant)
    except webhook_setup.WebhookSetupError as exc:
        messages.error(request, str(exc))
        return redirect("integrations:webhooks")
    if result.created:
        messages.success(
            request,
            f"Created {len(result.created)} webhooks in Ashby. Ashby pings each one: "
            "its row turns green here when the ping arrives.",
        )
    for event, why in result.failed.items():
        messages.error(request, f"{EVENTS[event].label}: {why}")
    if result.manual:
        labels = ", ".join(EVENTS[e].label for e in result.manual)
        messages.warning(request, f"Create these by hand in Ashby (its API cannot): {labels}.")
    return redirect("integrations:webhooks")
