"""The webhook sender: pings, signatures, payload shapes, related webhooks and retries."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import time

import pytest
from django.utils import timezone

from ashby_sandbox import activity, webhook_sender
from ashby_sandbox import models as m
from ashby_sandbox.webhook_sender import create_webhook, deliver_due, update_webhook

SECRET = "whsec-sandbox-test"


def expected_signature(body: bytes, secret: str = SECRET) -> str:
    """Computed here, independently of the sandbox's own code."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nobody-home"


def hook(receiver, webhook_type: str, **options) -> m.Webhook:
    return create_webhook(
        webhook_type=webhook_type, request_url=receiver.url, secret_token=SECRET, **options
    )


def test_saving_a_webhook_sends_a_signed_ping(db, receiver, webhook_validator):
    saved = hook(receiver, "candidateStageChange", name="Guide")
    assert saved.enabled is True
    [ping] = receiver.requests
    assert ping.path == "/hooks/ashby"
    assert ping.headers["Content-Type"] == "application/json"
    assert ping.headers["Ashby-Signature"] == expected_signature(ping.body)
    body = ping.json()
    assert body["action"] == "ping"
    assert body["data"] == {"webhookActionType": "ping"}
    assert body["webhookActionId"]
    assert not list(webhook_validator("ping").iter_errors(body))
    assert saved.deliveries.get().attempt_log.get().status_code == 200


def test_a_ping_without_secret_is_unsigned(db, receiver):
    create_webhook(webhook_type="jobCreate", request_url=receiver.url, secret_token="")
    assert "Ashby-Signature" not in receiver.requests[0].headers


@pytest.mark.parametrize("status", [401, 404, 410, 500, 503])
def test_a_ping_answered_above_400_saves_the_webhook_disabled(db, receiver, status):
    receiver.statuses = [status]
    saved = hook(receiver, "applicationSubmit")
    saved.refresh_from_db()
    assert saved.enabled is False
    assert len(receiver.requests) == 1  # pings are not retried


def test_a_ping_answered_400_counts_as_answered(db, receiver):
    # Ashby's docs disable on "any code >400".
    receiver.statuses = [400]
    assert hook(receiver, "applicationSubmit").enabled is True


def test_an_unreachable_endpoint_saves_the_webhook_disabled(db):
    saved = create_webhook(
        webhook_type="applicationSubmit", request_url=closed_port_url(), secret_token="x"
    )
    saved.refresh_from_db()
    assert saved.enabled is False
    assert saved.deliveries.get().attempt_log.get().error.startswith("Connection failed")


def test_re_enabling_sends_a_new_ping(db, receiver):
    receiver.statuses = [500]
    saved = hook(receiver, "applicationSubmit")
    assert saved.enabled is False
    update_webhook(saved, enabled=True)
    saved.refresh_from_db()
    assert saved.enabled is True
    assert receiver.actions() == ["ping", "ping"]


def test_disabled_webhooks_get_no_deliveries(org, receiver):
    saved = hook(receiver, "jobCreate")
    update_webhook(saved, enabled=False)
    activity.create_job("Data Engineer")
    assert deliver_due() == 0


def test_duplicate_webhooks_are_refused(db, receiver):
    hook(receiver, "applicationSubmit")
    with pytest.raises(webhook_sender.WebhookInputError, match="Duplicate webhook"):
        hook(receiver, "applicationSubmit")


def test_activity_queues_deliveries_without_sending_them(org, receiver):
    hook(receiver, "applicationSubmit")
    receiver.requests.clear()
    activity.add_candidate(m.Job.objects.filter(status="Open").first().id, name="Ana Lima")
    assert receiver.requests == []  # the triggering call never waits for the receiver
    assert deliver_due() == 1
    [delivery] = receiver.requests
    assert delivery.headers["Ashby-Signature"] == expected_signature(delivery.body)
    assert delivery.json()["data"]["application"]["candidate"]["name"] == "Ana Lima"


