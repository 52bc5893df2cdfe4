"""What a sync slice needs besides the integration: how long it may go on, and a small pool
that fetches pages from the ATS while the sync's own thread writes them.

- `SliceClock`: a slice ends after GUIDE_SYNC_SLICE_SECONDS or GUIDE_SYNC_SLICE_PAGES pages
  stored, whichever comes first (None: no bound). The run then goes back on the bulk queue,
  behind the other tenants' slices (integrations/sync_runs.py).
- `FetchPool`: up to the tenant's share of the request budget (GUIDE_ASHBY_TENANT_CONCURRENCY,
  4 when that is 0, i.e. uncapped) fetches at once, each in a worker thread. The threads only
  talk to the ATS (and to the budget, whose database store they reach on their own
  connections, closed after each fetch); every database write of the sync stays in the
  thread that runs the slice. With a width of 1 a fetch runs inline, in the caller's thread.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.db import connections

UNCAPPED_WIDTH = 4  # fetches at once per sync when the tenant's concurrency is not capped


class SliceClock:
    """How much of a slice is left: `seconds` of wall time and `pages` stored (None: no
    bound on that one)."""

    def __init__(
        self,
        seconds: float | None,
        pages: int | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self.deadline = None if seconds is None else clock() + seconds
        self.pages_left = pages
        self.pages = 0
        self._stop_when: Callable[[], bool] | None = None
        self.stopped = False

    @classmethod
    def from_settings(cls) -> SliceClock:
        seconds = settings.GUIDE_SYNC_SLICE_SECONDS
        pages = settings.GUIDE_SYNC_SLICE_PAGES
        return cls(seconds if seconds > 0 else None, pages if pages > 0 else None)

    def stop_once(self, condition: Callable[[], bool]) -> None:
        """Also end the slice after the first page stored once `condition()` holds (asked
        after every page: a tenant's first slice ends once it has its first guides)."""
        self._stop_when = condition

    def count_page(self) -> None:
        self.pages += 1
        if self.pages_left is not None:
            self.pages_left -= 1
        if self._stop_when is not None and not self.stopped and self._stop_when():
            self.stopped = True

    @property
    def spent(self) -> bool:
        if self.stopped:
            return True
        if self.pages_left is not None and self.pages_left <= 0:
            return True
        return self.deadline is not None and self._clock() >= self.deadline


def tenant_width() -> int:
    """Fetches at once for one tenant's sync: its share of the request budget."""
    share = int(settings.GUIDE_ASHBY_TENANT_CONCURRENCY)
    return share if share > 0 else UNCAPPED_WIDTH


class FetchPool:
    """`submit(fn)` runs `fn` (a fetch: no database work of the caller's) in a worker thread,
    or inline when the pool is 1 wide; `first_done(futures)` waits for the next to finish.
    Leaving the `with` block waits for the fetches still under way (their results are
    dropped: a page not stored is fetched again from the saved cursor)."""

    def __init__(self, width: int) -> None:
        self.width = max(1, width)
        self._executor: ThreadPoolExecutor | None = None

    def __enter__(self) -> FetchPool:
        if self.width > 1:
            self._executor = ThreadPoolExecutor(self.width, thread_name_prefix="sync-fetch")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    def submit(self, fn: Callable[[], Any]) -> Future:
        if self._executor is not None:
            # In the caller's context: its budget lane (integrations/budget.py) goes along.
            return self._executor.submit(contextvars.copy_context().run, _closing_connections, fn)
        future: Future = Future()
        try:
            future.set_result(fn())
        except BaseException as exc:  # handed to the caller through the future, as a thread's
            future.set_exception(exc)
        return future

    @staticmethod
    def first_done(futures: Iterable[Future]) -> Future:
        done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
        return next(iter(done))


def _closing_connections(fn: Callable[[], Any]) -> Any:
    """Run `fn` in a pool thread, then close the database connections it opened there (the
    budget's database store): a pool thread's connection would otherwise stay open."""
    try:
        return fn()
    finally:
        connections.close_all()
