"""Settings are read from the environment: each case runs a fresh interpreter with a
controlled environment, since settings are evaluated once per process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
KEY = Fernet.generate_key().decode()

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(settings.DATABASES["default"]["NAME"]),
    "DB_OPTIONS": settings.DATABASES["default"].get("OPTIONS", {}),
    "Q": {k: v for k, v in settings.Q_CLUSTER.items() if k in ("redis", "orm", "timeout", "retry", "max_attempts")},
    "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
    "ASHBY_API_URL": settings.ASHBY_API_URL,
    "ASHBY_SANDBOX": settings.ASHBY_SANDBOX,
    "sandbox_installed": "ashby_sandbox" in settings.INSTALLED_APPS,
    "SESSION_COOKIE_SECURE": getattr(settings, "SESSION_COOKIE_SECURE", False),
    "SECURE_HSTS_SECONDS": getattr(settings, "SECURE_HSTS_SECONDS", 0),
    "SECURE_SSL_REDIRECT": getattr(settings, "SECURE_SSL_REDIRECT", False),
}))
"""


def _run(env: dict[str, str], code: str = PRINT_SETTINGS, args: list[str] | None = None):
    base = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "GUIDE_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "guide_project.settings",
    }
    command = [sys.executable, *(args or ["-c", code])]
    return subprocess.run(
        command, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def _settings(env: dict[str, str]) -> dict:
    result = _run(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_local_defaults_with_debug():
    values = _settings({"DEBUG": "true", "GUIDE_ENCRYPTION_KEYS": KEY})
    assert values["DEBUG"] is True
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DB_NAME"].endswith("db.sqlite3")
    assert values["Q"]["orm"] == "default"
    assert "redis" not in values["Q"]
    assert values["Q"]["timeout"] < values["Q"]["retry"]
    assert values["Q"]["max_attempts"] <= 5
    assert values["ASHBY_API_URL"] == "https://api.ashbyhq.com"
    assert values["sandbox_installed"] is True


def test_every_value_comes_from_the_environment():
    values = _settings(
        {
            "SECRET_KEY": "x" * 60,
            "GUIDE_ENCRYPTION_KEYS": KEY,
            "ALLOWED_HOSTS": "guide.example.com,api.guide.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://guide.example.com",
            "DATABASE_URL": "postgres://u:p@db.internal:5432/guide",
            "REDIS_URL": "redis://cache.internal:6379/1",
            "PUBLIC_BASE_URL": "https://guide.example.com/",
            "ASHBY_API_URL": "http://127.0.0.1:9000/sandbox/ashby/api",
        }
    )
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["guide.example.com", "api.guide.example.com"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://guide.example.com"]
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["DB_NAME"] == "guide"
    assert values["DB_OPTIONS"]["prepare_threshold"] == 5
    assert values["Q"]["redis"] == "redis://cache.internal:6379/1"
    assert "orm" not in values["Q"]
    assert values["PUBLIC_BASE_URL"] == "https://guide.example.com"
    assert values["ASHBY_API_URL"] == "http://127.0.0.1:9000/sandbox/ashby/api"
    # Production hardening follows DEBUG off; the sandbox stays unmounted unless asked for.
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["sandbox_installed"] is False


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    base = {"DEBUG": "true", "GUIDE_ENCRYPTION_KEYS": KEY}
    postgres = {**base, "DATABASE_URL": "postgres://u:p@db.internal:5432/guide"}
    off = _settings({**postgres, "DATABASE_PREPARED_STATEMENTS": "false"})
    assert off["DB_OPTIONS"]["prepare_threshold"] is None
    assert "prepare_threshold" not in _settings(base)["DB_OPTIONS"]  # SQLite: no such thing


GRACE = """
import django
from django.conf import settings
django.setup()
print(settings.GUIDE_WEBHOOK_SECRET_GRACE_HOURS)
"""


def test_the_webhook_secret_grace_period_is_read_and_checked():
    base = {"DEBUG": "true", "GUIDE_ENCRYPTION_KEYS": KEY}
    assert _run(base, GRACE).stdout.strip() == "24.0"
    assert _run({**base, "GUIDE_WEBHOOK_SECRET_GRACE_HOURS": "0.5"}, GRACE).stdout.strip() == "0.5"
    refused = _run({**base, "GUIDE_WEBHOOK_SECRET_GRACE_HOURS": "-1"}, GRACE)
    assert refused.returncode != 0
    assert "GUIDE_WEBHOOK_SECRET_GRACE_HOURS must be 0 or more hours (it is -1)" in refused.stderr


def test_missing_encryption_keys_stop_start_up_with_instructions():
    result = _run({"DEBUG": "true"})
    assert result.returncode != 0
    assert "GUIDE_ENCRYPTION_KEYS is not set" in result.stderr
    assert "Fernet.generate_key()" in result.stderr


def test_a_malformed_encryption_key_is_named():
    result = _run({"DEBUG": "true", "GUIDE_ENCRYPTION_KEYS": f"{KEY},not-a-key"})
    assert result.returncode != 0
    assert "key number 2 is not a valid Fernet key" in result.stderr
    assert "not-a-key" not in result.stderr


def test_production_without_secret_key_refuses_to_start():
    result = _run({"GUIDE_ENCRYPTION_KEYS": KEY})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("database_url", ["postgres://u:p@db.internal:5432/guide"])
def test_check_deploy_is_clean_with_production_settings(database_url):
    result = _run(
        {
            "SECRET_KEY": "k3y-" + "a1B2c3D4e5" * 6,
            "GUIDE_ENCRYPTION_KEYS": KEY,
            "ALLOWED_HOSTS": "guide.example.com",
            "DATABASE_URL": database_url,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
        args=["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_every_setting_read_from_the_environment_is_documented():
    source = (ROOT / "guide_project" / "settings.py").read_text()
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', source))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))
    assert {"SECRET_KEY", "DATABASE_URL", "GUIDE_ENCRYPTION_KEYS", "REDIS_URL"} <= names
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    missing_readme = sorted(n for n in names if f"`{n}`" not in readme)
    missing_example = sorted(n for n in names if f"{n}=" not in example)
    assert missing_readme == []
    assert missing_example == []


METRICS_TOKENS = "from django.conf import settings; print(settings.GUIDE_METRICS_TOKENS)"


def test_metrics_tokens_are_read_trimmed_and_a_short_one_is_refused_unshown():
    base = {"DEBUG": "true", "GUIDE_ENCRYPTION_KEYS": KEY}
    assert _run(base, METRICS_TOKENS).stdout.strip() == "[]"
    two = {**base, "GUIDE_METRICS_TOKEN": "old-token-0123456789, new-token-0123456789"}
    assert _run(two, METRICS_TOKENS).stdout.strip() == str(
        ["old-token-0123456789", "new-token-0123456789"]
    )
    refused = _run({**base, "GUIDE_METRICS_TOKEN": "old-token-0123456789,s3cret"}, METRICS_TOKENS)
    assert refused.returncode != 0
    assert "GUIDE_METRICS_TOKEN: token number 2 is 6 characters long; use 16 or more" in (
        refused.stderr
    )
    assert "s3cret" not in refused.stderr
