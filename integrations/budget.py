"""Guide's request budget to the ATS, one for every process on every machine.

Every call to the ATS takes a turn first (`Budget.turn()`), which waits while:

- the partner is paused: the ATS throttled all of Guide's traffic and said for how long
  (`pause_partner`); no process calls it until then, so no call is made during the pause;
- the account is paused: the ATS throttled this API key (`pause_account`); only that
  account waits;
- the account has GUIDE_ASHBY_TENANT_CONCURRENCY calls in flight (0: no cap): each holds a
  lease, handed back when the call ends, or lapsing `lease_seconds` after the call's slot
  should its process die mid-call;
- Guide as a whole is at GUIDE_ASHBY_MAX_RPS (0: no cap): a token bucket, each call reserving
  the next free slot, spaced 1 / GUIDE_ASHBY_MAX_RPS seconds apart.

Calls nobody is waiting for (the slices of the syncs under way: `bulk_lane()`) reserve a slot
at most BULK_AHEAD seconds ahead and ask again later, while the others (Connect's key check, a
webhook's lookups, a tenant's first slice after Connect) reserve the next free slot whatever
its distance: so a call someone waits for is queued behind at most a second of bulk calls,
however many syncs run, and Guide's total rate stays within its cap.

A turn waits at most `max_wait` seconds (the caller's own time budget); past that it raises
BudgetExhausted without calling, and the caller gives up for now (a sync run fails with a
rate-limit error and the next one resumes; a delivery is retried later). A wait of a second or
more is noted, so the sync progress (`waiting_for`) and the support console (`budget_waits`)
can say a tenant is waiting. The state lives in Redis when REDIS_URL is set, in the database
otherwise (integrations/budget_store.py). Times are wall-clock seconds (time.time): every
machine's clock is assumed synchronised (NTP), as the pauses are compared across machines.
Which of the ATS's answers mean which pause is the integration's business (for Ashby:
integrations/ashby/client.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from integrations import budget_store, metrics
from integrations.budget_store import PARTNER, Answer, Ask, Wait

logger = logging.getLogger(__name__)

NOTE_AFTER = 1.0  # seconds: a shorter wait is not worth saying
BULK_AHEAD = 1.0  # seconds: how far ahead a bulk call may reserve its slot
_bulk = contextvars.ContextVar("guide_budget_bulk", default=False)


@contextlib.contextmanager
def bulk_lane() -> Iterator[None]:
    """The calls made within (in this thread, and in the threads of a FetchPool started
    within) are bulk: they give way to the calls someone waits for."""
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


def in_bulk_lane() -> bool:
    return _bulk.get()


_MAX_ROUNDS = 10_000  # a guard against a clock that never moves (a fake one in a test)

REASONS = {
    "partner": "Ashby is throttling all of Guide's requests",
    "account": "Ashby is throttling this tenant's API key",
    "busy": "this tenant's other requests to Ashby are under way",
    "rate": "Guide's requests to Ashby are at their cap",
}


class BudgetExhausted(Exception):
    """The turn would come later than the caller waits: `wait` seconds from now, for
    `reason` (a REASONS key). Nothing was reserved and no call was made."""

    def __init__(self, wait: float, reason: str) -> None:
        self.wait, self.reason = wait, reason
        super().__init__(f"Waiting for the request budget: {REASONS.get(reason, reason)}.")


@dataclass(frozen=True)
class Limits:
    """Calls a second for all of Guide (0: no cap) and calls in flight per account."""

    max_rps: float
    concurrency: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(settings.GUIDE_ASHBY_MAX_RPS, settings.GUIDE_ASHBY_TENANT_CONCURRENCY)


class Budget:
    """One account's view of the shared budget (an account is one API key; `tenant_id`
    names whose, for the progress and the support console). `lease_seconds` is the longest
    one call may take (the client's timeouts and a margin)."""

    def __init__(
        self,
        account: str,
        *,
        tenant_id: int | None = None,
        max_wait: float = 120.0,
        lease_seconds: float = 60.0,
        limits: Limits | None = None,
        store=None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account, self.tenant_id = account, tenant_id
        self.max_wait, self.lease_seconds = max_wait, lease_seconds
        self._limits, self._store = limits, store
        self._clock, self._sleep = clock, sleep

    @property
    def store(self):
        return self._store or budget_store.shared_store()

    @property
    def limits(self) -> Limits:
        return self._limits or Limits.from_settings()

    def pause_partner(self, seconds: float) -> None:
        """No call from any account, in any process, for `seconds`."""
        self.store.pause(PARTNER, self._clock() + seconds)
        metrics.partner_paused()
        logger.warning("Request budget: every account paused for %.1fs", seconds)

    def pause_account(self, seconds: float) -> None:
        """No call from this account, in any process, for `seconds`."""
        self.store.pause(self.account, self._clock() + seconds)

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this account's turn (raising BudgetExhausted past `max_wait`), hold a
        slot for one call while the block runs, then hand it back."""
        store = self.store
        lease = self._wait_for_turn(store)
        try:
            yield
        finally:
            if lease:
                store.release(self.account, lease)

    def _wait_for_turn(self, store) -> str | None:
        started = self._clock()
        noted: list[Wait] = []  # per turn, so one Budget may serve several threads
        try:
            for _ in range(_MAX_ROUNDS):
                lease = self._try(store, started, noted)
                if lease is not None:
                    return lease or None
            raise BudgetExhausted(0.0, "rate")
        finally:
            if noted:
                store.clear_wait(self.account)

    def _try(self, store, started: float, noted: list[Wait]) -> str | None:
        """One round: "" or the lease when the call may go now; None after a wait."""
        now = self._clock()
        limits = self.limits
        lease = uuid.uuid4().hex
        answer = store.take(self._ask(now, started, lease, limits))
        if answer.kind == "go":
            if answer.at > now:
                metrics.budget_waited("rate", answer.at - now)
                self._sleep(answer.at - now)
                if store.paused_until(self.account, self._clock()) is not None:
                    store.release(self.account, lease)
                    return None  # a pause began meanwhile: no call during it
            return lease if limits.concurrency else ""
        self._wait(store, answer, started, now, noted)
        return None

    def _ask(self, now: float, started: float, lease: str, limits: Limits) -> Ask:
        interval = 1.0 / limits.max_rps if limits.max_rps > 0 else 0.0
        return Ask(
            account=self.account,
            now=now,
            interval=interval,
            cap=max(0, limits.concurrency),
            lease=lease,
            lease_seconds=self.lease_seconds,  # after the slot the store grants
            max_wait=max(0.0, min(started + self.max_wait - now, self._ahead())),
        )

    @staticmethod
    def _ahead() -> float:
        """How far ahead this call may reserve its slot (a bulk call: BULK_AHEAD)."""
        return BULK_AHEAD if in_bulk_lane() else float("inf")

    def _wait(self, store, answer: Answer, started: float, now: float, noted: list[Wait]) -> None:
        reason = answer.scope if answer.kind == "paused" else answer.kind
        if answer.at > started + self.max_wait:
            raise BudgetExhausted(answer.at - now, reason)
        if answer.at - now >= NOTE_AFTER and self.tenant_id is not None and not noted:
            noted.append(Wait(self.account, self.tenant_id, now, answer.at, reason))
            store.note_wait(noted[0])
        until = answer.at
        if answer.kind == "rate" and in_bulk_lane():  # ask again once the slot is a second off
            until -= BULK_AHEAD
        metrics.budget_waited(reason, until - now)
        self._sleep(max(until - now, 0.001))  # always forward, whatever the rounding


@dataclass(frozen=True)
class TenantWait:
    """A tenant waiting for the budget: since and until when (UTC), and why."""

    tenant_id: int | None
    since: datetime
    until: datetime
    reason: str

    @property
    def reason_text(self) -> str:
        return REASONS.get(self.reason, self.reason)


@dataclass(frozen=True)
class BudgetWaits:
    """Who waits for the budget now: the tenants, and until when every call is paused."""

    partner_paused_until: datetime | None
    tenants: list[TenantWait]


def budget_waits(now: float | None = None, store=None) -> BudgetWaits:
    """The tenants waiting for the request budget right now and the partner pause's end
    (None when not paused), for the support console's checks."""
    store = store or budget_store.shared_store()
    now = time.time() if now is None else now
    partner, waits = store.waits(now)
    return BudgetWaits(
        partner_paused_until=_utc(partner) if partner else None,
        tenants=[TenantWait(w.tenant_id, _utc(w.since), _utc(w.until), w.reason) for w in waits],
    )


def waiting_for(tenant_id: int, store=None) -> TenantWait | None:
    """What the tenant waits for right now, if anything (the sync progress shows it)."""
    found = [w for w in budget_waits(store=store).tenants if w.tenant_id == tenant_id]
    return found[0] if found else None


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
