"""A webhook row whose deliveries arrive but are not applied says so on the customer's
Configure Webhooks page and in its status feed, instead of claiming Connected."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations import delivery_history
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhook_rows import ensure_subscriptions

pytestmark = pytest.mark.django_db

PAGE = reverse("integrations:webhooks")
STATUS = reverse("integrations:webhooks_status")
EVENT = "candidateStageChange"
NOTE = (
    "Ashby's events reach Guide, but 3 deliveries were not applied in the last 24 hours; "
    "Guide support sees this too. Recent deliveries below say why."
)
_numbers = itertools.count(1)


def connected_rows(tenant) -> dict[str, WebhookSubscription]:
    """Every row of the tenant green (a correctly signed delivery just now)."""
    rows = {s.event: s for s in ensure_subscriptions(tenant)}
    WebhookSubscription.objects.filter(tenant=tenant).update(last_valid_delivery_at=timezone.now())
    return rows


def deliveries(sub, count: int, *, status="failed", attempts=1, ago=timedelta(hours=1)) -> None:
    for _ in range(count):
        key = f"k{next(_numbers)}"
        WebhookDelivery.objects.create(
            tenant_id=sub.tenant_id,
            subscription=sub,
            action=sub.event,
            dedupe_key=key,
            body="{}",
            status=status,
            attempts=attempts,
            started_at=timezone.now() - ago,
            error="Guide could not apply this delivery because of an internal error.",
        )


def row_in_feed(client, event: str = EVENT) -> dict:
    return next(r for r in client.get(STATUS).json()["rows"] if r["event"] == event)


def row_html(client, event: str = EVENT) -> str:
    html = client.get(PAGE).content.decode()
    return re.search(rf'<article[^>]*data-event="{event}".*?</article>', html, re.S).group(0)


@pytest.mark.parametrize("who", ["tenant_admin_client", "member_client"])
def test_a_row_with_deliveries_not_applied_is_failing_with_the_reason(request, who, tenant_a):
    rows = connected_rows(tenant_a)
    deliveries(rows[EVENT], 3)
    client = request.getfixturevalue(who)
    html = row_html(client)
    assert 'data-state="failing"' in html
    assert re.search(r'<span class="badge bad" data-role="state">Failing</span>', html)
    assert f'<p class="webhook-reason error" data-role="reason">{NOTE}</p>' in html.replace(
        "&#x27;", "'"
    )
    assert row_in_feed(client) | {"last_valid_delivery_at": None} == {
        "event": EVENT,
        "state": "failing",
        "state_label": "Failing",
        "reason": NOTE,
        "last_valid_delivery_at": None,
        "signature_failures": 0,
        "failing_deliveries": 3,
        "created_in_ashby": False,
    }
    summary = client.get(STATUS).json()["summary"]
    assert (summary["connected"], summary["all_on"]) == (10, False)
    assert summary["text"] == "10 of 10 connected; 1 with deliveries not applied"
    assert 'data-state="connected"' in row_html(client, "jobUpdate")


def test_one_delivery_reads_in_the_singular(tenant_admin_client, tenant_a):
    deliveries(connected_rows(tenant_a)[EVENT], 1)
    assert row_in_feed(tenant_admin_client)["reason"].startswith(
        "Ashby's events reach Guide, but 1 delivery was not applied in the last 24 hours;"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ago": timedelta(hours=25)},  # older than a day
        {"status": "retrying", "attempts": 1},  # one retry is routine (events out of order)
        {"status": "ignored"},  # support marked it ignored
        {"status": "processed"},  # applied on a retry or a replay
    ],
)
def test_deliveries_not_failing_lately_leave_the_row_connected(
    tenant_admin_client, tenant_a, kwargs
):
    deliveries(connected_rows(tenant_a)[EVENT], 2, **kwargs)
    assert row_in_feed(tenant_admin_client)["state"] == "connected"


def test_a_retry_that_failed_twice_counts(tenant_admin_client, tenant_a):
    deliveries(connected_rows(tenant_a)[EVENT], 1, status="retrying", attempts=2)
    assert row_in_feed(tenant_admin_client)["failing_deliveries"] == 1


def test_wrong_signatures_come_first(tenant_admin_client, tenant_a):
    rows = connected_rows(tenant_a)
    WebhookSubscription.objects.filter(pk=rows[EVENT].pk).update(
        signature_failures=1, last_signature_failure_at=timezone.now() + timedelta(seconds=1)
    )
    deliveries(rows[EVENT], 3)
    row = row_in_feed(tenant_admin_client)
    assert row["state"] == "failing"
    assert row["reason"].startswith("The secret in Ashby does not match")


def test_another_tenants_failures_never_show(outsider_client, tenant_a, tenant_b):
    deliveries(connected_rows(tenant_a)[EVENT], 3)
    connected_rows(tenant_b)
    assert row_in_feed(outsider_client)["state"] == "connected"
    assert "not applied" not in outsider_client.get(PAGE).content.decode()


def queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(db) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("url", [PAGE, STATUS])
def test_the_failing_count_is_one_query_for_all_rows(
    tenant_admin_client, tenant_a, url, monkeypatch
):
    rows = connected_rows(tenant_a)
    tenant_admin_client.get(url)  # sessions and rows settled
    quiet = queries_of(tenant_admin_client, url)
    for sub in rows.values():
        deliveries(sub, 2)
    busy = queries_of(tenant_admin_client, url)
    assert len(busy) == len(quiet)
    # Exactly one query more than the page had before the count existed.
    monkeypatch.setattr(delivery_history, "failing_counts", lambda subscriptions: {})
    assert len(queries_of(tenant_admin_client, url)) == len(busy) - 1
    table = WebhookDelivery._meta.db_table
    counting = [sql for sql in busy if f'FROM "{table}"' in sql and "GROUP BY" in sql]
    assert len(counting) == 1, counting
