"""GET /metrics: only with the token; what real deliveries, syncs and calls to Ashby count,
with their labels; the states read at scrape time; a failure to count never breaks a request.

The counters live in this process (settings_test: no multiprocess directory) and keep
counting across tests, so each test compares a scrape before and after what it does.
tests/tenants/test_metrics_files.py covers several processes' counts adding up, and
tests/test_metrics_production.py gunicorn and django-q2's workers doing so.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import pytest
import responses
from django.utils import timezone
from django_q.models import OrmQ

from integrations import metrics, metrics_state
from integrations.ashby import errors, events
from integrations.budget import Budget
from integrations.budget_store import DatabaseStore, Wait
from integrations.models import AshbyConnection, SyncRun, WebhookDelivery
from integrations.sync_runs import run_queued_sync
from integrations.webhook_rows import ensure_subscriptions
from tests.integrations.sync_fake import FakeAshby, seed
from tests.integrations.test_budget import (
    KEY_A,
    KEY_B,
    NO_CAPS,
    _answer_at,
    _ok,
    _partner_429,
)
from tests.integrations.test_budget import make_client as make_client  # a fixture
from tests.integrations.test_client import FakeTime
from tests.integrations.test_sync_engine import API_KEY
from tests.integrations.test_sync_engine import client as sync_client
from tests.integrations.webhook_helpers import post_webhook, webhook_fixture
from tests.metrics_helpers import TOKEN, auth, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(settings):
    settings.GUIDE_METRICS_TOKENS = [TOKEN]
    return TOKEN


def scrape(client, token=TOKEN):
    response = client.get("/metrics", headers=auth(token))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(response.content.decode())


# --- who may scrape --------------------------------------------------------------------------


def test_without_a_configured_token_there_is_no_metrics_endpoint(client, settings):
    settings.GUIDE_METRICS_TOKENS = []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=auth()).status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-token",
        f"Basic {TOKEN}",
        TOKEN,
        f"Bearer {TOKEN}x",
    ],
)
def test_a_missing_or_wrong_token_is_refused_with_what_to_send(client, token, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"Authorization: Bearer <GUIDE_METRICS_TOKEN>" in response.content
    assert b"guide_" not in response.content


def test_either_of_two_tokens_works_while_one_replaces_the_other(client, settings):
    settings.GUIDE_METRICS_TOKENS = ["old-token-1234567890", TOKEN]
    assert client.get("/metrics", headers=auth("old-token-1234567890")).status_code == 200
    assert client.get("/metrics", headers=auth(TOKEN)).status_code == 200
    assert client.post("/metrics", headers=auth(TOKEN)).status_code == 405


def test_a_scrape_is_never_cached(client, token):
    assert "no-cache" in client.get("/metrics", headers=auth())["Cache-Control"]


# --- webhook deliveries ------------------------------------------------------------------


@pytest.fixture
def job_sub(tenant_a):
    return next(s for s in ensure_subscriptions(tenant_a) if s.event == "jobCreate")


def _job_create(n: int) -> dict:
    payload = webhook_fixture("jobCreate")
    payload["webhookActionId"] = f"00000000-0000-4000-8000-{n:012d}"
    payload["data"]["job"]["id"] = f"job-{n}"
    return payload


@pytest.fixture
def job_handler(monkeypatch):
    """jobCreate applies, except job-bad (a payload that can never apply) and job-flaky
    (a failure worth retrying)."""

    def handle(tenant, data):
        if data["job"]["id"] == "job-bad":
            raise ValueError("no title")
        if data["job"]["id"] == "job-flaky":
            raise RuntimeError("database went away")
        return "job stored"

    monkeypatch.setitem(events.HANDLERS, "jobCreate", handle)


def test_deliveries_received_applied_and_failed_are_counted_by_event_with_their_lag(
    client, token, job_sub, job_handler, django_capture_on_commit_callbacks
):
    before = scrape(client)
    bad, flaky = _job_create(98), _job_create(99)
    bad["data"]["job"]["id"], flaky["data"]["job"]["id"] = "job-bad", "job-flaky"
    with django_capture_on_commit_callbacks(execute=True):
        for payload in (_job_create(1), _job_create(2), bad, flaky):
            assert post_webhook(client, job_sub, payload).status_code == 200
        assert post_webhook(client, job_sub, _job_create(1)).json()["outcome"] == "duplicate"
        assert post_webhook(client, job_sub, _job_create(3), secret="wrong").status_code == 401
    after = scrape(client)

    def delta(name, **labels):
        return after.get_value(name, **labels) - before.get_value(name, **labels)

    received = "guide_webhook_deliveries_received_total"
    processed = "guide_webhook_deliveries_processed_total"
    assert delta(received, event="jobCreate", outcome="stored") == 4
    assert delta(received, event="jobCreate", outcome="duplicate") == 1
    assert delta("guide_webhook_deliveries_refused_total", status="401") == 1
    assert delta(processed, event="jobCreate", result="applied") == 2
    assert delta(processed, event="jobCreate", result="failed") == 1
    assert delta(processed, event="jobCreate", result="retrying") == 1
    assert WebhookDelivery.objects.filter(status="processed").count() == 2
    # Two applied deliveries, each within seconds of its receipt.
    assert delta("guide_webhook_lag_seconds_count") == 2
    assert delta("guide_webhook_lag_seconds_bucket", le="10.0") == 2
    assert 0 <= delta("guide_webhook_lag_seconds_sum") < 20


def test_a_replayed_delivery_counts_as_applied_but_not_in_the_lag(
    client, token, job_sub, job_handler, django_capture_on_commit_callbacks
):
    from integrations.deliveries import apply_delivery, replay_delivery

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, job_sub, _job_create(5))
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        received_at=timezone.now() - timedelta(days=3)
    )
    before = scrape(client)
    replay_delivery(job_sub.tenant, delivery.pk, requested_by="support", queue=False)
    apply_delivery(delivery.pk)
    after = scrape(client)

    applied = {"event": "jobCreate", "result": "applied"}
    processed = "guide_webhook_deliveries_processed_total"
    assert after.get_value(processed, **applied) - before.get_value(processed, **applied) == 1
    lag = "guide_webhook_lag_seconds_count"
    assert after.get_value(lag) == before.get_value(lag)


def test_an_event_the_integration_does_not_know_is_counted_as_other(
    client, token, job_sub, django_capture_on_commit_callbacks
):
    before = scrape(client)
    payload = _job_create(7)
    payload["action"] = "somethingNew" + "x" * 40
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, job_sub, payload).json()["outcome"] == "ignored"
    after = scrape(client)

    labels = {"event": "other", "outcome": "ignored"}
    name = "guide_webhook_deliveries_received_total"
    assert after.get_value(name, **labels) - before.get_value(name, **labels) == 1
    assert not [key for key in after if "somethingNew" in str(key)]


# --- a failure to count never breaks anything ------------------------------------------


class _Broken:
    def labels(self, *args):
        raise OSError("No space left on device")


def test_a_metric_that_cannot_be_counted_never_breaks_the_receiver(
    client, job_sub, job_handler, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(metrics, "RECEIVED", _Broken())
    monkeypatch.setattr(metrics, "PROCESSED", _Broken())
    monkeypatch.setattr(metrics, "_warned", {})
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        for n in (11, 12):
            assert post_webhook(client, job_sub, _job_create(n)).status_code == 200

    assert WebhookDelivery.objects.filter(status="processed").count() == 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "integrations.metrics"]
    # Once per kind of metric, not once per delivery.
    assert warnings == [
        "Metric delivery_received not counted",
        "Metric delivery_processed not counted",
    ]


def test_a_source_that_does_not_answer_is_left_out_of_the_scrape(client, token, monkeypatch):
    def down():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(metrics_state, "backlogs", down)
    samples = scrape(client)

    assert samples.get_value("guide_metrics_source_up", source="queue") == 0
    assert samples.get_value("guide_metrics_source_up", source="budget") == 1
    assert ("guide_queue_depth", (("queue", "realtime"),)) not in samples
    assert ("guide_budget_tenants_waiting", ()) in samples


# --- syncs and requests to Ashby ---------------------------------------------------------


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def store(db):
    """The budget's store for make_client (tests/integrations/test_budget.py): the database."""
    return DatabaseStore()


