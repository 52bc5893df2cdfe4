"""Webhook deliveries go to the realtime queue and syncs to the bulk queue, on the ORM broker
and on Redis; each queue's schedule runs in its own cluster; each cluster has its own workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

from emails.schedule import ensure_email_schedule
from integrations import deliveries, retention, sync_runs
from integrations.models import AshbyConnection
from integrations.schedule import (
    SCHEDULE_NAME,
    ensure_sync_schedule,
    ensure_write_back_schedule,
)
from tenants import queue
from tests.integrations.conftest import TEST_REDIS_URL, empty_redis_or_skip

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = TEST_REDIS_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """Tasks go to the broker (settings_test runs them inline), through fresh brokers."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(queue, "_brokers", {})


@pytest.fixture
def on_redis(queued, monkeypatch) -> redis.Redis:
    """The Redis broker (database 5), emptied first; skipped when no Redis answers."""
    store = empty_redis_or_skip("the Redis broker")
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
    yield store
    store.flushdb()


@pytest.fixture
def connection(tenant_a) -> AshbyConnection:
    connection = AshbyConnection(tenant=tenant_a, key_title="Guide")
    connection.api_key = "ashby-key-for-routing"
    connection.save()
    return connection


def _orm_funcs(key: str) -> list[str]:
    return [SignedPackage.loads(row.payload)["func"] for row in OrmQ.objects.filter(key=key)]


def _redis_funcs(store: redis.Redis, key: str) -> list[str]:
    return [SignedPackage.loads(raw)["func"] for raw in store.lrange(f"django_q:{key}:q", 0, -1)]


def _request_sync(connection, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sync_runs.request_sync(connection.pk, reason="test")


def test_a_delivery_goes_to_the_realtime_queue_on_the_orm_broker(queued):
    deliveries.enqueue(41)

    assert _orm_funcs("realtime") == [deliveries.PROCESS_TASK]
    assert _orm_funcs("bulk") == [] and _orm_funcs("guide") == []


def test_a_sync_goes_to_the_bulk_queue_on_the_orm_broker(
    queued, connection, django_capture_on_commit_callbacks
):
    _request_sync(connection, django_capture_on_commit_callbacks)

    assert _orm_funcs("bulk") == [sync_runs.RUN_SYNC_TASK]
    assert _orm_funcs("realtime") == [] and _orm_funcs("guide") == []


def test_a_delivery_goes_to_the_realtime_queue_on_redis(on_redis):
    deliveries.enqueue(41)

    assert _redis_funcs(on_redis, "realtime") == [deliveries.PROCESS_TASK]
    assert _redis_funcs(on_redis, "bulk") == []
    assert not OrmQ.objects.exists()


def test_a_sync_goes_to_the_bulk_queue_on_redis(
    on_redis, connection, django_capture_on_commit_callbacks
):
    _request_sync(connection, django_capture_on_commit_callbacks)

    assert _redis_funcs(on_redis, "bulk") == [sync_runs.RUN_SYNC_TASK]
    assert _redis_funcs(on_redis, "realtime") == []


def test_each_schedule_runs_in_its_own_cluster():
    deliveries.ensure_sweep_schedule()
    ensure_sync_schedule()

    retention.ensure_retention_schedule()

    clusters = dict(Schedule.objects.values_list("name", "cluster"))
    assert clusters[deliveries.SWEEP_SCHEDULE_NAME] == "realtime"
    assert clusters[SCHEDULE_NAME] == "bulk"
    assert clusters[retention.SCHEDULE_NAME] == "bulk"


def test_a_schedule_made_before_the_split_is_moved_to_its_cluster():
    ensure_sync_schedule()
    deliveries.ensure_sweep_schedule()
    retention.ensure_retention_schedule()
    Schedule.objects.update(cluster=None)  # as every release before the split left them

    ensure_sync_schedule()
    deliveries.ensure_sweep_schedule()
    retention.ensure_retention_schedule()
    ensure_email_schedule()
    ensure_write_back_schedule()

    assert set(Schedule.objects.values_list("cluster", flat=True)) == {"realtime", "bulk"}


def test_healthz_counts_each_queue(queued, client):
    deliveries.enqueue(41)
    deliveries.enqueue(42)

    body = client.get("/healthz").json()

    assert body["queue"]["queues"] == {"realtime": 2, "bulk": 0}
    assert body["queue"]["queued"] == 2


def _cluster_conf(**env: str) -> str:
    """What django-q2 reads in a process started with `env` (the production settings)."""
    code = (
        "import django; django.setup(); from django_q.conf import Conf; "
        "print(Conf.CLUSTER_NAME, Conf.WORKERS, Conf.PREFIX)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("Q_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **base,
            "GUIDE_ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "guide_project.settings",
            "SECRET_KEY": "queue-routing-test-" + "x" * 40,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_each_cluster_takes_its_worker_count_from_its_own_variable():
    sizes = {"Q_REALTIME_WORKERS": "3", "Q_BULK_WORKERS": "5"}

    assert _cluster_conf(Q_CLUSTER_NAME="realtime", **sizes) == "realtime 3 guide"
    assert _cluster_conf(Q_CLUSTER_NAME="bulk", **sizes) == "bulk 5 guide"
    # Q_WORKERS still sizes both when their own variables are unset.
    assert _cluster_conf(Q_CLUSTER_NAME="bulk", Q_WORKERS="4") == "bulk 4 guide"
