"""End to end with the Ashby sandbox: webhooks registered in the sandbox to Guide's URLs and
secrets (Guide served by live_server), activity triggered there, the guide changed here.

The sandbox signs and POSTs over real HTTP; Guide stores each delivery, answers, then queues
its processing (django-q2 being synchronous in the tests, the live server's thread processes it
right after answering: `_deliver` waits for that).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from ashby_sandbox import activity, seed
from ashby_sandbox import models as sandbox
from ashby_sandbox.webhook_sender import create_webhook, deliver_due
from guides.models import Application, Candidate, Guide, InterviewEvent, InterviewSchedule
from integrations.ashby.events import EVENTS
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhook_rows import ensure_subscriptions, receiver_url

# PostgreSQL: the live server's thread processes a delivery after answering while the sandbox
# sends the next one, and SQLite's in-memory test database is one connection shared by all
# threads (Django's live server), which cannot take statements from two threads at once.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
Status = WebhookDelivery.Status


@pytest.fixture
def guide_online(settings, live_server):
    """Guide's public address is the live server; the sandbox sends only when told to."""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SANDBOX_WEBHOOK_SENDER = "manual"
    settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS = 10.0
    return live_server


@pytest.fixture
def registered(guide_online, tenant_a):
    """The tenant's ten webhooks created in the sandbox, as the admin would from the page."""
    seed.seed(3, seed=11)
    rows = ensure_subscriptions(tenant_a)
    for row in rows:
        create_webhook(
            webhook_type=row.event,
            request_url=receiver_url(row),
            secret_token=row.secret,
            name=EVENTS[row.event].suggested_name,
        )
    return rows


def _deliver() -> None:
    """The sandbox sends what is due; then wait (at most 10 s) until Guide has processed it."""
    deliver_due()
    deadline = time.monotonic() + 10
    pending = WebhookDelivery.objects.filter(status__in=[Status.RECEIVED, Status.PROCESSING])
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def _public_page(client, guide: Guide) -> str:
    response = client.get(reverse("guides:public", args=[guide.token]))
    assert response.status_code == 200
    return response.content.decode()


def _guide_of(tenant, candidate) -> Guide:
    return Guide.objects.get(tenant=tenant, candidate__external_id=str(candidate.id))


def test_registering_the_webhooks_in_the_sandbox_turns_every_row_connected(registered):
    assert sandbox.Webhook.objects.filter(enabled=True).count() == 10
    assert not WebhookSubscription.objects.filter(last_valid_delivery_at__isnull=True).exists()


def test_a_wrong_secret_in_the_sandbox_shows_as_failing(guide_online, tenant_a):
    row = next(r for r in ensure_subscriptions(tenant_a) if r.event == "candidateHire")
    hook = create_webhook(
        webhook_type="candidateHire", request_url=receiver_url(row), secret_token="typo"
    )
    hook.refresh_from_db()
    assert hook.enabled is False  # the ping got a 401, as with Ashby
    row.refresh_from_db()
    assert row.is_failing
    assert row.signature_failures == 1


def test_activity_in_the_sandbox_changes_the_guide_here(registered, tenant_a, client):
    app = activity.add_candidate(name="Grace Hopper", email="grace@example.com")
    _deliver()
    candidate = Candidate.objects.get(tenant=tenant_a, external_id=str(app.candidate_id))
    assert candidate.name == "Grace Hopper"
    guide = _guide_of(tenant_a, app.candidate)

    before = guide.updated_at
    moved = activity.move_stage(app.id)
    _deliver()
    application = Application.objects.get(tenant=tenant_a, external_id=str(app.id))
    assert application.current_stage.external_id == str(moved.stage_id)
    guide.refresh_from_db()
    assert guide.updated_at > before

    start = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    link = "https://meet.example.com/grace-onsite"
    schedule = activity.schedule_interview(app.id, start=start, meeting_link=link)
    _deliver()
    events = InterviewEvent.objects.filter(tenant=tenant_a, schedule__external_id=str(schedule.id))
    assert events.order_by("start_time").first().start_time == start
    assert link in _public_page(client, guide)

    activity.cancel_interview(schedule.id)
    _deliver()
    assert InterviewSchedule.objects.get(external_id=str(schedule.id)).status == "Cancelled"
    assert link not in _public_page(client, guide)

    activity.hire(app.id)
    _deliver()
    application.refresh_from_db()
    assert application.status == "Hired"

    activity.delete_candidate(app.candidate_id)
    _deliver()
    assert not Candidate.objects.filter(tenant=tenant_a, external_id=str(app.candidate_id)).exists()
    assert not Guide.objects.filter(tenant=tenant_a, candidate__external_id=str(app.candidate_id))

    failed = WebhookDelivery.objects.exclude(status=Status.PROCESSED)
    assert list(failed.values_list("action", "status", "error")) == []
    # Related webhooks (a stage change also sends applicationUpdate) all arrived and applied.
    assert WebhookDelivery.objects.filter(action="applicationUpdate").count() >= 2
    assert sandbox.Delivery.objects.exclude(state=sandbox.Delivery.SUCCEEDED).count() == 0
