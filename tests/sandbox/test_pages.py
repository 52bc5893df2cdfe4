"""The sandbox's admin pages: API Keys, Webhooks, Simulate activity."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ashby_sandbox import models as m
from ashby_sandbox.webhook_types import WEBHOOK_TYPE_LABELS

from .test_webhooks import SECRET, expected_signature


def test_the_dashboard_needs_no_login_and_says_it_is_the_sandbox(db, client):
    response = client.get("/sandbox/ashby/")
    assert response.status_code == 200
    assert "Ashby sandbox" in response.content.decode()


def test_forms_keep_csrf_protection(db):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/sandbox/ashby/api-keys/", {"title": "x"}).status_code == 403
    assert strict.post("/sandbox/ashby/webhooks/", {"name": "x"}).status_code == 403


def test_api_keys_page_has_the_fields_of_ashbys_form(db, client):
    html = client.get("/sandbox/ashby/api-keys/").content.decode()
    assert 'name="title"' in html
    assert re.search(r'<select name="partner"[^>]*>.*<option value="Guide"', html, re.S)
    for permission in ("candidatesRead", "jobsRead", "interviewsRead", "apiKeysWrite"):
        assert f'name="permissions" value="{permission}"' in html
    assert 'name="allow_confidential"' in html


def test_a_new_key_is_shown_once_and_works(db, client, call):
    response = client.post(
        "/sandbox/ashby/api-keys/",
        {"title": "Guide demo", "partner": "Guide", "permissions": ["apiKeysRead", "jobsRead"]},
    )
    secret = re.search(r'id="new-api-key">([0-9a-f]{64})<', response.content.decode()).group(1)
    assert response["Cache-Control"] == "no-store"
    info = call("apiKey.info", {}, secret=secret).json()["results"]
    assert info["title"] == "Guide demo" and info["scopes"] == ["jobs:read", "apiKeys:read"]
    assert secret not in client.get("/sandbox/ashby/api-keys/").content.decode()
    key = m.ApiKey.objects.get(title="Guide demo")
    assert key.partner == "Guide"
    client.post(f"/sandbox/ashby/api-keys/{key.id}/deactivate")
    assert call("apiKey.info", {}, secret=secret).status_code == 403
    assert "Deactivated" in client.get("/sandbox/ashby/api-keys/").content.decode()


def test_new_webhook_form_fields_come_in_ashbys_order(db, client):
    html = client.get("/sandbox/ashby/webhooks/").content.decode()
    form = html[html.index('id="new-webhook"') :]
    positions = [
        form.index(f'name="{name}"')
        for name in ("name", "request_url", "secret_token", "webhook_type", "enabled")
    ]
    assert positions == sorted(positions)
    for webhook_type, label in WEBHOOK_TYPE_LABELS.items():
        assert f'<option value="{webhook_type}">{label}</option>' in form
    assert "Candidate Stage Change" in form and "Job Create" in form


def _new_webhook(client, receiver, webhook_type="candidateStageChange", **extra):
    data = {
        "name": "Guide",
        "request_url": receiver.url,
        "secret_token": SECRET,
        "webhook_type": webhook_type,
        "enabled": "on",
        **extra,
    }
    return client.post("/sandbox/ashby/webhooks/", data, follow=True)


def test_saving_a_webhook_pings_it_and_lists_it_enabled(db, client, receiver):
    page = _new_webhook(client, receiver).content.decode()
    assert "saved and enabled" in page
    assert receiver.requests[0].headers["Ashby-Signature"] == expected_signature(
        receiver.requests[0].body
    )
    assert "Candidate Stage Change" in page and "Enabled" in page
    assert SECRET not in page  # the secret is never shown after saving
    assert ">200<" in page  # the ping's response code


def test_a_failed_ping_lists_the_webhook_disabled(db, client, receiver):
    receiver.statuses = [500]
    page = _new_webhook(client, receiver).content.decode()
    assert "saved but disabled" in page
    assert m.Webhook.objects.get().enabled is False
    assert ">500<" in page


def test_bad_input_is_refused_with_a_message(db, client):
    page = client.post(
        "/sandbox/ashby/webhooks/",
        {"request_url": "ftp://x", "webhook_type": "candidateHire", "enabled": "on"},
    ).content.decode()
    assert "http:// or https://" in page
    assert not m.Webhook.objects.exists()


def test_edit_re_enables_with_a_new_ping_and_keeps_the_secret(db, client, receiver):
    receiver.statuses = [503]
    _new_webhook(client, receiver)
    hook = m.Webhook.objects.get()
    data = {
        "name": "Guide",
        "request_url": receiver.url,
        "secret_token": "",
        "webhook_type": hook.webhook_type,
        "enabled": "on",
    }
    page = client.post(f"/sandbox/ashby/webhooks/{hook.id}/", data, follow=True).content.decode()
    hook.refresh_from_db()
    assert hook.enabled is True and hook.secret_token == SECRET
    assert "saved and enabled" in page
    assert receiver.actions() == ["ping", "ping"]
    client.post(f"/sandbox/ashby/webhooks/{hook.id}/delete")
    assert not m.Webhook.objects.exists()


@pytest.mark.parametrize(
    ("operation", "field", "action"),
    [
        ("move_stage", "application_id", "candidateStageChange"),
        ("hire", "application_id", "candidateHire"),
        ("schedule", "application_id", "interviewScheduleCreate"),
    ],
)
def test_activity_page_runs_operations_and_queues_webhooks(
    org, client, receiver, operation, field, action
):
    _new_webhook(client, receiver, webhook_type=action)
    app = m.Application.objects.filter(status="Active").first()
    page = client.post(
        "/sandbox/ashby/activity/", {"operation": operation, field: str(app.id)}, follow=True
    ).content.decode()
    assert "Done:" in page
    assert m.Delivery.objects.filter(action=action, state="pending").count() == 1


def test_activity_page_creates_a_candidate_and_a_job(org, client):
    client.post("/sandbox/ashby/activity/", {"operation": "add_candidate", "name": "Nia Okafor"})
    assert m.Candidate.objects.filter(name="Nia Okafor").exists()
    client.post("/sandbox/ashby/activity/", {"operation": "create_job", "title": "Chef"})
    assert m.Job.objects.filter(title="Chef", status="Open").exists()


def test_activity_page_explains_what_is_missing_or_wrong(org, client):
    page = client.post("/sandbox/ashby/activity/", {"operation": "hire"}).content.decode()
    assert "hire needs: application_id" in page
    page = client.post(
        "/sandbox/ashby/activity/",
        {"operation": "hire", "application_id": "00000000-0000-4000-8000-000000000000"},
    ).content.decode()
    assert "No application with id" in page


def test_activity_page_lists_recent_records(org, client):
    html = client.get("/sandbox/ashby/activity/").content.decode()
    app = m.Application.objects.filter(status="Active").order_by("-updated_seq").first()
    assert str(app.id) in html
