"""The building blocks of every mapping: reading an id, a time, display text, an e-mail
address or a fixed choice from an Ashby payload, and MappingError for one that cannot be
stored. What "merge, never blank" means for a key is decided here (`said`, `inner`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.errors import CannotApply

logger = logging.getLogger(__name__)

Payload = Mapping[str, Any]
Row = dict[str, Any]
Notes = list[str] | None

RECRUITER_ROLE = "Recruiter"
# Times outside this window are typing slips or corrupt data, never a real interview or edit:
# storing them would put an interview in the year 9662 on a guide, or (for updatedAt) make
# the stored copy "newer" than every later one, so no update could ever apply again.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_LIMIT = timedelta(days=5 * 366)  # interviews: at most about five years ahead
CLOCK_SKEW = timedelta(days=1)  # updatedAt / createdAt: at most a day ahead of our clock


class MappingError(CannotApply):
    """An Ashby object that cannot be turned into a record (says which and why)."""


def article(kind: str) -> str:
    """`kind` with its indefinite article: "an interview schedule", "a job"."""
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


def object_id(obj: Payload, kind: str) -> str:
    if not isinstance(obj, Mapping):
        raise MappingError(f"Ashby sent {article(kind)} that is not an object.")
    value = ref(obj.get("id"))
    if value is None:
        raise MappingError(f"Ashby sent {article(kind)} without a usable id.")
    return value


def object_label(obj: Payload, kind: str) -> str:
    """How a message starts naming the object: "Interview event 3f2a...", or the kind alone."""
    value = obj.get("id") if isinstance(obj, Mapping) else None
    label = f"{kind} {value[:64]}" if isinstance(value, str) and value else kind
    return label[:1].upper() + label[1:]


def parse_time(obj: Payload, key: str, kind: str, *, latest: timedelta = CLOCK_SKEW) -> datetime:
    """`obj[key]` as an aware datetime, refused with a sentence when it is not an ISO-8601
    time or lies outside [2000, now + `latest`]."""
    value = obj.get(key)
    if value in (None, ""):
        raise MappingError(f"{object_label(obj, kind)}: {key} is missing.")
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise MappingError(f"{object_label(obj, kind)}: {key} is not an ISO-8601 time ({value!r}).")
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if not EARLIEST <= parsed <= datetime.now(UTC) + latest:
        raise MappingError(
            f"{object_label(obj, kind)}: {key} {value} is impossible "
            f"(before 2000 or too far in the future); the record was not stored."
        )
    return parsed


def optional_time(obj: Payload, key: str, kind: str) -> datetime | None:
    return None if obj.get(key) in (None, "") else parse_time(obj, key, kind)


def cut_text(value: Any, size: int) -> str:
    """Display text cut to its column. NUL characters are dropped and lone surrogates
    replaced: PostgreSQL refuses both, and they are never meant as text."""
    if value is None:
        return ""
    text = str(value).replace("\x00", "")
    return text[:size] if _encodable(text) else text.encode("utf-8", "replace").decode()[:size]


def ref(value: Any) -> str | None:
    """An external id (of the object or one it points at), or None when unusable: not a
    string, empty, longer than the column, or with characters no database column can hold."""
    if not isinstance(value, str) or not 0 < len(value) <= 64 or "\x00" in value:
        return None
    return value if _encodable(value) else None


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")  # a lone surrogate (JSON allows "\ud800") is refused here
    except UnicodeEncodeError:
        return False
    return True


def embedded_id(value: Any) -> str | None:
    return ref(value.get("id")) if isinstance(value, Mapping) else None


def reference(obj: Payload, embedded: str, key: str) -> str | None:
    """The id of a record `obj` points at: its embedded object's id, or the `key` id."""
    return embedded_id(obj.get(embedded)) or ref(obj.get(key))


def address_text(value: Any) -> str:
    return cut_text(value, 254) if isinstance(value, str) and "@" in value else ""


def email_address(value: Any) -> str:
    """Ashby's contact item `{value, type, isPrimary}` or a bare string -> an address; an
    item without its value says nothing."""
    return (
        inner("value", address_text)(value) if isinstance(value, Mapping) else address_text(value)
    )


NOT_SAID: Any = object()  # a converter's answer for a value that says nothing (an {} object)


def said(row: Row, obj: Payload, fields: Mapping[str, tuple[str, Callable[[Any], Any]]]) -> Row:
    """Add to `row` each column whose payload key is present: {column: (key, convert)}.
    A converter answers NOT_SAID for a present value that still says nothing about the
    column (an embedded object without its id or text): the stored value stays."""
    for column, (key, convert) in fields.items():
        if key in obj:
            value = convert(obj[key])
            if value is not NOT_SAID:
                row[column] = value
    return row


def inner(key: str, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """For an embedded object: None clears; an object converts its `key`, or says nothing
    when it lacks it; any other value clears too (it cannot be read)."""

    def read(value: Any) -> Any:
        if isinstance(value, Mapping):
            return convert(value[key]) if value.get(key) is not None else NOT_SAID
        return convert(None)

    return read


def choice(row: Row, obj: Payload, column: str, key: str, allowed: tuple[str, ...]) -> None:
    """A column of fixed values: set when the payload says one Guide knows, else left alone
    (a new record gets the model's default)."""
    if obj.get(key) in allowed:
        row[column] = obj[key]


def base_row(obj: Payload, kind: str) -> Row:
    row: Row = {"external_id": object_id(obj, kind)}
    if obj.get("updatedAt") not in (None, ""):  # a copy without a time never clears ours
        row["external_updated_at"] = parse_time(obj, "updatedAt", kind)
    return row


def text(size: int) -> Callable[[Any], str]:
    return lambda value: cut_text(value, size)


def flag(value: Any) -> bool:
    return bool(value)
