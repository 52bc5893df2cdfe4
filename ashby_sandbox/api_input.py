"""Reading request bodies the way Ashby's endpoints take them; bad input raises
`invalid_input` with a message naming the field."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import QuerySet

from ashby_sandbox.errors import ApiError, invalid_input


def uuid_field(body: dict, name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise invalid_input(f"{name} is required")
        return None
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, AttributeError):
        raise invalid_input(f"{name} must be a UUID") from None


def bool_field(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise invalid_input(f"{name} must be a boolean")
    return value


def list_field(body: dict, name: str, allowed: set[str]) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(v in allowed for v in value):
        raise invalid_input(f"{name} must be a list of: {', '.join(sorted(allowed))}")
    return value


def created_after(body: dict, qs: QuerySet) -> QuerySet:
    value = body.get("createdAfter")
    if value is None:
        return qs
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_input("createdAfter must be an integer (milliseconds since the epoch)")
    return qs.filter(created_at__gt=dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC))


def ms_field(body: dict, name: str) -> dt.datetime | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_input(f"{name} must be an integer (milliseconds since the epoch)")
    return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)


def get_or_error(qs: QuerySet, code: str, what: str, **lookup: Any):
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise ApiError(code, f"No {what} was found with that id")
    return obj