OPERATIONS = {
    "applicationSubmit": lambda app, sched, cand: activity.add_candidate(app.job_id),
    "candidateStageChange": lambda app, sched, cand: activity.move_stage(app.id),
    "applicationUpdate": lambda app, sched, cand: activity.archive(app.id),
    "candidateHire": lambda app, sched, cand: activity.hire(app.id),
    "candidateDelete": lambda app, sched, cand: activity.delete_candidate(cand[0].id),
    "candidateMerge": lambda app, sched, cand: activity.merge_candidates(cand[0].id, cand[1].id),
    "interviewScheduleCreate": lambda app, sched, cand: activity.schedule_interview(app.id),
    "interviewScheduleUpdate": lambda app, sched, cand: activity.cancel_interview(sched.id),
    "jobCreate": lambda app, sched, cand: activity.create_job("Data Engineer"),
    "jobUpdate": lambda app, sched, cand: activity.update_job(app.job_id, status="Closed"),
}


@pytest.mark.parametrize("action", sorted(OPERATIONS))
def test_each_payload_matches_the_spec_and_is_signed(org, receiver, webhook_validator, action):
    hook(receiver, action)
    receiver.requests.clear()
    app = m.Application.objects.filter(status="Active").first()
    sched = m.InterviewSchedule.objects.filter(status="Scheduled").first()
    cands = list(m.Candidate.objects.all()[:2])
    OPERATIONS[action](app, sched, cands)
    deliver_due()
    [received] = receiver.requests
    assert received.headers["Ashby-Signature"] == expected_signature(received.body)
    body = received.json()
    assert body["action"] == action
    errors = [e.message[:200] for e in webhook_validator(action).iter_errors(body)]
    assert not errors


def test_related_webhooks_share_one_webhook_action_id(org, receiver):
    for webhook_type in ("candidateHire", "candidateStageChange", "applicationUpdate"):
        hook(receiver, webhook_type)
    receiver.requests.clear()
    app = m.Application.objects.filter(status="Active").first()
    activity.hire(app.id)
    deliver_due()
    bodies = [r.json() for r in receiver.requests]
    assert sorted(b["action"] for b in bodies) == [
        "applicationUpdate",
        "candidateHire",
        "candidateStageChange",
    ]
    assert len({b["webhookActionId"] for b in bodies}) == 1
    hire = next(b for b in bodies if b["action"] == "candidateHire")
    assert hire["data"]["offer"]["acceptanceStatus"] == "Accepted"
    assert all(b["data"]["application"]["status"] == "Hired" for b in bodies)


def test_fan_out_sends_the_same_action_id_to_every_webhook_of_a_type(org, receiver):
    hook(receiver, "jobCreate")
    create_webhook(webhook_type="jobCreate", request_url=receiver.url + "?second", secret_token="")
    receiver.requests.clear()
    activity.create_job("Designer")
    deliver_due()
    assert len(receiver.requests) == 2
    assert len({r.json()["webhookActionId"] for r in receiver.requests}) == 1


def test_retries_follow_ashbys_schedule_until_the_tenth_attempt(org, receiver, settings):
    settings.SANDBOX_WEBHOOK_TIME_SCALE = 0.5
    hook(receiver, "jobCreate")
    receiver.statuses = [500] * 20
    activity.create_job("Data Engineer")
    delivery = m.Delivery.objects.exclude(action="ping").get()
    now = timezone.now()
    delays = []
    for _ in range(10):
        assert deliver_due(now=now) == 1
        delivery.refresh_from_db()
        if delivery.next_attempt_at is None:
            break
        delays.append((delivery.next_attempt_at - now).total_seconds())
        assert deliver_due(now=delivery.next_attempt_at - dt.timedelta(seconds=0.001)) == 0
        now = delivery.next_attempt_at
    assert delays == [(2**n - 1) * 10 * 0.5 for n in range(1, 10)]
    assert delivery.state == m.Delivery.GAVE_UP
    assert delivery.attempts == 10
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [500] * 10
    assert len({r.body for r in receiver.requests[1:]}) == 1  # the same bytes every time


