"""Times, durations and ages as the support console shows them.

Every time is shown in a named zone ("3 Dec 2026, 17:13 EST", or "17:13 (Asia/Dubai)" where
the zone has no letters of its own), never as a raw UTC timestamp. Which zone: the staff
user's own (their StaffProfile), else the tenant's default zone on that tenant's pages, else
UTC. Durations read "1.4 s", "3 min", "2 h 5 min"; ages "just now", "40 seconds ago",
"3 minutes ago" (never "0 minutes ago").

The request of the page being rendered is kept in a context variable by
`ConsoleTimeMiddleware`, so admin display methods (which get only the row) can name the
staff user's zone too.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tenants.models import StaffProfile

UTC = zoneinfo.ZoneInfo("UTC")
JUST_NOW_SECONDS = 10

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "console_request", default=None
)


def current_request() -> HttpRequest | None:
    """The request being rendered (None outside a request, e.g. in a task)."""
    return _current_request.get()


class ConsoleTimeMiddleware:
    """Remembers the request for the console's display code, and resolves the staff user's
    own zone once per request, and only when a time is shown."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


# --- zones ----------------------------------------------------------------------------------


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def staff_zone(request: HttpRequest | None) -> zoneinfo.ZoneInfo | None:
    """The zone the signed-in staff user chose (cached on the request), or None."""
    if request is None:
        return None
    if not hasattr(request, "_staff_zone"):
        request._staff_zone = _zone(_profile_zone_name(getattr(request, "user", None)))
    return request._staff_zone


def _profile_zone_name(user: Any) -> str:
    if user is None or not user.is_authenticated or not user.is_staff:
        return ""
    name = StaffProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    return name or ""


def console_zone(request: HttpRequest | None, tenant: Any = None) -> zoneinfo.ZoneInfo:
    """The staff user's zone, else the tenant's default zone (on its pages), else UTC."""
    chosen = staff_zone(request)
    if chosen is not None:
        return chosen
    if tenant is not None:
        return _zone(getattr(tenant, "default_timezone", "")) or UTC
    return UTC


# --- times ----------------------------------------------------------------------------------


def format_moment(value: dt.datetime, zone: zoneinfo.ZoneInfo, *, seconds: bool = False) -> str:
    """ "3 Dec 2026, 17:13 EST" ("17:13:05" with `seconds`); a zone whose abbreviation is only
    an offset ("+04") is named by its IANA name instead: "3 Dec 2026, 17:13 (Asia/Dubai)"."""
    local = value.astimezone(zone)
    text = (
        f"{local.day} {local:%b %Y, %H:%M:%S}" if seconds else f"{local.day} {local:%b %Y, %H:%M}"
    )
    abbreviation = local.tzname() or ""
    if not abbreviation or abbreviation[0] in "+-":
        return f"{text} ({zone.key})"
    return f"{text} {abbreviation}"


def console_time(
    value: dt.datetime | None,
    *,
    request: HttpRequest | None,
    tenant: Any = None,
    seconds: bool = False,
):
    """A stored time as support reads it, in the zone `console_zone` picks, the zone named.
    None (never happened) reads "—"."""
    if value is None:
        return "—"
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return format_moment(value, console_zone(request, tenant), seconds=seconds)


def console_time_with_age(value: dt.datetime | None, *, request, tenant: Any = None) -> str:
    """ "3 Dec 2026, 17:13 EST (3 minutes ago)"."""
    if value is None:
        return "never"
    return f"{console_time(value, request=request, tenant=tenant)} ({relative_time(value)})"


# --- durations and ages ---------------------------------------------------------------------


def _seconds(value: dt.timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def human_duration(value: dt.timedelta | float | None) -> str:
    """A short duration: "0.3 s", "1.4 s", "42 s", "3 min", "2 h 5 min", "3 d 4 h"."""
    if value is None:
        return "—"
    seconds = max(0.0, _seconds(value))
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _unit(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def human_age(value: dt.timedelta | float) -> str:
    """A span in words, its two largest units: "40 seconds", "3 minutes",
    "1 hour 1 minute", "2 days 3 hours"."""
    seconds = max(0, int(_seconds(value)))
    if seconds < 60:
        return _unit(seconds, "second")
    minutes = seconds // 60
    if minutes < 60:
        return _unit(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return " ".join([_unit(hours, "hour"), *([_unit(minutes, "minute")] if minutes else [])])
    days, hours = divmod(hours, 24)
    return " ".join([_unit(days, "day"), *([_unit(hours, "hour")] if hours else [])])


def relative_time(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "just now", "40 seconds ago", "3 minutes ago", "in 5 minutes"; never "0 minutes"."""
    if value is None:
        return "never"
    seconds = ((now or timezone.now()) - value).total_seconds()
    if abs(seconds) < JUST_NOW_SECONDS:
        return "just now"
    if seconds < 0:
        return f"in {human_age(-seconds)}"
    return f"{human_age(seconds)} ago"
