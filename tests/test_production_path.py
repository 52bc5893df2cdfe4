"""The production path: PostgreSQL and django-q2 on Redis, with real `qcluster` processes,
one per queue (realtime: webhook deliveries; bulk: syncs).

The test process itself runs django-q2 in sync mode (settings_test), so here the production
settings module is used in subprocesses: one enqueues through Redis, a real worker takes the
task and writes its result to the PostgreSQL test database, where this test reads it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from cryptography.fernet import Fernet
from django.conf import settings
from django_q.conf import Conf
from django_q.models import Task

from guides.models import Job
from integrations import deliveries
from integrations.models import WebhookDelivery
from integrations.webhook_rows import ensure_subscriptions
from tenants import queue
from tenants.models import Tenant
from tests.integrations.webhook_helpers import encode, webhook_fixture

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: CI needs it.")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


def _production_env(redis_url: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "GUIDE_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "guide_project.settings",
        "SECRET_KEY": "production-path-test-" + "x" * 40,
        "GUIDE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "Q_WORKERS": "1",
        "LOG_LEVEL": "WARNING",
    }


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _cluster(env: dict[str, str], name: str) -> subprocess.Popen:
    """`Q_CLUSTER_NAME=<name> manage.py qcluster`, in its own process group."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**env, "Q_CLUSTER_NAME": name},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(*clusters: subprocess.Popen) -> None:
    """SIGKILL to each cluster's group: a graceful stop would wait for the held workers."""
    for cluster in clusters:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(timeout=20)


def _wait_for(what: str, condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"{what} did not happen within {timeout:.0f}s")


def test_a_task_enqueued_on_redis_is_run_by_a_real_worker_of_its_queue(redis_url):
    env = _production_env(redis_url)
    clusters = [_cluster(env, "realtime"), _cluster(env, "bulk")]
    try:
        ids = {
            name: _manage(
                env,
                "shell",
                "-c",
                "from django_q.tasks import async_task; "
                f"print(async_task('math.floor', 2.5, cluster='{name}'))",
            ).splitlines()[-1]
            for name in ("realtime", "bulk")
        }
        for name, task_id in ids.items():
            task = _wait_for(
                f"the {name} task", lambda i=task_id: Task.objects.filter(id=i).first()
            )
            assert (task.success, task.result, task.cluster) == (True, 2, name)
    finally:
        _stop(*clusters)


def hold_a_worker(seconds: float, redis_url: str) -> None:
    """A stand-in for a long full sync: says it started (in Redis), then holds its worker."""
    redis.Redis.from_url(redis_url).rpush("held", time.time())
    time.sleep(seconds)
    redis.Redis.from_url(redis_url).rpush("released", time.time())


def _job_update_delivery() -> WebhookDelivery:
    tenant = Tenant.objects.create(name="Realtime", slug="realtime")
    subscription = next(s for s in ensure_subscriptions(tenant) if s.event == "jobUpdate")
    payload = webhook_fixture("jobUpdate")
    return WebhookDelivery.objects.create(
        tenant=tenant,
        subscription=subscription,
        action="jobUpdate",
        dedupe_key=payload["webhookActionId"],
        body=encode(payload).decode(),
    )


def test_a_delivery_is_applied_while_every_bulk_worker_runs_a_long_sync(redis_url, monkeypatch):
    """Two 20-second stand-ins hold the bulk cluster's two workers; the delivery, on the
    realtime queue, is applied within seconds all the same (~10 s in all)."""
    env = {
        **_production_env(redis_url),
        "SECRET_KEY": settings.SECRET_KEY,  # this process signs the delivery's task
        "Q_REALTIME_WORKERS": "1",
        "Q_BULK_WORKERS": "2",
    }
    store = redis.Redis.from_url(redis_url)
    clusters = [_cluster(env, "realtime"), _cluster(env, "bulk")]
    try:
        _manage(
            env,
            "shell",
            "-c",
            "from django_q.tasks import async_task\n"
            "for _ in range(2): async_task('tests.test_production_path.hold_a_worker', 20, "
            f"'{redis_url}', cluster='bulk', timeout=60)",
        )
        _wait_for("both bulk workers held", lambda: store.llen("held") == 2)
        delivery = _job_update_delivery()
        monkeypatch.setattr(Conf, "SYNC", False)  # to the broker, not inline (settings_test)
        monkeypatch.setattr(Conf, "ORM", None)
        monkeypatch.setattr(Conf, "REDIS", redis_url)
        monkeypatch.setattr(queue, "_brokers", {})
        sent = time.monotonic()
        deliveries.enqueue(delivery.pk)

        _wait_for("the delivery applied", lambda: _processed(delivery), timeout=15)
        waited = time.monotonic() - sent
        assert store.llen("released") == 0, "applied only after the bulk work ended"
        assert Job.objects.filter(tenant=delivery.tenant).count() == 1
        assert waited < 5, f"the delivery waited {waited:.1f}s"
    finally:
        _stop(*clusters)


def _processed(delivery: WebhookDelivery) -> bool:
    delivery.refresh_from_db()
    return delivery.status == WebhookDelivery.Status.PROCESSED


def test_health_reports_the_redis_broker(redis_url):
    env = _production_env(redis_url)
    out = _manage(
        env, "shell", "-c", "from tenants.health import queue_status; print(queue_status())"
    )
    assert "'broker': 'redis'" in out
    assert "'ok': True" in out
