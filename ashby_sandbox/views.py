"""The sandbox's admin pages, shaped like Ashby's Admin Dashboard. They need no Guide login:
the sandbox stands in for another product. CSRF protection stays on."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ashby_sandbox import activity as ops
from ashby_sandbox import models as m
from ashby_sandbox.forms import ActivityForm, ApiKeyForm, WebhookForm
from ashby_sandbox.keys import GUIDE_PERMISSIONS, MODULES, create_key
from ashby_sandbox.keys import deactivate_key as deactivate
from ashby_sandbox.webhook_sender import (
    WebhookInputError,
    create_webhook,
    ensure_sender,
    update_webhook,
)
from ashby_sandbox.webhook_types import label

logger = logging.getLogger(__name__)

RECENT_DELIVERIES = 8
# The new-key form starts with what Guide needs, for the demo's Connect flow.
_KEY_FORM_INITIAL = {"permissions": GUIDE_PERMISSIONS, "partner": "Guide"}


def index(request: HttpRequest) -> HttpResponse:
    ensure_sender()
    counts = {
        "Candidates": m.Candidate.objects.filter(is_deleted=False).count(),
        "Applications": m.Application.objects.filter(is_deleted=False).count(),
        "Jobs": m.Job.objects.count(),
        "Users": m.User.objects.count(),
        "Interview schedules": m.InterviewSchedule.objects.count(),
    }
    api_base = request.build_absolute_uri("/sandbox/ashby/api/")
    return render(request, "ashby_sandbox/index.html", {"counts": counts, "api_base": api_base})


# --- API keys -------------------------------------------------------------------------------


def api_keys(request: HttpRequest) -> HttpResponse:
    new_secret = None
    if request.method == "POST":
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            new = create_key(
                data["title"],
                data["permissions"],
                partner=data["partner"],
                allow_confidential=data["allow_confidential"],
            )
            new_secret = new.secret
            form = ApiKeyForm(initial=_KEY_FORM_INITIAL)
    else:
        form = ApiKeyForm(initial=_KEY_FORM_INITIAL)
    checked = set(form["permissions"].value() or [])
    response = render(
        request,
        "ashby_sandbox/api_keys.html",
        {
            "form": form,
            "modules": [(name, read, write) for name, read, write in MODULES],
            "checked": checked,
            "keys": m.ApiKey.objects.order_by("-created_at"),
            "new_secret": new_secret,
        },
    )
    response["Cache-Control"] = "no-store"  # the new key is on this page once
    return response


@require_POST
def deactivate_key(request: HttpRequest, key_id) -> HttpResponse:
    key = get_object_or_404(m.ApiKey, id=key_id)
    deactivate(key)
    messages.success(request, f"API key “{key.title}” deactivated.")
    return redirect("ashby_sandbox:api_keys")


# --- webhooks -------------------------------------------------------------------------------


def _ping_message(request: HttpRequest, hook: m.Webhook) -> None:
    last = hook.deliveries.filter(action="ping").first()
    answer = "no answer"
    if last is not None:
        attempt = last.attempt_log.last()
        answer = str(attempt.status_code) if attempt and attempt.status_code else "no answer"
        if attempt and attempt.error:
            answer = attempt.error
    if hook.enabled:
        messages.success(request, f"Webhook saved and enabled: the ping was answered ({answer}).")
    elif last is not None:
        messages.warning(
            request,
            f"Webhook saved but disabled: the ping failed ({answer}). Fix the endpoint, then "
            "tick Enabled and click Update to ping it again.",
        )
    else:
        messages.success(request, "Webhook saved (disabled).")


def webhook_list(request: HttpRequest) -> HttpResponse:
    ensure_sender()
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                hook = create_webhook(**form.cleaned_data)
            except WebhookInputError as exc:
                form.add_error("request_url" if exc.code != "invalid_input" else None, str(exc))
            else:
                _ping_message(request, hook)
                return redirect("ashby_sandbox:webhooks")
    else:
        form = WebhookForm()
    # A query per webhook (there are a handful), so old deliveries are never loaded.
    rows = [
        (
            hook,
            label(hook.webhook_type),
            list(hook.deliveries.prefetch_related("attempt_log")[:RECENT_DELIVERIES]),
        )
        for hook in m.Webhook.objects.all()
    ]
    return render(request, "ashby_sandbox/webhooks.html", {"form": form, "rows": rows})


def webhook_edit(request: HttpRequest, webhook_id) -> HttpResponse:
    hook = get_object_or_404(m.Webhook, id=webhook_id)
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                update_webhook(
                    hook,
                    name=data["name"],
                    request_url=data["request_url"],
                    webhook_type=data["webhook_type"],
                    enabled=data["enabled"],
                    # Blank keeps the saved secret (it is never shown again).
                    secret_token=data["secret_token"] or None,
                )
            except WebhookInputError as exc:
                form.add_error(None, str(exc))
            else:
                _ping_message(request, hook)
                return redirect("ashby_sandbox:webhooks")
    else:
        form = WebhookForm(
            initial={
                "name": hook.name,
                "request_url": hook.request_url,
                "webhook_type": hook.webhook_type,
                "enabled": hook.enabled,
            }
        )
    return render(request, "ashby_sandbox/webhook_edit.html", {"form": form, "hook": hook})


@require_POST
def webhook_delete(request: HttpRequest, webhook_id) -> HttpResponse:
    hook = get_object_or_404(m.Webhook, id=webhook_id)
    hook.delete()
    messages.success(request, "Webhook deleted.")
    return redirect("ashby_sandbox:webhooks")


# --- activity -------------------------------------------------------------------------------

OPERATIONS = {
    "add_candidate": lambda d: ops.add_candidate(
        d["job_id"], name=d["name"], email=d["email"], timezone_name=d["timezone"] or "UTC"
    ),
    "move_stage": lambda d: ops.move_stage(d["application_id"]),
    "schedule": lambda d: ops.schedule_interview(
        d["application_id"], d["start"], meeting_link=d["meeting_link"], location=d["location"]
    ),
    "reschedule": lambda d: ops.reschedule_interview(d["schedule_id"], d["start"]),
    "cancel": lambda d: ops.cancel_interview(d["schedule_id"]),
    "hire": lambda d: ops.hire(d["application_id"]),
    "archive": lambda d: ops.archive(d["application_id"], d["reason"] or "Not a fit"),
    "delete_candidate": lambda d: ops.delete_candidate(d["candidate_id"]),
    "merge": lambda d: ops.merge_candidates(d["candidate_id"], d["other_candidate_id"]),
    "create_job": lambda d: ops.create_job(d["title"], d["status"] or "Open"),
    "update_job": lambda d: ops.update_job(d["job_id"], d["title"] or None, d["status"] or None),
}
# The inputs each operation cannot do without.
REQUIRED = {
    "move_stage": ["application_id"],
    "schedule": ["application_id"],
    "reschedule": ["schedule_id", "start"],
    "cancel": ["schedule_id"],
    "hire": ["application_id"],
    "archive": ["application_id"],
    "delete_candidate": ["candidate_id"],
    "merge": ["candidate_id", "other_candidate_id"],
    "create_job": ["title"],
    "update_job": ["job_id"],
}


def _run_operation(request: HttpRequest, form: ActivityForm) -> bool:
    data = form.cleaned_data
    operation = data["operation"]
    if operation not in OPERATIONS:
        form.add_error("operation", "Unknown operation.")
        return False
    missing = [name for name in REQUIRED.get(operation, []) if not data.get(name)]
    if missing:
        form.add_error(None, f"{operation.replace('_', ' ')} needs: {', '.join(missing)}.")
        return False
    try:
        record = OPERATIONS[operation](data)
    except ops.ActivityError as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(
        request, f"Done: {operation.replace('_', ' ')} ({record.id}). Webhooks are on their way."
    )
    return True


def activity(request: HttpRequest) -> HttpResponse:
    ensure_sender()
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _run_operation(request, form):
        return redirect("ashby_sandbox:activity")
    live = m.Application.objects.filter(is_deleted=False, status__in=["Active", "Lead"])
    context = {
        "form": form,
        "applications": live.select_related("candidate", "job", "stage").order_by("-updated_seq")[
            :40
        ],
        "schedules": m.InterviewSchedule.objects.exclude(status="Cancelled")
        .select_related("application__candidate", "stage")
        .order_by("-updated_seq")[:40],
        "candidates": m.Candidate.objects.filter(is_deleted=False).order_by("-updated_seq")[:40],
        "jobs": m.Job.objects.order_by("-updated_seq")[:60],
        "statuses": m.Job.STATUSES,
    }
    return render(request, "ashby_sandbox/activity.html", context)
