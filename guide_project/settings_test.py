"""Settings for the test suite: the production settings module with test-only overrides.

django-q2 reads Q_CLUSTER once, at import, so `sync` must be set here: override_settings
cannot change it later. Tests that need a real worker start `qcluster` themselves.
"""

from __future__ import annotations

import os

# The developer's .env never leaks into a test run.
os.environ["GUIDE_ENV_FILE"] = ""
# Metrics count in this process (tests of the multiprocess mode start their own processes).
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ASHBY_SANDBOX", "true")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Nothing in the suite may reach the real Ashby: a test that forgets to point the client at
# `responses` or the sandbox gets an immediate "connection refused" here instead.
os.environ.setdefault("ASHBY_API_URL", "http://127.0.0.1:9/no-ashby-in-tests")
# Fixed test keys: the first encrypts, the second only decrypts (rotation tests use both).
os.environ.setdefault(
    "GUIDE_ENCRYPTION_KEYS",
    "feRno68qtZ-Sm836THoO_GbI2wuzOl8kz5Fk7_Xqc6E=,R9qh96vcRZP79LTOi8jDMhaIF3GdVnnZLpHfrDL8Lso=",
)

from guide_project.settings import *  # noqa: E402,F403
from guide_project.settings import Q_CLUSTER  # noqa: E402

Q_CLUSTER = {**Q_CLUSTER, "sync": True}
Q_CLUSTER.pop("redis", None)
Q_CLUSTER["orm"] = "default"

# The shared Ashby budget lives in the test database (tests of its Redis store say so), and
# does not space the suite's calls to the fakes: its own tests set the caps they check.
REDIS_URL = ""
GUIDE_ASHBY_MAX_RPS = 0
# A sync fetches its pages inline, in the test's thread: pool threads would reach the
# budget's database store outside the test's transaction. The tests of concurrent fetching
# set a wider share and give the client a budget of their own.
GUIDE_ASHBY_TENANT_CONCURRENCY = 1

# /metrics: off unless a test configures a token; counts kept in this process.
GUIDE_METRICS_TOKENS: list[str] = []
PROMETHEUS_MULTIPROC_DIR = ""

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Live-server threads keep their own connections; persistent ones would block dropping the
# PostgreSQL test database at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# The Ashby sandbox sends webhooks only when a test asks (ashby_sandbox.webhook_sender.deliver_due or
# `manage.py sandbox_deliver`), never from a background thread.
SANDBOX_WEBHOOK_SENDER = "manual"
