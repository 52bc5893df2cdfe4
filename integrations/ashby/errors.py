"""Typed errors for every way a call to Ashby can fail.

Ashby reports most errors as HTTP 200 with `success: false` (only auth failures use 401/403,
rate limits 429, server trouble 5xx), in three shapes that may appear together:
`errors: ["code"]` (deprecated), `errors: [{"message", "parameter"}]` (seen for missing
permissions) and `errorInfo: {code, message, requestId, meta}`. `parse_error_body` folds all
three into one (code, message, request_id) triple and `error_for` picks the exception class.

No exception here ever holds the API key: messages come from Ashby's body (and the client
redacts the key from them as a second line of defence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_PERMISSION_RE = re.compile(r"\b([a-z]+(?:Read|Write))\b")
_SCOPE_RE = re.compile(r"\b([a-z]+):(read|write)\b")
_WAIT_RE = re.compile(r"in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


class AshbyError(Exception):
    """Base of every Ashby failure: `code` (Ashby's errorInfo.code or our own), a readable
    `message`, Ashby's `request_id` (for Ashby support), the HTTP `status` and the endpoint."""

    default_message = "Ashby returned an error."

    def __init__(
        self,
        message: str = "",
        *,
        code: str = "",
        request_id: str = "",
        status: int | None = None,
        endpoint: str = "",
    ) -> None:
        self.message = message or self.default_message
        self.code = code
        self.request_id = request_id
        self.status = status
        self.endpoint = endpoint
        super().__init__(self.message)

    def __str__(self) -> str:
        details = [f"code={self.code}"] if self.code else []
        if self.endpoint:
            details.append(f"endpoint={self.endpoint}")
        if self.status is not None:
            details.append(f"http={self.status}")
        if self.request_id:
            details.append(f"request_id={self.request_id}")
        return f"{self.message} ({', '.join(details)})" if details else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class InvalidApiKey(AshbyError):
    """The key is unknown, wrong or deactivated (HTTP 401, or 403 without
    missing_endpoint_permission). `deactivated` is True when Ashby says so."""

    default_message = "Ashby rejected the API key."

    @property
    def deactivated(self) -> bool:
        text = f"{self.code} {self.message}".lower()
        return any(word in text for word in ("deactivat", "disabled", "revoked", "inactive"))


class MissingPermission(AshbyError):
    """The key is valid but lacks the module permission the endpoint needs
    (HTTP 403 `missing_endpoint_permission`). `permission` names it, e.g. "candidatesRead"."""

    default_message = "The API key lacks a permission this endpoint needs."

    def __init__(self, message: str = "", *, permission: str = "", **kwargs: Any) -> None:
        self.permission = permission
        super().__init__(message, **kwargs)


class RateLimited(AshbyError):
    """HTTP 429 (or a rate-limit code). `retry_after` is the wait in seconds Ashby asked for
    (None when it did not say); `scope` is the X-RateLimit-Scope header ("integration-partner"
    when Ashby throttles all of Guide's traffic, "" for the per-key limit)."""

    default_message = "Ashby is rate-limiting requests."

    def __init__(
        self, message: str = "", *, retry_after: float | None = None, scope: str = "", **kwargs: Any
    ) -> None:
        self.retry_after = retry_after
        self.scope = scope
        super().__init__(message, **kwargs)


class NotFound(AshbyError):
    """The object asked for does not exist (codes ending in `_not_found`)."""

    default_message = "Ashby could not find that object."


class SyncTokenRejected(AshbyError):
    """The syncToken cannot be used: drop it and run a full sync."""


class SyncTokenExpired(SyncTokenRejected):
    """`sync_token_expired`: the token went unused too long (about a month)."""

    default_message = "The sync token has expired; a full sync is needed."


class SyncTokenInvalid(SyncTokenRejected):
    """`sync_token_invalid`: Ashby does not recognise the token."""

    default_message = "The sync token is invalid; a full sync is needed."


class IncrementalSyncTooLarge(SyncTokenRejected):
    """`incremental_sync_too_large`: too much changed since the token; run a full sync."""

    default_message = "Too much changed since the last sync; a full sync is needed."


class CursorExpired(AshbyError):
    """`next_cursor_expired` or `invalid_next_cursor`: restart the pass from its first page."""

    default_message = "The page cursor has expired; the pass must restart from its first page."


class TransientError(AshbyError):
    """Ashby could not answer now: 5xx, a timeout or a connection failure. Worth retrying."""

    default_message = "Ashby is unreachable or failed to answer."


class AshbyApiError(AshbyError):
    """Any other error Ashby returned (invalid input, an unexpected status or body)."""


_BY_CODE: dict[str, type[AshbyError]] = {
    "sync_token_expired": SyncTokenExpired,
    "sync_token_invalid": SyncTokenInvalid,
    "incremental_sync_too_large": IncrementalSyncTooLarge,
    "next_cursor_expired": CursorExpired,
    "invalid_next_cursor": CursorExpired,
    "missing_endpoint_permission": MissingPermission,
    "rate_limit_exceeded": RateLimited,
    "rate_limited": RateLimited,
    "concurrent_limit_exceeded": RateLimited,
    "invalid_api_key": InvalidApiKey,
    "api_key_deactivated": InvalidApiKey,
    "unauthorized": InvalidApiKey,
}


@dataclass(frozen=True)
class ErrorBody:
    """The error fields of an Ashby response, whatever shape they came in."""

    code: str = ""
    message: str = ""
    request_id: str = ""
    codes: tuple[str, ...] = ()
    meta: dict[str, Any] | None = None


def parse_error_body(body: Any) -> ErrorBody:
    """Fold `errors` (strings or {message, parameter}) and `errorInfo` into one ErrorBody."""
    if not isinstance(body, dict):
        return ErrorBody()
    codes: list[str] = []
    messages: list[str] = []
    for item in body.get("errors") or []:
        if isinstance(item, str):
            (codes if _CODE_RE.match(item) else messages).append(item)
        elif isinstance(item, dict):
            text = str(item.get("message") or "")
            if item.get("parameter"):
                text = f"{text} (parameter: {item['parameter']})".strip()
            if item.get("code"):
                codes.append(str(item["code"]))
            if text:
                messages.append(text)
    info = body.get("errorInfo") if isinstance(body.get("errorInfo"), dict) else {}
    code = str(info.get("code") or (codes[0] if codes else ""))
    message = str(info.get("message") or "; ".join(messages) or "; ".join(codes))
    meta = info.get("meta") if isinstance(info.get("meta"), dict) else None
    return ErrorBody(code, message, str(info.get("requestId") or ""), tuple(codes), meta)


def _is_missing_permission(parsed: ErrorBody) -> bool:
    if (
        parsed.code == "missing_endpoint_permission"
        or "missing_endpoint_permission" in parsed.codes
    ):
        return True
    return bool(re.search(r"missing\b.*\bpermission", parsed.message, re.IGNORECASE))


def permission_named_in(parsed: ErrorBody) -> str:
    """The permission an error names, e.g. "candidatesRead" ("" when it names none).

    Looks at errorInfo.meta first, then the message ("candidatesRead" or "candidates:read")."""
    for key in ("permission", "requiredPermission", "missingPermission"):
        if parsed.meta and isinstance(parsed.meta.get(key), str):
            return parsed.meta[key]
    if match := _PERMISSION_RE.search(parsed.message):
        return match.group(1)
    if match := _SCOPE_RE.search(parsed.message):
        return f"{match.group(1)}{match.group(2).capitalize()}"
    return ""


def wait_named_in(message: str) -> float | None:
    """The wait a message asks for ("Try again in 60 seconds." gives 60.0)."""
    match = _WAIT_RE.search(message)
    return float(match.group(1)) if match else None


def error_for(
    status: int,
    body: Any,
    *,
    endpoint: str = "",
    retry_after: float | None = None,
    scope: str = "",
    fallback_permission: str = "",
) -> AshbyError:
    """The typed exception for an HTTP status and a decoded body (None when not JSON)."""
    parsed = parse_error_body(body)
    common = {
        "code": parsed.code,
        "request_id": parsed.request_id,
        "status": status,
        "endpoint": endpoint,
    }
    if status == 401:
        return InvalidApiKey(parsed.message, **common)
    if status == 403 or parsed.code == "missing_endpoint_permission":
        if _is_missing_permission(parsed):
            permission = permission_named_in(parsed) or fallback_permission
            message = parsed.message or f"The API key lacks the {permission} permission."
            common["code"] = "missing_endpoint_permission"
            return MissingPermission(message, permission=permission, **common)
        return InvalidApiKey(parsed.message, **common)
    cls = _BY_CODE.get(parsed.code)
    if status == 429 or cls is RateLimited:
        wait = retry_after if retry_after is not None else wait_named_in(parsed.message)
        return RateLimited(parsed.message, retry_after=wait, scope=scope, **common)
    if status >= 500 or status == 408:
        return TransientError(parsed.message or f"Ashby answered HTTP {status}.", **common)
    if cls is not None:
        return cls(parsed.message, **common)
    if parsed.code.endswith("_not_found"):
        return NotFound(parsed.message, **common)
    if not parsed.code and not parsed.message:
        common["code"] = "unexpected_response"
        return AshbyApiError(f"Ashby answered HTTP {status} with no error details.", **common)
    return AshbyApiError(parsed.message, **common)


def request_outcome(exc: BaseException) -> str:
    """A failed request's outcome, as /metrics counts it (integrations/metrics.py)."""
    if isinstance(exc, RateLimited):
        return "rate_limited"
    if isinstance(exc, InvalidApiKey | MissingPermission):
        return "refused"
    if isinstance(exc, TransientError):
        if exc.status is not None:
            return "server_error"
        return "timeout" if "timeout" in exc.code else "unreachable"
    return "error"
