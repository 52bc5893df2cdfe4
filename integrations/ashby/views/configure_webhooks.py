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
SETUP_REPORT = "ashby_webhook_setup_report"


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
        "setup_report": webhook_setup.CreateResult.from_json(
            request.session.pop(SETUP_REPORT, None)
        ).rows,
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
        result = exc.result
    else:
        _tell(request, result)
    # The per-row report survives the redirect in the session; the page shows it once.
    request.session[SETUP_REPORT] = result.as_json()
    return redirect(reverse("integrations:webhooks") + "#setup-report")


def _tell(request: HttpRequest, result: webhook_setup.CreateResult) -> None:
    outcome = webhook_setup.Outcome
    parts = [_count(len(result.events(o)), phrase) for o, phrase in _PHRASES.items()]
    text = "; ".join(p for p in parts if p)
    if not result.events(outcome.CREATED):
        text = f"nothing to create: {text}" if text else "nothing to create"
    worrying = result.events(outcome.FAILED) or result.events(outcome.FOUND)
    add = messages.warning if worrying else messages.success
    add(request, f"{text[0].upper()}{text[1:]}. Each row's result is listed below.")
    if manual := result.events(outcome.MANUAL):
        labels = ", ".join(EVENTS[e].label for e in manual)
        messages.warning(request, f"Create these by hand in Ashby (its API cannot): {labels}.")


def _count(n: int, phrase: str) -> str:
    if not n:
        return ""
    return phrase.format(n=n, s="" if n == 1 else "s")


_PHRASES = {
    webhook_setup.Outcome.CREATED: "created {n} webhook{s} in Ashby",
    webhook_setup.Outcome.CONNECTED: "{n} already connected",
    webhook_setup.Outcome.IN_ASHBY: "{n} already in Ashby",
    webhook_setup.Outcome.FOUND: "{n} found in Ashby and left alone",
    webhook_setup.Outcome.FAILED: "{n} failed",
}
