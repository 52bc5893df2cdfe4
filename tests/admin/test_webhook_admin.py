"""Webhook subscriptions and deliveries in the support console: secrets masked, the body
pretty-printed and escaped, and the actions Rotate secret, Replay (last) and Mark ignored."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations import deliveries as delivery_service
from integrations.models import AuditEvent, WebhookDelivery, WebhookSubscription
from tests.admin.conftest import run_action

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = reverse("admin:integrations_webhooksubscription_changelist")
DELIVERIES = reverse("admin:integrations_webhookdelivery_changelist")
SECRET = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Deliveries handed to django-q2 (recorded, not processed)."""
    ids: list[int] = []
    monkeypatch.setattr(delivery_service, "enqueue", ids.append)
    return ids


@pytest.fixture
def subscription(tenant_a) -> WebhookSubscription:
    sub = WebhookSubscription(tenant=tenant_a, event="candidateHire")
    sub.secret = SECRET
    sub.save()
    return WebhookSubscription.objects.get(pk=sub.pk)


def delivery(sub: WebhookSubscription, n: int = 1, **extra) -> WebhookDelivery:
    body = {
        "action": sub.event,
        "data": {"candidate": {"id": f"cand-{n}", "name": "<script>x</script>"}},
    }
    defaults = dict(
        tenant=sub.tenant,
        subscription=sub,
        action=sub.event,
        webhook_action_id=f"wa-{n}",
        dedupe_key=f"wa-{n}",
        body=json.dumps(body, separators=(",", ":")),
        headers={"Content-Type": "application/json", "User-Agent": "Ashby-Webhooks"},
        received_at=timezone.now() - timedelta(minutes=10 - n),
        status="failed",
        attempts=5,
        error="KeyError: 'application'",
    )
    return WebhookDelivery.objects.create(**{**defaults, **extra})


def last_audit() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


@pytest.mark.parametrize("who", ["superuser_client", "support_client"])
def test_the_webhook_secret_shows_as_its_last_four_only(request, who, subscription):
    client = request.getfixturevalue(who)
    pages = [
        SUBSCRIPTIONS,
        reverse("admin:integrations_webhooksubscription_change", args=[subscription.pk]),
        reverse("admin:tenants_tenant_change", args=[subscription.tenant_id]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert SECRET not in html, url
        assert subscription.secret_encrypted.token not in html, url
        assert f"••••{SECRET[-4:]}" in html, url


def test_rotate_secret_makes_a_new_secret_and_audits_it(support_client, support_user, subscription):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        signature_failures=4, last_signature_failure_at=timezone.now()
    )
    response = run_action(
        support_client, SUBSCRIPTIONS, "rotate_secret", subscription.pk, confirmed=True
    )
    subscription.refresh_from_db()
    assert subscription.secret != SECRET and len(subscription.secret) == 64
    assert subscription.signature_failures == 0
    html = response.content.decode()
    assert subscription.secret not in html and SECRET not in html
    event = last_audit()
    assert (event.action, event.actor, event.outcome) == (
        "webhook_secret_rotated",
        support_user,
        "done",
    )
    assert subscription.secret not in event.message


def test_replay_the_last_delivery_processes_the_newest_one_now(
    support_client, subscription, enqueued, django_capture_on_commit_callbacks
):
    older, newest = delivery(subscription, 1), delivery(subscription, 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            support_client, SUBSCRIPTIONS, "replay_last_delivery", subscription.pk
        )
    newest.refresh_from_db()
    older.refresh_from_db()
    # Processed in the request (its payload has no application: it fails with a sentence).
    assert (newest.status, newest.attempts) == ("failed", 1)
    assert newest.error.startswith("The payload has no application object.")
    attempt = newest.history.get()
    assert (attempt.kind, attempt.requested_by) == ("replay", "sam_support")
    assert older.status == "failed" and not older.history.exists()
    assert enqueued == []  # not queued: the worker has nothing left to do
    assert "Replayed Candidate Hire for Acme: failed. The payload has no application" in (
        response.content.decode()
    )
    assert (last_audit().action, last_audit().outcome) == ("delivery_replayed", "done")


def test_replay_the_last_delivery_without_any_is_refused(support_client, subscription):
    response = run_action(support_client, SUBSCRIPTIONS, "replay_last_delivery", subscription.pk)
    assert "no delivery received yet." in response.content.decode()
    assert last_audit().outcome == "refused"


def test_replay_processes_the_selected_deliveries_now(
    support_client, subscription, enqueued, django_capture_on_commit_callbacks
):
    first, second = delivery(subscription, 1), delivery(subscription, 2)
    with django_capture_on_commit_callbacks(execute=True):
        run_action(support_client, DELIVERIES, "replay", first.pk, second.pk)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}
    for replayed in (first, second):
        assert list(replayed.history.values_list("kind", flat=True)) == ["replay"]
    assert enqueued == []
    assert AuditEvent.objects.filter(action="delivery_replayed", outcome="done").count() == 2


