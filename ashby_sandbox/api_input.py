"""Reading request bodies the way Ashby's endpoints take them; bad input raises
`invalid_input` with a message naming the field, what is wrong and what to send.

Numbers follow JSON Schema (the spec's language): an `integer` is any number with a zero
fractional part, so `946684800000.0` is the integer 946684800000 and `1.5` is not one.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Collection
from typing import Any

from django.db.models import QuerySet

from ashby_sandbox.errors import ApiError, invalid_input

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)
# Timestamps the sandbox can store and compare: years 1 to 9999 (Python's datetime).
MS_MIN = (dt.datetime(1, 1, 1, tzinfo=dt.UTC) - _EPOCH) // _MS
MS_MAX = (dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=dt.UTC) - _EPOCH) // _MS
_MS_EXAMPLE = "e.g. 1704067200000 for 2024-01-01T00:00:00Z"


def json_type(value: Any) -> str:
    """The JSON Schema type name of a parsed JSON value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def number(value: Any, name: str, hint: str) -> int | float:
    """A JSON number (not a boolean); NaN and infinities never get here as JSON."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_input(f"{name} must be a number ({hint}); got {json_type(value)}")
    return value


def integer(value: Any, name: str, hint: str) -> int:
    """JSON Schema's integer: a number whose fractional part is zero (2.0 is 2)."""
    value = number(value, name, hint)
    if isinstance(value, float):
        if math.isinf(value):  # a literal too large for a double, such as 1e400
            raise invalid_input(f"{name} is out of range ({hint})")
        if not value.is_integer():
            raise invalid_input(
                f"{name} must be an integer ({hint}); {value!r} has a fractional part"
            )
        return int(value)
    return value


def uuid_field(body: dict, name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise invalid_input(f"{name} is required: send the id as a UUID string")
        return None
    if not isinstance(value, str):
        raise invalid_input(f"{name} must be a UUID string; got {json_type(value)}")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise invalid_input(
            f"{name} must be a UUID (such as 3ae2b801-19f6-41ef-ad28-214bd731948f)"
        ) from None


def bool_field(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if value is None:  # null: as if left out, the spec's default (false)
        return False
    if not isinstance(value, bool):
        raise invalid_input(f"{name} must be true or false; got {json_type(value)}")
    return value


def enum_field(body: dict, name: str, allowed: Collection[str]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise invalid_input(f"{name} must be one of {', '.join(allowed)}; got {_show(value)}")
    return value


def list_field(body: dict, name: str, allowed: Collection[str]) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    expected = f"{name} must be an array of strings, each one of {', '.join(sorted(allowed))}"
    if not isinstance(value, list):
        raise invalid_input(f"{expected}; got {json_type(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str) or item not in allowed:
            raise invalid_input(f"{expected}; item {index} is {_show(item)}")
    return value


def text_field(body: dict, name: str, max_length: int, required: bool = False) -> str | None:
    """A string the sandbox stores: at most `max_length` characters, storable text."""
    value = body.get(name)
    if value is None:
        if required:
            raise invalid_input(f"{name} is required and must be a string")
        return None
    if not isinstance(value, str):
        raise invalid_input(f"{name} must be a string; got {json_type(value)}")
    if len(value) > max_length:
        raise invalid_input(
            f"{name} is too long ({len(value)} characters): send at most {max_length}"
        )
    if "\x00" in value or not _is_utf8(value):
        raise invalid_input(f"{name} must be text without NUL characters or lone surrogates")
    return value


def _is_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _show(value: Any) -> str:
    if isinstance(value, str) and len(value) <= 40 and _is_utf8(value):
        return repr(value)
    return json_type(value)


def ms_field(body: dict, name: str) -> dt.datetime | None:
    """A time as milliseconds since the Unix epoch (`integer`, `int64` in the spec)."""
    value = body.get(name)
    if value is None:
        return None
    hint = f"milliseconds since the Unix epoch, {_MS_EXAMPLE}"
    ms = integer(value, name, hint)
    if not MS_MIN <= ms <= MS_MAX:
        raise invalid_input(
            f"{name} is out of range: {ms} is not a time between the years 1 and 9999. Send "
            f"milliseconds since the Unix epoch from {MS_MIN} to {MS_MAX}, {_MS_EXAMPLE}"
        )
    return _EPOCH + ms * _MS


def created_after(body: dict, qs: QuerySet) -> QuerySet:
    after = ms_field(body, "createdAfter")
    return qs if after is None else qs.filter(created_at__gt=after)


def get_or_error(qs: QuerySet, code: str, what: str, **lookup: Any):
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise ApiError(code, f"No {what} was found with that id")
    return obj
