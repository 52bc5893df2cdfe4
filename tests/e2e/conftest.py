"""Fixtures for the browser end-to-end tests: Debian's Chromium driven by Playwright, a live
Guide (with the Ashby sandbox mounted) served by pytest-django's threaded live server, and a
real `qcluster` per queue (realtime, bulk) in subprocesses on the ORM broker.

Why PostgreSQL only: the worker is a second process, so it must see the test database. On
SQLite the test database lives in memory inside pytest (and the live server shares one
connection between its threads), so the browser tests skip there and run in the PostgreSQL
pass of `make test` (and alone with `make e2e`).

Locally, keep the server on your own port: `--liveserver 127.0.0.1:PORT` (or
DJANGO_LIVE_TEST_SERVER_ADDRESS); CI lets the OS pick one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, connections

from tenants.queue import QUEUES

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
# Quiet, hermetic Chromium: no sandbox (we run as root in CI), no GPU, and nothing that
# phones home (QUIC, component updates, background networking, sync).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000  # expect() and actions; generous for CI's 2 shared cores


def _install_chromium() -> None:
    """Install Debian's `chromium` package where it is missing (CI machines start bare).
    Nothing downloads a browser build of its own: Playwright only drives this one."""
    if Path(CHROMIUM).exists():
        return
    if shutil.which("apt-get") is None:
        pytest.fail(f"{CHROMIUM} is missing and apt-get is not available to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"installing the chromium package did not provide {CHROMIUM}")


@pytest.fixture
def browser(django_db_setup, monkeypatch):
    """Debian's Chromium (/usr/bin/chromium), for one test.

    Per test, not per session: Playwright's sync API keeps an event loop running in this
    thread while it is started, and Django refuses ORM calls under a running loop. So the
    browser starts after the test database exists and stops before it is flushed, and the ORM
    calls the test makes between browser steps (plain blocking calls) are allowed."""
    _install_chromium()
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        # The test's ORM calls ran while Playwright was up, on a connection of their own
        # (Django keys connections by context, and Playwright's sync API switches it):
        # close it here, in that same context, or the test database cannot be dropped.
        connections.close_all()
        chromium.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile per test (cookies, storage), with clipboard access."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


class Shots:
    """Numbered screenshots, one per step: test-artifacts/e2e/NN-step.png."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def _fresh_artifacts() -> None:
    """Screenshots of an earlier run go, so the folder shows this run only."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()


@pytest.fixture
def shots(_fresh_artifacts) -> Shots:
    return Shots(ARTIFACTS)


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker_env(live_server) -> dict[str, str]:
    """The environment of a production-settings process on the test database."""
    from django.conf import settings

    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "GUIDE_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "guide_project.settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "GUIDE_ENCRYPTION_KEYS": ",".join(settings.GUIDE_ENCRYPTION_KEYS),
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",
        "ASHBY_SANDBOX": "true",
        "ASHBY_API_URL": live_server.url + "/sandbox/ashby/api",
        "PUBLIC_BASE_URL": live_server.url,
        "Q_WORKERS": "1",
        "Q_POLL": "0.2",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
def qcluster(worker_env) -> Iterator[list[subprocess.Popen]]:
    """Real django-q2 workers (`manage.py qcluster`), one per queue (realtime: deliveries,
    bulk: syncs), on the ORM broker and the test database."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    started = [_start_cluster(worker_env, name) for name in QUEUES]
    for process, log_path, _log in started:
        _wait_for_cluster(process, log_path)
    yield [process for process, _path, _log in started]
    for process, _path, log in started:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def _start_cluster(worker_env: dict[str, str], name: str):
    log_path = ARTIFACTS / f"qcluster-{name}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**worker_env, "Q_CLUSTER_NAME": name},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, log_path, log


def _wait_for_cluster(process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    """Until django-q2 says the cluster runs (its INFO line), so no step waits on start-up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"qcluster exited ({process.returncode}): {log_path.read_text()[-2000:]}")
        if "running." in log_path.read_text():
            return
        time.sleep(0.1)  # polling a subprocess's log, not waiting on the browser
    pytest.fail(f"qcluster did not start within {timeout:.0f}s: {log_path.read_text()[-2000:]}")


@pytest.fixture
def guide_live(live_server, settings, monkeypatch, qcluster, shots):
    """Guide served for the browser: the sandbox at the live server's address, its webhook
    sender running as a thread, and tasks queued for the worker instead of run inline."""
    from django_q.conf import Conf

    settings.ASHBY_API_URL = live_server.url + "/sandbox/ashby/api"
    settings.PUBLIC_BASE_URL = live_server.url
    # Plain http on 127.0.0.1: cookies cannot be Secure here.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SANDBOX_WEBHOOK_SENDER = "thread"
    settings.SANDBOX_WEBHOOK_TIME_SCALE = 0.01  # Ashby's retries, a hundred times faster
    settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS = 5.0
    # settings_test runs tasks inline (sync=True); here they go to the broker, as in production.
    monkeypatch.setattr(Conf, "SYNC", False)
    # Server and sender threads close their connections after each unit of work, so the
    # test database can be flushed (and dropped) at the end.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    yield live_server
    _stop_sandbox_sender(settings)


def _stop_sandbox_sender(settings) -> None:
    """The sender thread stops once the setting is "manual"; wait for it, so its database
    connection is closed before the test database is flushed."""
    from ashby_sandbox import webhook_sender

    settings.SANDBOX_WEBHOOK_SENDER = "manual"
    webhook_sender._wake.set()
    thread = webhook_sender._thread
    if thread is not None:
        thread.join(timeout=10)
