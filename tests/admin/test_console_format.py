"""The words of times, durations and ages in the console (tenants/console_format.py)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from tenants.console_format import (
    UTC,
    format_moment,
    human_age,
    human_duration,
    relative_time,
)

NOW = dt.datetime(2026, 12, 3, 17, 13, 10, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "just now"),
        (9, "just now"),
        (40, "40 seconds ago"),
        (59, "59 seconds ago"),
        (60, "1 minute ago"),
        (61 * 60, "1 hour 1 minute ago"),
        (3 * 3600, "3 hours ago"),
        (2 * 86400 + 3 * 3600 + 59, "2 days 3 hours ago"),
        (86400, "1 day ago"),
        (-300, "in 5 minutes"),
    ],
)
def test_relative_times_read_as_words_and_never_say_zero_minutes(seconds, words):
    assert relative_time(NOW - dt.timedelta(seconds=seconds), now=NOW) == words


def test_a_time_that_never_happened_reads_never():
    assert relative_time(None) == "never"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0.0 s"),
        (1.439341, "1.4 s"),
        (42, "42 s"),
        (59.6, "60 s"),
        (180, "3 min"),
        (61 * 60, "1 h 1 min"),
        (2 * 3600 + 5 * 60, "2 h 5 min"),
        (3600, "1 h"),
        (3 * 86400 + 4 * 3600, "3 d 4 h"),
    ],
)
def test_durations_are_short_and_human(seconds, words):
    assert human_duration(dt.timedelta(seconds=seconds)) == words


def test_no_duration_reads_a_dash():
    assert human_duration(None) == "—"


def test_an_age_keeps_its_two_largest_units():
    assert human_age(dt.timedelta(days=4, hours=2, minutes=7)) == "4 days 2 hours"
    assert human_age(1) == "1 second"


def test_a_moment_names_its_zone():
    assert format_moment(NOW, UTC) == "3 Dec 2026, 17:13 UTC"
    new_york = zoneinfo.ZoneInfo("America/New_York")
    assert format_moment(NOW, new_york) == "3 Dec 2026, 12:13 EST"


def test_a_zone_without_letters_is_named_by_its_iana_name():
    assert format_moment(NOW, zoneinfo.ZoneInfo("Asia/Dubai")) == "3 Dec 2026, 21:13 (Asia/Dubai)"
