"""Keyset pagination, opaque cursors and syncTokens, as Ashby's list endpoints behave.

Every page is `WHERE updated_seq > <position> ORDER BY updated_seq LIMIT n + 1` (no OFFSET),
so a page costs the same at record 100 and at record 100,000. A syncToken is a signed
watermark on the change counter taken when its pass started; a pass started with it returns
each record changed after that point. Cursors and tokens are signed, carry the endpoint they
belong to and the time they were issued, and expire after configurable lifetimes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import QuerySet

from ashby_sandbox import conf
from ashby_sandbox.api_input import number
from ashby_sandbox.changes import current_seq
from ashby_sandbox.errors import ApiError, invalid_input

_CURSOR_SALT = "ashby_sandbox.cursor"
_TOKEN_SALT = "ashby_sandbox.sync_token"


@dataclass
class Pass:
    """Where a list request stands: full or incremental, its bounds and its position."""

    incremental: bool
    low: int  # records with updated_seq above this are in the pass
    watermark: int  # current_seq when the pass started: the next syncToken
    position: int  # last updated_seq already returned


def parse_limit(body: dict[str, Any]) -> int:
    """`limit`: the spec types it `number` with no minimum ("The maximum and default value is
    100") and Ashby's docs say "The length of the results array will be automatically capped
    by the API", so anything above 100 is capped, not refused, and a fraction counts down
    (at most 2.5 items is at most 2). Below 1 is refused: no page holds fewer than one item
    and Ashby documents nothing there. Decision and sources: docs/ashby-spec-errata.md
    ("Request numbers")."""
    cap = conf.get("SANDBOX_PAGE_SIZE_MAX")
    value = body.get("limit")
    if value is None:
        return cap
    limit = number(value, "limit", f"the page size, 1 to {cap}")
    if limit < 1:
        raise invalid_input(
            f"limit must be at least 1; got {limit!r}. Send a page size from 1 to {cap} "
            f"(larger values are capped at {cap}), or leave limit out for {cap}"
        )
    return cap if limit >= cap else int(limit)


def _decode(value: Any, salt: str, endpoint: str, lifetime: float, bad: str, old: str) -> dict:
    if not isinstance(value, str) or not value:
        raise ApiError(bad, _messages[bad])
    try:
        data = signing.loads(value, salt=salt)
    except signing.BadSignature:
        raise ApiError(bad, _messages[bad]) from None
    if not isinstance(data, dict) or data.get("e") != endpoint:
        raise ApiError(bad, _messages[bad])
    if time.time() - float(data.get("t", 0)) > lifetime:
        raise ApiError(old, _messages[old])
    return data


_messages = {
    "invalid_next_cursor": "The cursor is not valid for this endpoint. Restart the pass from "
    "the first page (keep the same syncToken for an incremental pass).",
    "next_cursor_expired": "The cursor has expired. Restart the pass from the first page "
    "(keep the same syncToken for an incremental pass).",
    "sync_token_invalid": "The syncToken is not valid for this endpoint. Drop it and run a full "
    "sync (a request without syncToken), then store the new token.",
    "sync_token_expired": "The syncToken has expired. Drop it and run a full sync (a request "
    "without syncToken), then store the new token.",
}


def start(endpoint: str, body: dict[str, Any], supports_sync: bool) -> Pass:
    """Read `cursor` / `syncToken` from a request body into a Pass (or raise ApiError)."""
    if body.get("cursor") is not None:
        data = _decode(
            body["cursor"],
            _CURSOR_SALT,
            endpoint,
            conf.get("SANDBOX_CURSOR_LIFETIME_SECONDS"),
            "invalid_next_cursor",
            "next_cursor_expired",
        )
        return Pass(bool(data["i"]), int(data["l"]), int(data["w"]), int(data["p"]))
    if supports_sync and body.get("syncToken") is not None:
        data = _decode(
            body["syncToken"],
            _TOKEN_SALT,
            endpoint,
            conf.get("SANDBOX_SYNC_TOKEN_LIFETIME_SECONDS"),
            "sync_token_invalid",
            "sync_token_expired",
        )
        low = int(data["w"])
        return Pass(True, low, current_seq(), low)
    return Pass(False, 0, current_seq(), 0)


def _cursor(endpoint: str, p: Pass, position: int) -> str:
    data = {"e": endpoint, "i": int(p.incremental), "l": p.low, "w": p.watermark, "p": position}
    return signing.dumps({**data, "t": time.time()}, salt=_CURSOR_SALT)


def sync_token(endpoint: str, watermark: int) -> str:
    return signing.dumps({"e": endpoint, "w": watermark, "t": time.time()}, salt=_TOKEN_SALT)


def page(
    endpoint: str,
    body: dict[str, Any],
    queryset: Callable[[bool], QuerySet],
    serialize: Callable[[list], list[dict[str, Any]]],
    supports_sync: bool = True,
) -> dict[str, Any]:
    """One page of a list endpoint, shaped as Ashby's paginated success response.

    `queryset(show_hidden)` returns the filtered records. Ashby's default filters (archived,
    deactivated, draft) apply to incremental passes too, unless SANDBOX_INCREMENTAL_SHOWS_HIDDEN
    is on: whether real Ashby reports a record archived since the token without
    `includeArchived` is undocumented, and a client passing the include flags copes with both.
    """
    limit = parse_limit(body)
    p = start(endpoint, body, supports_sync)
    show_hidden = p.incremental and conf.get("SANDBOX_INCREMENTAL_SHOWS_HIDDEN")
    qs = queryset(show_hidden).filter(updated_seq__gt=p.position)
    if p.incremental and p.position == p.low:
        _refuse_too_large(qs)
    rows = list(qs.order_by("updated_seq")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    response: dict[str, Any] = {
        "success": True,
        "results": serialize(rows),
        "moreDataAvailable": more,
    }
    if more:
        response["nextCursor"] = _cursor(endpoint, p, rows[-1].updated_seq)
    elif supports_sync:
        response["syncToken"] = sync_token(endpoint, p.watermark)
    return response


def _refuse_too_large(qs: QuerySet) -> None:
    limit = conf.get("SANDBOX_INCREMENTAL_SYNC_MAX_RECORDS")
    if qs.order_by()[: limit + 1].count() > limit:
        raise ApiError(
            "incremental_sync_too_large",
            f"More than {limit} records changed since this syncToken was issued. Drop the "
            "token and run a full sync (a request without syncToken).",
        )
