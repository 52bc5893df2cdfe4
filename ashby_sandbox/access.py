"""Who may call the API and how often: Basic auth, permissions, rate limits and faults."""

from __future__ import annotations

import base64
import binascii
import random
import threading
import time
from dataclasses import dataclass

from ashby_sandbox import conf, request_log
from ashby_sandbox.errors import ApiError
from ashby_sandbox.keys import find_key
from ashby_sandbox.models import ApiKey


def authenticate(header: str) -> ApiKey:
    """The active key named by an `Authorization: Basic base64(key:)` header.

    No key: 401. Unknown or deactivated key: 403 (Ashby's documented statuses). The Basic
    password is ignored, as Ashby appears to.
    """
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise ApiError("unauthenticated", _NO_KEY, status=401)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError("unauthenticated", _NO_KEY, status=401) from None
    secret = decoded.partition(":")[0]
    if not secret:
        raise ApiError("unauthenticated", _NO_KEY, status=401)
    key = find_key(secret)
    if key is None:
        raise ApiError("invalid_api_key", "The API key is not valid.", status=403)
    if not key.is_active:
        raise ApiError("invalid_api_key", "The API key has been deactivated.", status=403)
    return key


_NO_KEY = (
    "No API key was sent. Use HTTP Basic authentication with the API key as the username "
    "and an empty password."
)


def require_permission(key: ApiKey, endpoint: str, permission: str) -> None:
    """403 missing_endpoint_permission, naming the permission, when the key lacks it."""
    if permission not in key.permissions:
        raise ApiError(
            "missing_endpoint_permission",
            f"This API key does not have the {permission} permission that {endpoint} "
            f"requires. Edit the key in Admin > API Keys to grant it.",
            status=403,
            requiredPermission=permission,
        )


@dataclass
class _Window:
    started: float
    count: int


_windows: dict[str, _Window] = {}
_lock = threading.Lock()
WINDOW_SECONDS = 60


def _count(bucket: str, budget: int) -> int | None:
    """Count a request in `bucket`'s one-minute window; the Retry-After seconds when over."""
    now = time.monotonic()
    with _lock:
        window = _windows.get(bucket)
        if window is None or now - window.started >= WINDOW_SECONDS:
            window = _windows[bucket] = _Window(now, 0)
        window.count += 1
        if window.count <= budget:
            return None
        return max(1, int(window.started + WINDOW_SECONDS - now + 0.999))


def check_rate_limit(key: ApiKey) -> None:
    """A fixed one-minute window per key; over budget answers 429 with Retry-After.

    With SANDBOX_PARTNER_RATE_LIMIT_PER_MINUTE set, the keys of one integration partner also
    share a budget; those 429s carry `X-RateLimit-Scope: integration-partner` and their own
    message, as Ashby's changelog (2026-10-14) describes.
    """
    partner_budget = conf.get("SANDBOX_PARTNER_RATE_LIMIT_PER_MINUTE")
    if key.partner and partner_budget:
        retry_after = _count(f"partner:{key.partner}", partner_budget)
        if retry_after is not None:
            error = ApiError(
                "rate_limit_exceeded",
                f"Ashby is temporarily throttling the combined traffic of the integration "
                f"partner {key.partner}. Try again in {retry_after} seconds.",
                status=429,
            )
            error.retry_after = retry_after  # type: ignore[attr-defined]
            error.headers = {"X-RateLimit-Scope": "integration-partner"}  # type: ignore[attr-defined]
            request_log.partner_paused(key.partner, retry_after)
            raise error
    budget = key.rate_limit_per_minute or conf.get("SANDBOX_RATE_LIMIT_PER_MINUTE")
    retry_after = _count(f"key:{key.pk}", budget)
    if retry_after is not None:
        raise rate_limited(retry_after)


def rate_limited(retry_after: int) -> ApiError:
    error = ApiError(
        "rate_limit_exceeded",
        f"Rate limit exceeded for this API key. Try again in {retry_after} seconds.",
        status=429,
    )
    error.retry_after = retry_after  # type: ignore[attr-defined]
    return error


def inject_faults(key: ApiKey) -> None:
    """The key's configured faults: added latency, a share of 5xx and a share of 429."""
    if key.latency_ms:
        time.sleep(key.latency_ms / 1000)
    if key.error_rate and random.random() < key.error_rate:
        raise ApiError(
            "internal_server_error",
            "An unexpected error occurred (injected by the sandbox).",
            status=random.choice([500, 502, 503]),
        )
    if key.rate_limit_rate and random.random() < key.rate_limit_rate:
        raise rate_limited(1)
