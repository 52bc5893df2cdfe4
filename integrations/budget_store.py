"""Where the shared request budget lives: Redis when REDIS_URL is set, the database otherwise.

Both stores answer the same questions in one step each (a Lua script in Redis, one short
transaction in the database), so every process on every machine sees one budget:

- `take(ask)`: may this account call now? No while the partner or the account is paused;
  no while the account has `cap` calls in flight; otherwise it reserves the global token
  bucket's next free slot (unless it is further off than the caller will wait) and a lease
  for the call, and says when to send it. The lease lapses `lease_seconds` after that slot
  (the longest a call may take), so the leases of a process killed mid-call stop counting
  soon after its call would have ended.
- `release(account, lease)`, `pause(scope, until)`, `paused_until(account, now)`;
- `note_wait` / `clear_wait` / `waits(now)`: who is waiting, for the progress and the support
  console.

Redis unreachable: the budget falls back to the database (a warning, at most once a minute
per process, says so) and goes back to Redis once it answers; calls to the ATS go on under the
database's budget rather than stopping.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import transaction

from integrations.models import BudgetLease, BudgetState

logger = logging.getLogger(__name__)

PARTNER = "partner"  # every tenant: the ATS throttles all of Guide
BUCKET = "bucket"  # the global token bucket
BUSY_RETRY = 0.1  # seconds before asking again when the account's calls in flight are at cap
_PREFIX = "guide:budget:"
_KEY_TTL = 3600  # seconds; every Redis key of the budget lapses when unused


@dataclass(frozen=True)
class Ask:
    """One request for a turn: `interval` seconds between two calls of all Guide (0: no
    cap), at most `cap` calls in flight for `account` (0: no cap), a slot no further off than
    `max_wait`; the lease `lease` lapses `lease_seconds` after the slot granted."""

    account: str
    now: float
    interval: float
    cap: int
    lease: str
    lease_seconds: float
    max_wait: float


@dataclass(frozen=True)
class Answer:
    """ "go" at `at` (the lease is taken); "paused" until `at` (`scope`: partner or
    account); "busy" (cap reached: ask again at `at`); "rate" (the next slot, `at`, is
    further off than the caller waits; nothing reserved)."""

    kind: str
    at: float
    scope: str = ""


@dataclass(frozen=True)
class Wait:
    """A tenant waiting for the budget, as noted by the waiting process."""

    account: str
    tenant_id: int | None
    since: float
    until: float
    reason: str


class DatabaseStore:
    """The budget in two tables; the bucket row is its one mutex (a row lock on PostgreSQL;
    on SQLite every transaction takes the write lock at BEGIN: settings' IMMEDIATE mode)."""

    name = "database"

    def take(self, ask: Ask) -> Answer:
        with transaction.atomic():
            bucket = _row(BUCKET, lock=True)
            paused = self.paused_until(ask.account, ask.now)
            if paused is not None:
                return Answer("paused", *paused)
            if ask.cap and self._in_flight(ask) >= ask.cap:
                return Answer("busy", ask.now + BUSY_RETRY)
            slot = max(bucket.next_slot, ask.now) if ask.interval else ask.now
            if slot - ask.now > ask.max_wait:
                return Answer("rate", slot)
            if ask.interval:
                BudgetState.objects.filter(scope=BUCKET).update(next_slot=slot + ask.interval)
            if ask.cap:
                BudgetLease.objects.create(
                    token=ask.lease, scope=ask.account, expires_at=slot + ask.lease_seconds
                )
            return Answer("go", slot)

    def _in_flight(self, ask: Ask) -> int:
        leases = BudgetLease.objects.filter(scope=ask.account)
        leases.filter(expires_at__lte=ask.now).delete()
        return leases.count()

    def release(self, account: str, lease: str) -> None:
        BudgetLease.objects.filter(token=lease).delete()

    def pause(self, scope: str, until: float) -> None:
        _row(scope)
        BudgetState.objects.filter(scope=scope, paused_until__lt=until).update(paused_until=until)

    def paused_until(self, account: str, now: float) -> tuple[float, str] | None:
        rows = BudgetState.objects.filter(scope__in=(PARTNER, account), paused_until__gt=now)
        found = sorted(rows.values_list("paused_until", "scope"), reverse=True)
        if not found:
            return None
        until, scope = found[0]
        return until, PARTNER if scope == PARTNER else "account"

    def note_wait(self, wait: Wait) -> None:
        BudgetState.objects.update_or_create(
            scope=wait.account,
            defaults={
                "tenant_id": wait.tenant_id,
                "waiting_since": wait.since,
                "waiting_until": wait.until,
                "waiting_for": wait.reason,
            },
        )

    def clear_wait(self, account: str) -> None:
        BudgetState.objects.filter(scope=account).update(
            waiting_since=None, waiting_until=None, waiting_for=""
        )

    def waits(self, now: float) -> tuple[float | None, list[Wait]]:
        partner = self.paused_until(PARTNER, now)
        rows = BudgetState.objects.filter(waiting_since__isnull=False, waiting_until__gt=now)
        found = [
            Wait(r.scope, r.tenant_id, r.waiting_since, r.waiting_until, r.waiting_for)
            for r in rows.order_by("waiting_since")
        ]
        return (partner[0] if partner else None), found


def _row(scope: str, *, lock: bool = False) -> BudgetState:
    BudgetState.objects.get_or_create(scope=scope)
    rows = BudgetState.objects.select_for_update() if lock else BudgetState.objects
    return rows.get(scope=scope)


# One Redis round trip per turn. Numbers travel as the strings Python wrote: Lua would
# truncate a returned number to an integer, and its tostring() keeps 14 digits only.
_TAKE = """
local now = tonumber(ARGV[1])
local partner_raw = redis.call('GET', KEYS[1]) or '0'
local account_raw = redis.call('GET', KEYS[2]) or '0'
local partner, account = tonumber(partner_raw), tonumber(account_raw)
if partner > now or account > now then
  if partner >= account then return {'paused', partner_raw, 'partner'} end
  return {'paused', account_raw, 'account'}
end
local cap = tonumber(ARGV[3])
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[1])
  if redis.call('ZCARD', KEYS[4]) >= cap then return {'busy', ARGV[7], ''} end
end
local slot, slot_raw = now, ARGV[1]
local interval = tonumber(ARGV[2])
if interval > 0 then
  local next_raw = redis.call('GET', KEYS[3]) or '0'
  if tonumber(next_raw) > now then slot, slot_raw = tonumber(next_raw), next_raw end
  if slot - now > tonumber(ARGV[6]) then return {'rate', slot_raw, ''} end
  redis.call('SET', KEYS[3], string.format('%.6f', slot + interval), 'EX', 3600)
end
if cap > 0 then
  redis.call('ZADD', KEYS[4], string.format('%.6f', slot + tonumber(ARGV[4])), ARGV[5])
  redis.call('EXPIRE', KEYS[4], 3600)
end
return {'go', slot_raw, ''}
"""
_PAUSE = """
if tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', 3600)
end
return 1
"""


class RedisStore:
    """The budget in Redis: a pause key per scope, the bucket's next slot, a sorted set of
    leases per account, and one hash of the tenants waiting."""

    name = "redis"

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self._take = self.client.register_script(_TAKE)
        self._pause = self.client.register_script(_PAUSE)

    def take(self, ask: Ask) -> Answer:
        keys = [_pause_key(PARTNER), _pause_key(ask.account), _PREFIX + BUCKET]
        keys.append(_PREFIX + "leases:" + ask.account)
        args = [ask.now, ask.interval, ask.cap, ask.lease_seconds, ask.lease, ask.max_wait]
        args.append(ask.now + BUSY_RETRY)
        kind, at, scope = (v.decode() for v in self._take(keys=keys, args=args))
        return Answer(kind, float(at), scope)

    def release(self, account: str, lease: str) -> None:
        self.client.zrem(_PREFIX + "leases:" + account, lease)

    def pause(self, scope: str, until: float) -> None:
        self._pause(keys=[_pause_key(scope)], args=[until])

    def paused_until(self, account: str, now: float) -> tuple[float, str] | None:
        partner, own = self.client.mget(_pause_key(PARTNER), _pause_key(account))
        found = [(float(v), s) for v, s in ((partner, PARTNER), (own, "account")) if v]
        found = sorted((f for f in found if f[0] > now), reverse=True)
        return found[0] if found else None

    def note_wait(self, wait: Wait) -> None:
        fields = {k: getattr(wait, k) for k in ("tenant_id", "since", "until", "reason")}
        self.client.hset(_PREFIX + "waiting", wait.account, json.dumps(fields))

    def clear_wait(self, account: str) -> None:
        self.client.hdel(_PREFIX + "waiting", account)

    def waits(self, now: float) -> tuple[float | None, list[Wait]]:
        partner = self.paused_until(PARTNER, now)
        found, gone = [], []
        for account, raw in self.client.hgetall(_PREFIX + "waiting").items():
            wait = Wait(account.decode(), **json.loads(raw))
            (found if wait.until > now else gone).append(wait)
        if gone:  # left by a process that died while waiting
            self.client.hdel(_PREFIX + "waiting", *[w.account for w in gone])
        return (partner[0] if partner else None), sorted(found, key=lambda w: w.since)


def _pause_key(scope: str) -> str:
    return _PREFIX + "pause:" + scope


class FallbackStore:
    """Redis, and the database for any step Redis fails."""

    def __init__(self, primary: RedisStore, fallback: DatabaseStore) -> None:
        self.primary, self.fallback = primary, fallback
        self._warned_at = 0.0

    @property
    def name(self) -> str:
        return self.primary.name

    def _call(self, method: str, *args):
        try:
            return getattr(self.primary, method)(*args)
        except redis.RedisError as exc:
            if time.monotonic() - self._warned_at > 60:
                self._warned_at = time.monotonic()
                logger.warning(
                    "Ashby request budget: Redis unreachable (%s); using the database's "
                    "budget until Redis answers again",
                    type(exc).__name__,
                )
            return getattr(self.fallback, method)(*args)

    def take(self, ask: Ask) -> Answer:
        return self._call("take", ask)

    def release(self, account: str, lease: str) -> None:
        self._call("release", account, lease)

    def pause(self, scope: str, until: float) -> None:
        self._call("pause", scope, until)

    def paused_until(self, account: str, now: float) -> tuple[float, str] | None:
        return self._call("paused_until", account, now)

    def note_wait(self, wait: Wait) -> None:
        self._call("note_wait", wait)

    def clear_wait(self, account: str) -> None:
        self._call("clear_wait", account)

    def waits(self, now: float) -> tuple[float | None, list[Wait]]:
        return self._call("waits", now)


_lock = threading.Lock()
_shared: dict[tuple[int, str], FallbackStore] = {}


def shared_store(url: str | None = None) -> DatabaseStore | FallbackStore:
    """This process's store: Redis at `url` (default REDIS_URL) with the database as its
    fallback, or the database alone when no Redis is configured."""
    url = settings.REDIS_URL if url is None else url
    if not url:
        return DatabaseStore()
    key = (os.getpid(), url)  # a Redis connection is not used across a fork
    with _lock:
        if key not in _shared:
            _shared[key] = FallbackStore(RedisStore(url), DatabaseStore())
        return _shared[key]
