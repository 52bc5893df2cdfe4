"""Retention of webhook deliveries (issue 21, point 2): bodies kept GUIDE_DELIVERY_BODY_DAYS,
rows GUIDE_DELIVERY_ROW_DAYS, in bounded batches, on the bulk queue's schedule."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from integrations import retention
from integrations.models import DeliveryAttempt, WebhookDelivery
from tenants.queue import BULK
from tests.erasure.people import CANDIDATE, PHONE, application_payload, subscription

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture(autouse=True)
def _windows(settings):
    settings.GUIDE_DELIVERY_BODY_DAYS = 30
    settings.GUIDE_DELIVERY_ROW_DAYS = 180
    settings.GUIDE_RETENTION_BATCH = 2
    settings.GUIDE_RETENTION_PAUSE_MS = 0
    settings.GUIDE_RETENTION_MAX_SECONDS = 60


def _delivery(tenant, age: timedelta, n: int, **fields) -> WebhookDelivery:
    payload = application_payload(n=n)
    delivery = WebhookDelivery.objects.create(
        tenant=tenant,
        subscription=subscription(tenant, "applicationSubmit"),
        action="applicationSubmit",
        dedupe_key=payload["webhookActionId"],
        body=json.dumps(payload),
        headers={"User-Agent": "Ashby"},
        received_at=NOW - age,
        status="processed",
        **{"candidate_id": CANDIDATE, **fields},
    )
    DeliveryAttempt.objects.create(
        delivery=delivery,
        tenant=tenant,
        number=1,
        kind="first",
        started_at=delivery.received_at,
        finished_at=delivery.received_at,
        result="processed",
        message="Application created.",
        details="KeyError: 'phone'",
    )
    return delivery


def _run(**kwargs) -> dict:
    return retention.apply_retention(NOW, **kwargs)


def test_a_body_is_kept_until_its_window_ends_and_erased_just_after(tenant_a):
    inside = _delivery(tenant_a, timedelta(days=30) - timedelta(seconds=1), 1)
    outside = _delivery(tenant_a, timedelta(days=30) + timedelta(seconds=1), 2)

    counts = _run()

    inside.refresh_from_db()
    outside.refresh_from_db()
    assert counts["bodies erased"] == 1
    assert PHONE in inside.body and inside.body_erased_at is None
    assert outside.body_erased_at is not None and PHONE not in outside.body
    assert "kept 30 days (GUIDE_DELIVERY_BODY_DAYS)" in outside.body
    assert outside.headers == {} and outside.outcome == inside.outcome
    assert outside.history.get().details == ""
    assert outside.history.get().message == "Application created."  # the history stays


def test_a_row_is_kept_until_its_window_ends_and_deleted_just_after(tenant_a):
    inside = _delivery(tenant_a, timedelta(days=180) - timedelta(seconds=1), 1)
    outside = _delivery(tenant_a, timedelta(days=180) + timedelta(seconds=1), 2)

    counts = _run()

    assert counts["rows deleted"] == 1
    assert WebhookDelivery.objects.filter(pk=inside.pk).exists()
    assert not WebhookDelivery.objects.filter(pk=outside.pk).exists()
    assert not DeliveryAttempt.objects.filter(delivery_id=outside.pk).exists()


def test_the_window_follows_the_settings(tenant_a, settings):
    settings.GUIDE_DELIVERY_BODY_DAYS = 3
    delivery = _delivery(tenant_a, timedelta(days=4), 1)

    _run()

    delivery.refresh_from_db()
    assert "kept 3 days" in delivery.body


def test_work_goes_in_batches_with_progress_logged(tenant_a, tenant_b, caplog):
    for n in range(5):
        _delivery(tenant_a, timedelta(days=40), n)
    for n in range(3):
        _delivery(tenant_b, timedelta(days=200), 10 + n)

    with caplog.at_level(logging.INFO, logger="integrations.retention"):
        counts = _run()

    # Bravo's old rows lose their bodies first, then go.
    assert counts["bodies erased"] == 8 and counts["rows deleted"] == 3
    progress = [r.getMessage() for r in caplog.records if "so far" in r.getMessage()]
    assert progress == [
        "Delivery retention: 2 bodies so far",
        "Delivery retention: 4 bodies so far",
        "Delivery retention: 6 bodies so far",
        "Delivery retention: 8 bodies so far",
        "Delivery retention: 2 rows deleted so far",
        "Delivery retention: 3 rows deleted so far",
    ]
    assert not WebhookDelivery.objects.filter(body_erased_at__isnull=True).exists()


def test_a_run_out_of_time_stops_and_the_next_goes_on(tenant_a):
    for n in range(3):
        _delivery(tenant_a, timedelta(days=40), n)

    assert _run(max_seconds=0)["bodies erased"] == 0
    assert _run()["bodies erased"] == 3


def test_a_delivery_being_processed_keeps_its_body(tenant_a):
    busy = _delivery(tenant_a, timedelta(days=40), 1, started_at=NOW)
    WebhookDelivery.objects.filter(pk=busy.pk).update(status="processing")

    _run()

    busy.refresh_from_db()
    assert busy.body_erased_at is None


def test_a_second_run_changes_nothing(tenant_a):
    _delivery(tenant_a, timedelta(days=40), 1)
    _run()
    erased = WebhookDelivery.objects.get()

    assert _run() == {
        "bodies erased": 0,
        "rows deleted": 0,
        "candidates noted": 0,
        "late bodies erased": 0,
    }
    assert WebhookDelivery.objects.get().body_erased_at == erased.body_erased_at


def test_rows_received_before_candidates_were_noted_get_theirs(tenant_a):
    old = _delivery(tenant_a, timedelta(days=1), 1, candidate_id="?")
    gone = _delivery(tenant_a, timedelta(days=1), 2, candidate_id="?", body_erased_at=NOW)

    assert _run()["candidates noted"] == 2

    assert WebhookDelivery.objects.get(pk=old.pk).candidate_id == CANDIDATE
    assert WebhookDelivery.objects.get(pk=gone.pk).candidate_id == ""


def test_the_schedule_runs_hourly_on_the_bulk_queue():
    retention.ensure_retention_schedule()
    retention.ensure_retention_schedule()

    schedule = Schedule.objects.get(name=retention.SCHEDULE_NAME)
    assert schedule.func == "integrations.tasks.apply_retention"
    assert schedule.cluster == BULK
    assert schedule.schedule_type == Schedule.HOURLY and schedule.repeats == -1


def test_windows_that_make_no_sense_stop_the_start_with_a_clear_error():
    env = {
        "GUIDE_DELIVERY_BODY_DAYS": "200",
        "GUIDE_DELIVERY_ROW_DAYS": "180",
        "DJANGO_SETTINGS_MODULE": "guide_project.settings_test",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "GUIDE_DELIVERY_BODY_DAYS (200) must be at least 1 and at most" in result.stderr
