"""Time zones and the wording of dates, times and durations on a candidate's guide.

Times are stored in UTC and converted for display only, with `zoneinfo`. The words are English
("Sunday, 8 March 2026", "11:00 AM – 12:00 PM EDT", "1 hour 30 minutes"), as the guide is.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import zoneinfo

logger = logging.getLogger(__name__)


@functools.cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_or_none(name: str) -> zoneinfo.ZoneInfo | None:
    """The IANA zone called `name`, or None when it is empty or unknown."""
    if not name or name not in _known_timezones():
        return None
    return zoneinfo.ZoneInfo(name)


def zone_label(zone: zoneinfo.ZoneInfo) -> str:
    return zone.key.replace("_", " ")


def format_date(moment: dt.datetime) -> str:
    return f"{moment:%A}, {moment.day} {moment:%B %Y}"


def format_clock(moment: dt.datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"


def format_duration(start: dt.datetime, end: dt.datetime) -> str:
    # In UTC: aware datetimes sharing one ZoneInfo subtract as wall-clock times, which is an
    # hour off across a daylight-saving change.
    elapsed = end.astimezone(dt.UTC) - start.astimezone(dt.UTC)
    minutes = max(0, round(elapsed.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def format_time_range(start: dt.datetime, end: dt.datetime) -> str:
    """A range like "11:00 AM – 12:00 PM EDT" in the zone the datetimes are in; the end's date
    when it differs, and each side's abbreviation when the clocks change in between."""
    end_text = format_clock(end)
    if end.date() != start.date():
        end_text = f"{format_date(end)}, {end_text}"
    if end.tzname() != start.tzname():
        return f"{format_clock(start)} {start.tzname()} – {end_text} {end.tzname()}"
    return f"{format_clock(start)} – {end_text} {start.tzname()}"