@pytest.mark.parametrize("status", [401, 403, 404, 405, 410])
def test_these_codes_are_never_retried(org, receiver, status):
    hook(receiver, "jobCreate")
    receiver.statuses = [status]
    activity.create_job("Data Engineer")
    deliver_due()
    delivery = m.Delivery.objects.exclude(action="ping").get()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)


@pytest.mark.parametrize("status", [400, 408, 429, 500, 502])
def test_other_failures_are_retried_and_can_then_succeed(org, receiver, settings, status):
    settings.SANDBOX_WEBHOOK_TIME_SCALE = 0.0001
    hook(receiver, "jobCreate")
    receiver.statuses = [status]
    activity.create_job("Data Engineer")
    deliver_due()
    delivery = m.Delivery.objects.exclude(action="ping").get()
    assert delivery.state == "pending" and delivery.attempts == 1
    time.sleep(0.01)
    deliver_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("succeeded", 2)


def test_the_background_sender_delivers_without_being_driven(transactional_db, receiver, settings):
    settings.SANDBOX_WEBHOOK_SENDER = "thread"
    from ashby_sandbox.seed import seed

    seed(5, seed=2)
    hook(receiver, "jobCreate")
    activity.create_job("Async Engineer")
    deadline = time.monotonic() + 10
    while "jobCreate" not in receiver.actions() and time.monotonic() < deadline:
        time.sleep(0.05)
    settings.SANDBOX_WEBHOOK_SENDER = "manual"  # the thread stops at its next turn
    assert "jobCreate" in receiver.actions()
    time.sleep(0.6)
    assert not webhook_sender._thread.is_alive()


def test_webhook_api_create_update_delete(db, call, receiver):
    created = call(
        "webhook.create",
        {"webhookType": "candidateHire", "requestUrl": receiver.url, "secretToken": SECRET},
    ).json()["results"]
    assert created["enabled"] is True and created["secretToken"] == SECRET
    duplicate = call(
        "webhook.create",
        {"webhookType": "candidateHire", "requestUrl": receiver.url, "secretToken": SECRET},
    ).json()
    assert duplicate["errorInfo"]["code"] == "duplicate_webhook"
    info = call("webhook.info", {"webhookId": created["id"]}).json()["results"]
    assert "secretToken" not in info
    receiver.statuses = [503]
    updated = call(
        "webhook.update", {"webhookId": created["id"], "requestUrl": receiver.url + "x"}
    ).json()["results"]
    assert updated["enabled"] is False  # the ping after the edit failed
    deleted = call("webhook.delete", {"webhookId": created["id"]}).json()["results"]
    assert deleted == {"webhookId": created["id"]}
    gone = call("webhook.delete", {"webhookId": created["id"]}).json()
    assert gone["errors"] == ["webhook_not_found"]


def test_webhook_create_takes_the_spec_types_unless_told_otherwise(db, call, receiver, settings):
    body = {"webhookType": "jobCreate", "requestUrl": receiver.url, "secretToken": SECRET}
    refused = call("webhook.create", body).json()
    assert refused["errorInfo"]["code"] == "invalid_input"
    assert "Admin > Webhooks" in refused["errorInfo"]["message"]
    settings.SANDBOX_WEBHOOK_API_ALL_TYPES = True
    assert call("webhook.create", body).json()["results"]["webhookType"] == "jobCreate"


def test_webhook_body_is_compact_json_with_the_three_keys(org, receiver):
    hook(receiver, "jobCreate")
    activity.create_job("Data Engineer")
    deliver_due()
    body = receiver.requests[-1].body
    assert list(json.loads(body)) == ["webhookActionId", "action", "data"]
