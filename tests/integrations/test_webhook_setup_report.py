""" "Create them in Ashby for me" row by row: rows already connected or already in Ashby are
skipped, a webhook Ashby has already is left alone (never "delete it"), each created webhook is
sent with the row's suggested name, and the page reports what happened to each row."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.ashby import webhook_setup
from integrations.ashby.events import EVENTS
from integrations.ashby.webhook_setup import Outcome
from integrations.webhook_rows import ensure_subscriptions, receiver_url
from tests.integrations.ashby_spec import spec_error

pytestmark = pytest.mark.django_db

PAGE = reverse("integrations:webhooks")
CREATE = reverse("integrations:webhooks_create_in_ashby")
LABELS = re.compile("|".join(e.label for e in EVENTS.values()))


def _rows(tenant):
    return {s.event: s for s in ensure_subscriptions(tenant)}


def _outcomes(result) -> dict[str, Outcome]:
    return {r.event: r.outcome for r in result.rows}


def _connected(row) -> None:
    row.last_valid_delivery_at = timezone.now()
    row.save(update_fields=["last_valid_delivery_at"])


def _never_advises_deleting(text: str) -> None:
    # "Candidate Delete" is an event's name, not advice.
    assert "delet" not in LABELS.sub("", text).lower()


def test_rows_already_connected_are_skipped(tenant_a, acme_connection, ashby_webhooks):
    rows = _rows(tenant_a)
    _connected(rows["applicationSubmit"])
    _connected(rows["candidateHire"])
    result = webhook_setup.create_in_ashby(tenant_a)
    sent = {b["webhookType"] for b in ashby_webhooks.sent}
    assert "applicationSubmit" not in sent and "candidateHire" not in sent
    assert len(sent) == 6
    outcomes = _outcomes(result)
    assert outcomes["applicationSubmit"] == Outcome.CONNECTED
    assert outcomes["candidateHire"] == Outcome.CONNECTED
    assert outcomes["candidateStageChange"] == Outcome.CREATED


def test_a_webhook_guide_created_that_ashby_still_has_is_not_created_again(
    tenant_a, acme_connection, ashby_webhooks
):
    row = _rows(tenant_a)["candidateMerge"]
    row.ashby_webhook_id = ashby_webhooks.add("candidateMerge", receiver_url(row))
    row.save(update_fields=["ashby_webhook_id"])
    result = webhook_setup.create_in_ashby(tenant_a)
    assert "candidateMerge" not in {b["webhookType"] for b in ashby_webhooks.sent}
    assert _outcomes(result)["candidateMerge"] == Outcome.IN_ASHBY
    assert _rows(tenant_a)["candidateMerge"].ashby_webhook_id == row.ashby_webhook_id


def test_a_webhook_deleted_in_ashby_is_created_again_with_its_new_id(
    tenant_a, acme_connection, ashby_webhooks
):
    row = _rows(tenant_a)["candidateMerge"]
    row.ashby_webhook_id = "0f2a1c7e-5b7d-4a51-9a59-6a1b8e1b2c3d"  # not in Ashby any more
    row.save(update_fields=["ashby_webhook_id"])
    result = webhook_setup.create_in_ashby(tenant_a)
    assert "candidateMerge" in {b["webhookType"] for b in ashby_webhooks.sent}
    assert _outcomes(result)["candidateMerge"] == Outcome.CREATED
    new_id = _rows(tenant_a)["candidateMerge"].ashby_webhook_id
    assert new_id in ashby_webhooks.in_ashby and new_id != row.ashby_webhook_id


def test_a_webhook_ashby_has_already_for_the_rows_url_is_found_and_left_alone(
    tenant_a, acme_connection, ashby_webhooks
):
    # Made by hand in Ashby: its API has no webhook.list, so Guide learns of it only from
    # webhook.create's "Duplicate webhook" (same type and URL, docs/ashby.md §7).
    ashby_webhooks.refuse["candidateHire"] = spec_error("invalid_input", "Duplicate webhook")
    result = webhook_setup.create_in_ashby(tenant_a)
    found = next(r for r in result.rows if r.event == "candidateHire")
    assert found.outcome == Outcome.FOUND
    assert "Guide left it alone" in found.detail
    assert "paste this row's URL and secret into it by hand" in found.detail
    assert not _rows(tenant_a)["candidateHire"].ashby_webhook_id
    for row in result.rows:
        _never_advises_deleting(row.detail)


def test_each_webhook_is_sent_with_the_rows_suggested_name(
    tenant_a, acme_connection, ashby_webhooks
):
    webhook_setup.create_in_ashby(tenant_a)
    names = {b["webhookType"]: b["name"] for b in ashby_webhooks.sent}
    assert names["applicationSubmit"] == "Guide - Application Submit"
    assert all(names[t] == EVENTS[t].suggested_name for t in names)


def test_when_ashby_refuses_the_name_field_the_webhook_is_created_without_it(
    tenant_a, acme_connection, ashby_webhooks
):
    ashby_webhooks.refuses_names = True
    result = webhook_setup.create_in_ashby(tenant_a)
    assert set(_outcomes(result).values()) == {Outcome.CREATED, Outcome.MANUAL}
    retried = [b for b in ashby_webhooks.sent if "name" not in b]
    assert len(retried) == 8
    assert all(row.ashby_webhook_id for row in _rows(tenant_a).values() if row.event[:3] != "job")


def test_the_page_reports_what_happened_to_each_row(
    tenant_admin_client, tenant_a, acme_connection, ashby_webhooks
):
    _connected(_rows(tenant_a)["applicationSubmit"])
    ashby_webhooks.refuse["candidateHire"] = spec_error("invalid_input", "Duplicate webhook")
    ashby_webhooks.refuse["candidateDelete"] = spec_error("invalid_input", "requestUrl is invalid")
    response = tenant_admin_client.post(CREATE, follow=True)
    assert response.redirect_chain[-1][0].endswith("#setup-report")
    html = response.content.decode()
    reported = dict(re.findall(r'data-setup-event="(\w+)" data-outcome="(\w+)"', html))
    assert reported == {
        "applicationSubmit": "connected",
        "applicationUpdate": "created",
        "candidateStageChange": "created",
        "candidateHire": "found",
        "candidateDelete": "failed",
        "candidateMerge": "created",
        "interviewScheduleCreate": "created",
        "interviewScheduleUpdate": "created",
        "jobCreate": "manual",
        "jobUpdate": "manual",
    }
    assert "Ashby refused it: requestUrl is invalid" in html
    assert (
        "Created 5 webhooks in Ashby; 1 already connected; 1 found in Ashby and left alone; "
        "1 failed. Each row&#x27;s result is listed below."
    ) in html
    for message in response.context["messages"]:
        _never_advises_deleting(str(message))
    # The report is shown once: a reload shows the rows, not the old report.
    assert 'id="setup-report"' not in tenant_admin_client.get(PAGE).content.decode()


def test_an_outage_still_reports_the_rows_done_before_it(
    tenant_admin_client, tenant_a, acme_connection, ashby_webhooks, fake_ashby
):
    fake_ashby.answer("webhook.create", status=503, body="upstream unavailable")
    _connected(_rows(tenant_a)["applicationSubmit"])
    html = tenant_admin_client.post(CREATE, follow=True).content.decode()
    assert "Ashby did not answer" in html
    assert 'data-setup-event="applicationSubmit" data-outcome="connected"' in html


def test_a_member_cannot_run_it_and_sees_no_report(member_client, acme_connection, ashby_webhooks):
    assert member_client.post(CREATE).status_code == 403
    assert ashby_webhooks.sent == []
    assert 'id="setup-report"' not in member_client.get(PAGE).content.decode()


def test_an_outsider_runs_nothing_in_our_tenant(
    outsider_client, tenant_a, acme_connection, ashby_webhooks
):
    html = outsider_client.post(CREATE, follow=True).content.decode()
    assert ashby_webhooks.sent == []
    assert "Connect Ashby with a working API key first." in html
    assert not any(row.ashby_webhook_id for row in _rows(tenant_a).values())


def test_a_second_run_creates_nothing_and_says_so(
    tenant_admin_client, acme_connection, ashby_webhooks
):
    tenant_admin_client.post(CREATE)
    html = tenant_admin_client.post(CREATE, follow=True).content.decode()
    assert len(ashby_webhooks.sent) == 8
    assert "Nothing to create: 8 already in Ashby. Each row&#x27;s result is listed below." in html


def test_guides_own_webhook_with_a_wrong_secret_is_reported_with_what_to_paste(
    tenant_a, acme_connection, ashby_webhooks
):
    row = _rows(tenant_a)["candidateHire"]
    row.ashby_webhook_id = ashby_webhooks.add("candidateHire", receiver_url(row))
    row.signature_failures, row.last_signature_failure_at = 2, timezone.now()
    row.save()
    result = webhook_setup.create_in_ashby(tenant_a)
    hire = next(r for r in result.rows if r.event == "candidateHire")
    assert hire.outcome == Outcome.IN_ASHBY
    assert "its secret does not match: paste this row's secret into it in Ashby." in hire.detail


def test_a_key_that_cannot_read_webhooks_keeps_the_ids_it_has(
    tenant_a, acme_connection, ashby_webhooks, fake_ashby
):
    fake_ashby.lacks("apiKeysRead", "webhook.info")
    row = _rows(tenant_a)["candidateMerge"]
    row.ashby_webhook_id = "0f2a1c7e-5b7d-4a51-9a59-6a1b8e1b2c3d"
    row.save(update_fields=["ashby_webhook_id"])
    result = webhook_setup.create_in_ashby(tenant_a)
    assert _outcomes(result)["candidateMerge"] == Outcome.IN_ASHBY
    assert "candidateMerge" not in {b["webhookType"] for b in ashby_webhooks.sent}
    assert _rows(tenant_a)["candidateMerge"].ashby_webhook_id == row.ashby_webhook_id
