"""The production path: PostgreSQL and django-q2 on Redis, with a real `qcluster` process.

The test process itself runs django-q2 in sync mode (settings_test), so here the production
settings module is used in subprocesses: one enqueues through Redis, a real worker takes the
task and writes its result to the PostgreSQL test database, where this test reads it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from cryptography.fernet import Fernet
from django.conf import settings
from django_q.models import Task

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


def test_a_task_enqueued_on_redis_is_run_by_a_real_worker(redis_url):
    env = _production_env(redis_url)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        task_id = _manage(
            env,
            "shell",
            "-c",
            "from django_q.tasks import async_task; print(async_task('math.floor', 2.5))",
        ).splitlines()[-1]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not Task.objects.filter(id=task_id).exists():
            time.sleep(0.2)
        task = Task.objects.get(id=task_id)
        assert task.success is True
        assert task.result == 2
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_health_reports_the_redis_broker(redis_url):
    env = _production_env(redis_url)
    out = _manage(
        env, "shell", "-c", "from tenants.health import queue_status; print(queue_status())"
    )
    assert "'broker': 'redis'" in out
    assert "'ok': True" in out
