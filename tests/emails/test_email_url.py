"""EMAIL_URL picks Django's email backend (read by django-environ in a fresh process, as a
deployment reads it): the console on a developer's machine, SMTP with TLS in production."""

from __future__ import annotations

import json

from tests.test_settings import KEY, _run

PRINT_EMAIL = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: getattr(s, k) for k in ('EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', "
    "'EMAIL_HOST_USER', 'EMAIL_HOST_PASSWORD', 'EMAIL_USE_TLS', 'DEFAULT_FROM_EMAIL')}))"
)


def _email_settings(env: dict[str, str]) -> dict:
    result = _run({"GUIDE_ENCRYPTION_KEYS": KEY, "SECRET_KEY": "k" * 60, **env}, PRINT_EMAIL)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_make_run_prints_emails_on_the_console():
    values = _email_settings({"DEBUG": "true"})
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_production_reads_smtp_with_starttls_and_the_from_address():
    values = _email_settings(
        {
            "EMAIL_URL": "smtp+tls://guide%40acme.test:p%40ss@mail.example.com:587",
            "GUIDE_EMAIL_FROM": "guide@acme.test",
        }
    )
    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "guide@acme.test",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True,
        "DEFAULT_FROM_EMAIL": "guide@acme.test",
    }
