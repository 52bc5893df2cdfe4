"""The sandbox's knobs. Each is read from Django settings first (so tests can use
`override_settings`), then from the environment, then falls back to a default."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Lists: the spec says "The maximum and default value is 100".
    "SANDBOX_PAGE_SIZE_MAX": 100,
    # Ashby's tokens expire "after about a month of disuse"; cursor lifetime is undocumented.
    "SANDBOX_SYNC_TOKEN_LIFETIME_SECONDS": 30 * 24 * 3600,
    "SANDBOX_CURSOR_LIFETIME_SECONDS": 3600,
    # An incremental pass with more changed records than this fails with
    # incremental_sync_too_large (Ashby's changelog 2026-05-14; the real limit is unknown).
    "SANDBOX_INCREMENTAL_SYNC_MAX_RECORDS": 50_000,
    # Whether an incremental pass also returns records its default filters hide (archived,
    # deactivated, draft) when they changed. Ashby's behaviour is undocumented; off by default.
    "SANDBOX_INCREMENTAL_SHOWS_HIDDEN": False,
    # Requests per minute shared by all keys of one integration partner (0: no such limit).
    "SANDBOX_PARTNER_RATE_LIMIT_PER_MINUTE": 0,
    # A file that gets one JSON line per API request (arrival, status, organisation, whether
    # it came during a partner pause) for benchmarks; empty: none (ashby_sandbox/request_log.py).
    "SANDBOX_REQUEST_LOG": "",
    # Whether webhook.create takes every type of the Event dropdown (jobCreate, jobUpdate, ...)
    # or only the spec's enum (the default, so every response matches the spec).
    "SANDBOX_WEBHOOK_API_ALL_TYPES": False,
    # Requests per key per minute before 429 (Ashby publishes no number).
    "SANDBOX_RATE_LIMIT_PER_MINUTE": 600,
    # Webhook retries: delay (2^n - 1) x 10 s multiplied by this scale (tests use ~0.001).
    "SANDBOX_WEBHOOK_TIME_SCALE": 1.0,
    "SANDBOX_WEBHOOK_TIMEOUT_SECONDS": 10.0,
    "SANDBOX_WEBHOOK_MAX_ATTEMPTS": 10,
    # "thread": a background sender thread in the web process; "manual": only
    # `deliver_due()` / `manage.py sandbox_deliver` send (the test suite uses this).
    "SANDBOX_WEBHOOK_SENDER": "thread",
}


def get(name: str) -> Any:
    """The value of a SANDBOX_* setting: Django settings, then the environment, then default."""
    default = DEFAULTS[name]
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return type(default)(raw)