def test_a_sync_counts_its_slice_its_run_and_its_requests_to_the_ats(client, token, tenant_a):
    connection = AshbyConnection(tenant=tenant_a, key_title="Guide")
    connection.api_key = API_KEY
    connection.save()
    before = scrape(client)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeAshby().install(mock)
        seed(fake, candidates=3)
        run = run_queued_sync(connection.pk, client=sync_client())
    after = scrape(client)

    def delta(name, **labels):
        return after.get_value(name, **labels) - before.get_value(name, **labels)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert delta("guide_sync_slices_total", status="succeeded") == 1
    assert delta("guide_sync_slice_seconds_count") == 1
    assert delta("guide_sync_runs_total", status="succeeded") == 1
    assert delta("guide_sync_run_seconds_count") == 1
    assert delta("guide_ats_requests_total", outcome="ok") == len(fake.calls) > 0
    assert delta("guide_ats_request_seconds_count") == len(fake.calls)


def test_a_stale_run_marked_failed_counts_as_a_failed_run(client, token, tenant_a, settings):
    from integrations.sync_runs import reap_stale_runs

    connection = AshbyConnection.objects.create(tenant=tenant_a, key_title="Guide")
    SyncRun.objects.create(
        connection=connection,
        status=SyncRun.Status.RUNNING,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    before = scrape(client)
    assert reap_stale_runs() == 1
    after = scrape(client)

    name = "guide_sync_runs_total"
    assert after.get_value(name, status="failed") - before.get_value(name, status="failed") == 1


@responses.activate
def test_429s_are_counted_by_scope_and_the_partner_pause_by_the_time_waited(
    client, token, make_client, fake_time
):
    sent: list[float] = []
    _answer_at(fake_time, sent, _partner_429(), _ok(), _account_429(), _server_error())
    first, second = make_client(KEY_A), make_client(KEY_B)
    before = scrape(client)
    with pytest.raises(errors.RateLimited):
        first.call("job.list")  # 429, partner scope: every account pauses 2 s
    second.call("job.list")  # waits the 2 s (fake time), then calls
    with pytest.raises(errors.RateLimited):
        first.call("job.list")  # 429 for this key only
    with pytest.raises(errors.TransientError):
        first.call("job.list")
    after = scrape(client)

    def delta(name, **labels):
        return after.get_value(name, **labels) - before.get_value(name, **labels)

    assert sent == [0.0, 2.0, 2.0, 2.0]
    assert delta("guide_ats_rate_limited_total", scope="partner") == 1
    assert delta("guide_ats_rate_limited_total", scope="account") == 1
    assert delta("guide_ats_requests_total", outcome="rate_limited") == 2
    assert delta("guide_ats_requests_total", outcome="ok") == 1
    assert delta("guide_ats_requests_total", outcome="server_error") == 1
    assert delta("guide_budget_partner_pauses_total") == 1
    assert delta("guide_budget_wait_seconds_total", reason="partner") == pytest.approx(2.0)


@responses.activate
def test_a_call_the_budget_cannot_wait_for_counts_as_not_sent(
    client, token, make_client, fake_time
):
    sent: list[float] = []
    _answer_at(fake_time, sent, _partner_429())
    first, impatient = make_client(KEY_A), make_client(KEY_B, max_total=1)
    before = scrape(client)
    with pytest.raises(errors.RateLimited):
        first.call("job.list")
    with pytest.raises(errors.RateLimited):
        impatient.call("job.list")
    after = scrape(client)

    name = "guide_ats_requests_total"
    assert len(sent) == 1
    assert (
        after.get_value(name, outcome="not_sent") - before.get_value(name, outcome="not_sent") == 1
    )


def _account_429():
    body = json.dumps({"success": False, "errorInfo": {"code": "rate_limit_exceeded"}})
    return 429, {}, body


def _server_error():
    return 503, {}, "Service Unavailable"


# --- states read at scrape time ----------------------------------------------------------


def test_queue_depth_and_the_oldest_tasks_age_per_queue(client, token):
    now = timezone.now()
    OrmQ.objects.create(key="realtime", payload="a", lock=now - timedelta(seconds=40))
    OrmQ.objects.create(key="realtime", payload="b", lock=now - timedelta(seconds=5))
    OrmQ.objects.create(key="realtime", payload="taken", lock=now + timedelta(minutes=10))
    OrmQ.objects.create(key="bulk", payload="c", lock=now - timedelta(seconds=90))
    OrmQ.objects.create(key="guide", payload="old queue", lock=now - timedelta(hours=1))
    samples = scrape(client)

    assert samples.get_value("guide_queue_depth", queue="realtime") == 2
    assert samples.get_value("guide_queue_depth", queue="bulk") == 1
    assert 40 <= samples.get_value("guide_queue_oldest_age_seconds", queue="realtime") < 60
    assert 90 <= samples.get_value("guide_queue_oldest_age_seconds", queue="bulk") < 110
    assert samples.get_value("guide_metrics_source_up", source="queue") == 1


def test_empty_queues_read_zero(client, token):
    samples = scrape(client)
    for queue in ("realtime", "bulk"):
        assert ("guide_queue_depth", (("queue", queue),)) in samples
        assert samples.get_value("guide_queue_depth", queue=queue) == 0
        assert samples.get_value("guide_queue_oldest_age_seconds", queue=queue) == 0


def test_the_partner_pause_and_the_tenants_waiting_are_read_from_the_budget(
    client, token, tenant_a, tenant_b
):
    assert scrape(client).get_value("guide_budget_partner_pause_remaining_seconds") == 0
    store = DatabaseStore()
    Budget("key:a", limits=NO_CAPS, store=store).pause_partner(60)
    now = time.time()
    store.note_wait(Wait("key:a", tenant_a.pk, now, now + 60, "partner"))
    store.note_wait(Wait("key:b", tenant_b.pk, now - 120, now - 60, "rate"))  # over
    samples = scrape(client)

    assert 50 < samples.get_value("guide_budget_partner_pause_remaining_seconds") <= 60
    assert samples.get_value("guide_budget_tenants_waiting") == 1
