"""The one client every call from Guide to Ashby goes through.

Ashby's API is RPC over POST: `POST <base>/<category>.<method>` with a JSON body, HTTP Basic
with the API key as username and an empty password. Every answer is an envelope
`{"success": bool, "results": ..., ...}`; most errors come back as HTTP 200 with
`success: false`, so the envelope is checked on every response, never just the status.

Transient failures (5xx, timeouts, connection errors) and 429s are retried with exponential
backoff and full jitter, honouring Retry-After; attempts and total time are both bounded, and
`sleep` is injectable so tests never wait.

Every attempt takes a turn of Guide's shared request budget first (integrations/budget.py:
one budget for every process on every machine). A 429 shares what Ashby said with every
process (docs/ashby.md §9): with `X-RateLimit-Scope: integration-partner` Ashby throttles all
of Guide's traffic, so every account pauses for the Retry-After (RetryPolicy.partner_pause when
Ashby gives no wait); without the header only this key is limited, and only this key pauses (for
the Retry-After, when given). No call is made during a pause: a turn further off than the
retry policy's `max_total` raises RateLimited (code "budget_wait") without calling.

The key lives only in the per-request auth object: it is never logged, never put in an
exception message (the client also redacts it from Ashby's messages) and not in the repr.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from importlib import metadata
from typing import Any

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

from integrations import metrics
from integrations.ashby import errors
from integrations.ashby.permissions import ENDPOINT_PERMISSIONS
from integrations.budget import Budget, BudgetExhausted

logger = logging.getLogger(__name__)

PARTNER_SCOPE = "integration-partner"
# Methods that only read: safe to retry even when Ashby may have processed the request.
_READ_METHODS = ("list", "info", "search")


def _version() -> str:
    try:
        return metadata.version("guide")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "dev"


USER_AGENT = f"Guide/{_version()} (+https://guide.example)"


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait to connect, and then for each read."""

    connect: float = 5.0
    read: float = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry. `max_total` bounds the time spent sleeping between attempts."""

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_total: float = 120.0
    partner_pause: float = 60.0  # the pause when Ashby throttles all of Guide but gives no wait


# For a person waiting on a page (the Connect dialog): one quick retry, then tell them.
INTERACTIVE_RETRY = RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=2.0, max_total=3.0)


@dataclass(frozen=True)
class Page:
    """One page of a list endpoint. `sync_token` is set on the last page of a pass only."""

    results: list[dict[str, Any]]
    next_cursor: str | None
    sync_token: str | None
    more_data_available: bool


_pool = threading.local()


def shared_session() -> requests.Session:
    """A pooled Session per process and thread (re-made after a fork, e.g. in a worker).

    It carries no credentials: each client passes its own auth on every request."""
    session = getattr(_pool, "session", None)
    if session is None or getattr(_pool, "pid", None) != os.getpid():
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        _pool.session, _pool.pid = session, os.getpid()
    return session


class AshbyClient:
    """A client for one API key.

    `call` returns an endpoint's `results`, `call_raw` the whole envelope, `paginate` walks a
    list endpoint page by page. Every failure raises a subclass of `errors.AshbyError`.
    `tenant_id` says whose key it is (the budget notes which tenant waits); `budget` replaces
    the shared budget of this key (tests).
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        tenant_id: int | None = None,
        budget: Budget | None = None,
    ) -> None:
        self._auth = requests.auth.HTTPBasicAuth(api_key, "")
        self._key = api_key
        self.base_url = (base_url or settings.ASHBY_API_URL).rstrip("/")
        self._session = session
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self._sleep, self._clock, self._jitter = sleep, clock, jitter
        self.budget = budget or Budget(
            key_account(api_key),
            tenant_id=tenant_id,
            max_wait=self.retry.max_total,
            lease_seconds=self.timeouts.connect + self.timeouts.read + 5,
        )

    def __repr__(self) -> str:
        return f"<AshbyClient {self.base_url}>"

    @property
    def session(self) -> requests.Session:
        return self._session or shared_session()

    # --- public API -------------------------------------------------------------------

    def call(self, endpoint: str, body: dict[str, Any] | None = None) -> Any:
        """POST `body` to `endpoint` and return its `results` (a dict, or a list for .list)."""
        envelope = self.call_raw(endpoint, body)
        if "results" not in envelope:
            raise self._bad_response(endpoint, "Ashby's answer has no results.")
        return envelope["results"]

    def call_raw(self, endpoint: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST `body` to `endpoint` with retries; return the whole success envelope."""
        try:
            return self._call_with_retries(endpoint, body or {})
        except BudgetExhausted as exc:
            metrics.ats_not_sent()
            raise errors.RateLimited(
                f"Not calling Ashby now: {exc} Guide tries again later.",
                code="budget_wait",
                endpoint=endpoint,
                retry_after=exc.wait,
                scope=PARTNER_SCOPE if exc.reason == "partner" else "",
            ) from None

    def _call_with_retries(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        started = self._clock()
        attempt = 1
        while True:
            try:
                with self.budget.turn(), metrics.ats_request(errors.request_outcome):
                    return self._attempt(endpoint, body)
            except (errors.TransientError, errors.RateLimited) as exc:
                if isinstance(exc, errors.RateLimited):
                    self._share_pause(exc)
                delay = self._retry_delay(endpoint, exc, attempt, started)
                if delay is None:
                    raise
                logger.warning(
                    "Ashby %s failed (%s, request %s); retry %d/%d in %.1fs",
                    endpoint,
                    exc.code or type(exc).__name__,
                    exc.request_id or "-",
                    attempt,
                    self.retry.max_attempts - 1,
                    delay,
                )
                self._sleep(delay)
                attempt += 1

    def paginate(
        self, endpoint: str, body: dict[str, Any] | None = None, *, sync_token: str | None = None
    ) -> Iterator[Page]:
        """Walk a list endpoint: yield each Page, following nextCursor until
        moreDataAvailable is false; the last Page carries the pass's syncToken.

        Every request repeats `body` (and `syncToken`) unchanged apart from `cursor`, as Ashby
        asks. A page claiming more data without a cursor, or repeating the previous cursor,
        raises instead of looping or silently dropping the rest."""
        cursor: str | None = None
        while True:
            page = self.list_page(endpoint, body, sync_token=sync_token, cursor=cursor)
            yield page
            if not page.more_data_available:
                return
            cursor = page.next_cursor

    def list_page(
        self,
        endpoint: str,
        body: dict[str, Any] | None = None,
        *,
        sync_token: str | None = None,
        cursor: str | None = None,
    ) -> Page:
        """One page of a list endpoint: `body` (and `syncToken`) unchanged, plus `cursor`
        for any page after the first. A page claiming more data with the cursor it was asked
        with raises instead of looping (the sync engine resumes a pass from a saved cursor)."""
        request = dict(body or {})
        request.pop("cursor", None)
        if sync_token:
            request["syncToken"] = sync_token
        if cursor:
            request["cursor"] = cursor
        page = self._page(endpoint, self.call_raw(endpoint, request))
        if page.more_data_available and cursor and page.next_cursor == cursor:
            raise self._bad_response(endpoint, "Ashby returned the same cursor twice.")
        return page

    # --- one attempt ------------------------------------------------------------------

    def _attempt(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.session.post(
                f"{self.base_url}/{endpoint}",
                json=body,
                auth=self._auth,
                headers={
                    "Accept": "application/json; version=1",
                    "User-Agent": USER_AGENT,
                },
                timeout=(self.timeouts.connect, self.timeouts.read),
            )
        except requests.Timeout as exc:
            code = "connect_timeout" if isinstance(exc, requests.ConnectTimeout) else "timeout"
            raise errors.TransientError(
                "Ashby did not answer in time.", code=code, endpoint=endpoint
            ) from None
        except requests.RequestException as exc:
            # Keep only the exception's class: never the request, which carries the auth header.
            raise errors.TransientError(
                f"Could not reach Ashby ({type(exc).__name__}).",
                code="connect_failed" if _never_sent(exc) else "connection_error",
                endpoint=endpoint,
            ) from None
        return self._envelope(endpoint, response)

    def _envelope(self, endpoint: str, response: requests.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code == 200 and isinstance(data, dict):
            if data.get("success") is True:
                return data
            if data.get("success") is not False:
                raise self._bad_response(endpoint, "Ashby's answer has no success flag.")
        elif response.status_code == 200:
            raise self._bad_response(endpoint, "Ashby's answer is not a JSON object.")
        raise self._redacted(
            errors.error_for(
                response.status_code,
                data,
                endpoint=endpoint,
                retry_after=_retry_after(response.headers.get("Retry-After")),
                scope=response.headers.get("X-RateLimit-Scope", ""),
                fallback_permission=ENDPOINT_PERMISSIONS.get(endpoint, ""),
            )
        )

    def _page(self, endpoint: str, envelope: dict[str, Any]) -> Page:
        results = envelope.get("results")
        if not isinstance(results, list):
            raise self._bad_response(endpoint, "Ashby's list answer has no results list.")
        more = envelope.get("moreDataAvailable") is True
        next_cursor = envelope.get("nextCursor") or None
        if more and not next_cursor:
            raise self._bad_response(
                endpoint, "Ashby said more data is available but gave no cursor."
            )
        sync_token = None if more else (envelope.get("syncToken") or None)
        return Page(results, next_cursor if more else None, sync_token, more)

    # --- retries ----------------------------------------------------------------------

    def _retry_delay(
        self, endpoint: str, exc: errors.AshbyError, attempt: int, started: float
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        if attempt >= self.retry.max_attempts:
            return None
        if isinstance(exc, errors.TransientError) and not _may_repeat(endpoint, exc):
            return None
        cap = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        delay = self._jitter() * cap  # "full jitter"
        if isinstance(exc, errors.RateLimited):
            delay = max(delay, self._asked_wait(exc) or 0.0)
        if self._clock() - started + delay > self.retry.max_total:
            return None
        return delay

    def _asked_wait(self, exc: errors.RateLimited) -> float | None:
        """The wait Ashby asked for (Retry-After, or "Try again in N seconds"); for a
        partner-wide throttle without one, the policy's partner_pause."""
        if exc.retry_after is not None:
            return exc.retry_after
        return self.retry.partner_pause if exc.scope == PARTNER_SCOPE else None

    def _share_pause(self, exc: errors.RateLimited) -> None:
        """Tell every process: all of Guide pauses (partner scope), or this key does."""
        wait = self._asked_wait(exc)
        metrics.rate_limited("partner" if exc.scope == PARTNER_SCOPE else "account")
        if exc.scope == PARTNER_SCOPE:
            self.budget.pause_partner(wait or 0.0)
        elif wait:
            self.budget.pause_account(wait)

    # --- helpers ----------------------------------------------------------------------

    def _bad_response(self, endpoint: str, message: str) -> errors.AshbyApiError:
        return errors.AshbyApiError(message, code="invalid_response", endpoint=endpoint)

    def _redacted(self, exc: errors.AshbyError) -> errors.AshbyError:
        """Ashby's messages never echo the key as far as we know; make sure of it."""
        if self._key and self._key in exc.message:
            exc.message = exc.message.replace(self._key, "[redacted]")
            exc.args = (exc.message,)
        return exc


def key_account(api_key: str) -> str:
    """The budget's account of an API key: a digest, so the key itself is never stored."""
    return "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:24]


def _may_repeat(endpoint: str, exc: errors.TransientError) -> bool:
    """Reads can always be repeated. A write is repeated only when the request surely never
    reached Ashby: repeating a webhook.create that did arrive makes a duplicate webhook."""
    method = endpoint.rsplit(".", 1)[-1]
    if method in _READ_METHODS or method.startswith("list"):
        return True
    return exc.code in ("connect_timeout", "connect_failed")


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the connection itself failed (refused, DNS), so nothing reached Ashby."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
