"""Every API request's arrival, as the sandbox saw it, for benchmarks to count from its side.

With SANDBOX_REQUEST_LOG set to a file, each request appends one JSON line: its arrival time
(Unix seconds), endpoint, HTTP status (and a 429's X-RateLimit-Scope), the key's organisation and partner, and `paused`: the
seconds since the partner's current pause began when the request arrived during one (a
partner-scope 429 asks the whole partner to wait Retry-After seconds; a well-behaved
integration sends nothing until then), else null. Off by default: nothing is written.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

from ashby_sandbox import conf
from ashby_sandbox.models import ApiKey

_lock = threading.Lock()
_pauses: dict[str, tuple[float, float]] = {}  # partner -> (began, ends), Unix seconds


@dataclass
class Entry:
    arrived: float
    organization: int | None = None
    partner: str = ""
    paused: float | None = None


def arrival() -> Entry:
    return Entry(time.time())


def identify(entry: Entry, key: ApiKey) -> None:
    """Whose request it is, and whether it arrived while the key's partner was paused."""
    entry.organization, entry.partner = key.organization_id, key.partner
    began, ends = _pauses.get(key.partner, (0.0, 0.0)) if key.partner else (0.0, 0.0)
    if began <= entry.arrived < ends:
        entry.paused = round(entry.arrived - began, 3)


def partner_paused(partner: str, retry_after: int) -> None:
    """A partner-scope 429 was answered: the partner's pause runs `retry_after` seconds on."""
    now = time.time()
    with _lock:
        began, ends = _pauses.get(partner, (0.0, 0.0))
        if now >= ends:
            began = now
        _pauses[partner] = (began, max(ends, now + retry_after))


def record(entry: Entry, endpoint: str, status: int, scope: str = "") -> None:
    path = conf.get("SANDBOX_REQUEST_LOG")
    if not path:
        return
    line = json.dumps(
        {
            "t": round(entry.arrived, 4),
            "endpoint": endpoint,
            "status": status,
            "scope": scope,
            "org": entry.organization,
            "partner": entry.partner,
            "paused": entry.paused,
        }
    )
    with _lock, open(path, "a", encoding="utf-8") as log:
        log.write(line + "\n")
