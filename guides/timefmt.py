"""Time zones and the wording of dates, times and durations on a candidate's guide.

Times are stored in UTC and converted for display only, with `zoneinfo`. The words follow the
active language (the guide's: guides/languages.py): in English "Sunday, 8 March 2026",
"11:00 AM – 12:00 PM EDT", "1 hour 30 minutes"; in Spanish "domingo, 8 de marzo de 2026",
"11:00 – 12:00 EDT", "1 hora 30 minutos". The formats themselves are in the catalogue
(Django's date-format letters, translated per language), the zone's abbreviation is always
shown.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import zoneinfo

from django.utils import dateformat
from django.utils.translation import ngettext, pgettext

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
    # Translators: a date in Django's date format letters (l weekday, j day, F month, Y year).
    return dateformat.format(moment, pgettext("guide date format", "l, j F Y"))


def format_clock(moment: dt.datetime) -> str:
    # Translators: a time of day in Django's date format letters (g:i A is 3:30 PM, H:i 15:30).
    return dateformat.format(moment, pgettext("guide time format", "g:i A"))


def format_duration(start: dt.datetime, end: dt.datetime) -> str:
    # In UTC: aware datetimes sharing one ZoneInfo subtract as wall-clock times, which is an
    # hour off across a daylight-saving change.
    elapsed = end.astimezone(dt.UTC) - start.astimezone(dt.UTC)
    minutes = max(0, round(elapsed.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes or not hours:
        parts.append(
            ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
        )
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