def test_replay_is_refused_while_the_delivery_is_processing(support_client, subscription, enqueued):
    busy = delivery(subscription, 1, status="processing", error="")
    response = run_action(support_client, DELIVERIES, "replay", busy.pk)
    busy.refresh_from_db()
    assert busy.status == "processing"
    assert "being processed right now" in response.content.decode()


def test_mark_ignored_stops_retries(support_client, subscription):
    waiting = delivery(subscription, 1, status="retrying", next_attempt_at=timezone.now())
    run_action(support_client, DELIVERIES, "mark_ignored", waiting.pk)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.next_attempt_at) == ("ignored", None)
    assert waiting.error == "KeyError: 'application'"
    assert "Marked ignored by support (sam_support)" in waiting.outcome
    assert (last_audit().action, last_audit().outcome) == ("delivery_ignored", "done")


def test_mark_ignored_is_refused_while_processing(support_client, subscription):
    busy = delivery(subscription, 1, status="processing", error="")
    run_action(support_client, DELIVERIES, "mark_ignored", busy.pk)
    busy.refresh_from_db()
    assert busy.status == "processing"
    assert last_audit().outcome == "refused"


def test_the_delivery_page_pretty_prints_and_escapes_the_body(support_client, subscription):
    d = delivery(subscription, 1)
    html = support_client.get(
        reverse("admin:integrations_webhookdelivery_change", args=[d.pk])
    ).content.decode()
    assert "  &quot;action&quot;: &quot;candidateHire&quot;," in html  # indented JSON
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x</script>" not in html
    assert "Ashby-Webhooks" in html  # headers received
    assert "KeyError: &#x27;application&#x27;" in html
    assert 'value="replay"' in html and 'value="mark_ignored"' in html


def test_the_delivery_list_filters_by_status_error_and_event(
    support_client, subscription, tenant_a, tenant_b
):
    other = WebhookSubscription(tenant=tenant_b, event="jobUpdate")
    other.secret = SECRET
    other.save()
    broken_id = "5b0e4c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b"
    delivery(subscription, 1, webhook_action_id=broken_id, dedupe_key=broken_id)
    hashed = "sha256:" + "ab" * 32
    delivery(other, 2, status="processed", error="", webhook_action_id="", dedupe_key=hashed)

    def count(**params) -> int:
        return support_client.get(DELIVERIES, params).context["cl"].result_count

    assert count(status__exact="failed") == 1
    assert count(has_error="yes") == 1
    assert count(event="jobUpdate") == 1
    assert count(q=broken_id.upper()) == 1
    assert count(q="ab" * 32) == 1
    assert count(q=hashed) == 1
    assert count(q="jobUpdate") == 1
    assert count(q="Acme") == 1
    assert count(q="brav") == 1


def test_the_failing_filter_lists_rows_with_wrong_signatures(
    support_client, subscription, tenant_a
):
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        signature_failures=3,
        last_signature_failure_at=now,
        last_valid_delivery_at=now - timedelta(days=1),
    )
    good = WebhookSubscription(tenant=tenant_a, event="jobUpdate", last_valid_delivery_at=now)
    good.secret = SECRET
    good.save()
    cl = support_client.get(SUBSCRIPTIONS, {"failing": "yes"}).context["cl"]
    assert [s.pk for s in cl.result_list] == [subscription.pk]
    html = support_client.get(SUBSCRIPTIONS).content.decode()
    assert "Failing" in html and "Connected" in html


def test_a_tenant_admin_rotating_a_secret_is_in_the_audit_trail(
    tenant_admin_client, admin_user, subscription
):
    url = reverse("integrations:webhooks_rotate", args=[subscription.pk])
    assert tenant_admin_client.post(url).status_code == 302
    event = last_audit()
    assert (event.action, event.actor, event.source) == (
        "webhook_secret_rotated",
        admin_user,
        "app",
    )
    assert event.detail == {"event": "candidateHire"}


@pytest.mark.parametrize(("who", "status"), [("member_client", 403), ("outsider_client", 404)])
def test_no_audit_row_when_the_tenant_side_rotation_is_refused(request, who, status, subscription):
    client = request.getfixturevalue(who)
    url = reverse("integrations:webhooks_rotate", args=[subscription.pk])
    assert client.post(url).status_code == status
    assert not AuditEvent.objects.filter(action="webhook_secret_rotated").exists()
