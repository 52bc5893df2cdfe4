"""/metrics on the production path: gunicorn with two workers receives the deliveries, a
realtime django-q2 cluster applies them (PostgreSQL, Redis), and one scrape of either web
worker counts every delivery once: the web workers' receipts and the queue workers' results
add up through PROMETHEUS_MULTIPROC_DIR. A web worker that exits keeps its counts (gunicorn.conf.py
folds them into the archive). About 10 s, most of it starting the processes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django_q.conf import Conf

from integrations.models import WebhookDelivery
from integrations.webhook_rows import ensure_subscriptions
from tenants import queue
from tenants.models import Tenant
from tests.integrations.webhook_helpers import encode, sign, webhook_fixture
from tests.metrics_helpers import TOKEN, auth, parse
from tests.test_production_path import (
    ROOT,
    _cluster,
    _production_env,
    _stop,
    _wait_for,
)
from tests.test_production_path import redis_url as redis_url  # a fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    """`gunicorn guide_project.wsgi` from the project folder (so gunicorn.conf.py is read)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "guide_project.wsgi", "--workers", "2"]
        + ["--bind", f"127.0.0.1:{port}", "--graceful-timeout", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _web_workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def _scrape(base: str):
    response = requests.get(f"{base}/metrics", headers=auth(), timeout=10)
    assert response.status_code == 200, response.text
    return parse(response.text)


def _delivery(n: int) -> bytes:
    payload = webhook_fixture("jobUpdate")
    payload["webhookActionId"] = f"00000000-0000-4000-9000-{n:012d}"
    return encode(payload)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds gunicorn's workers in /proc")
def test_one_scrape_counts_what_every_web_and_queue_worker_did(redis_url, tmp_path, monkeypatch):
    directory = tmp_path / "metrics"
    env = {
        **_production_env(redis_url),
        "SECRET_KEY": settings.SECRET_KEY,  # this process queues a task the scrape reads
        # and stores the webhook row (with its secret) the web workers check deliveries with
        "GUIDE_ENCRYPTION_KEYS": ",".join(settings.GUIDE_ENCRYPTION_KEYS),
        "SECURE_SSL_REDIRECT": "false",
        "GUIDE_METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "Q_REALTIME_WORKERS": "2",
    }
    tenant = Tenant.objects.create(name="Metrics", slug="metrics")
    subscription = next(s for s in ensure_subscriptions(tenant) if s.event == "jobUpdate")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    web, cluster = _gunicorn(env, port), _cluster(env, "realtime")
    try:
        _wait_for("gunicorn", lambda: _answers(f"{base}/healthz"))
        workers = _wait_for("two web workers", lambda: len(_web_workers(web.pid)) == 2)
        sent = _send_until_both_web_workers_counted(base, subscription, web.pid, directory)
        assert workers
        _wait_for("every delivery applied", lambda: _applied(tenant) == sent, timeout=30)

        samples = _wait_for("the results counted", lambda: _counted(base, sent))
        received = {"event": "jobUpdate", "outcome": "stored"}
        assert samples.get_value("guide_webhook_deliveries_received_total", **received) == sent
        assert samples.get_value("guide_webhook_lag_seconds_count") == sent

        # A web worker ends (gunicorn starts another): its counts stay, folded into the archive.
        os.kill(_web_workers(web.pid)[0], signal.SIGTERM)
        _wait_for("the archive", lambda: (directory / "counter_archive.db").exists())
        again = _scrape(base)
        assert again.get_value("guide_webhook_deliveries_received_total", **received) == sent

        _queue_on_bulk(redis_url, monkeypatch, count=3)  # no bulk cluster runs: they wait
        backlog = _scrape(base)
        assert backlog.get_value("guide_queue_depth", queue="bulk") == 3
        assert 0 <= backlog.get_value("guide_queue_oldest_age_seconds", queue="bulk") < 60
        assert backlog.get_value("guide_metrics_source_up", source="queue") == 1
    finally:
        _stop(web, cluster)


def _answers(url: str) -> bool:
    with contextlib.suppress(requests.RequestException):
        return requests.get(url, timeout=2).status_code == 200
    return False


def _send_until_both_web_workers_counted(base, subscription, master, directory) -> int:
    """Signed deliveries, eight at a time, until each web worker has counted some (a few
    rounds at most: a worker answers one request at a time). Returns how many were sent."""
    sent = 0
    with ThreadPoolExecutor(8) as pool:
        while sent < 400:
            bodies = [_delivery(sent + i) for i in range(8)]
            answers = list(pool.map(lambda b: _post(base, subscription, b), bodies))
            assert answers == [200] * 8
            sent += 8
            pids = _web_workers(master)
            if all((directory / f"counter_{pid}.db").exists() for pid in pids):
                return sent
    pytest.fail("one web worker never answered a delivery")


def _post(base: str, subscription, body: bytes) -> int:
    headers = {"Ashby-Signature": sign(subscription.secret, body)}
    url = f"{base}/webhooks/ashby/{subscription.token}/"
    return requests.post(url, data=body, headers=headers, timeout=10).status_code


def _applied(tenant: Tenant) -> int:
    return WebhookDelivery.objects.filter(
        tenant=tenant, status=WebhookDelivery.Status.PROCESSED
    ).count()


def _counted(base: str, sent: int):
    """The scrape once the queue workers' last results are in (they count right after
    committing, so a scrape may come a moment before)."""
    samples = _scrape(base)
    applied = {"event": "jobUpdate", "result": "applied"}
    found = samples.get_value("guide_webhook_deliveries_processed_total", **applied)
    assert found <= sent, f"{found} applied counted for {sent} sent"
    return samples if found == sent else None


def _queue_on_bulk(url: str, monkeypatch, count: int) -> None:
    monkeypatch.setattr(Conf, "SYNC", False)  # to the broker, not inline (settings_test)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", url)
    monkeypatch.setattr(queue, "_brokers", {})
    for _ in range(count):
        queue.enqueue(queue.BULK, "math.floor", 1.5)
