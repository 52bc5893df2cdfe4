"""Bulk upsert of records copied from an ATS, keyed by (tenant, external_id).

An integration maps the ATS's payloads onto plain dicts of field values and hands a page of
them to `upsert_records`. Nothing here knows which ATS the rows came from.

- A foreign key to another synced record is given by that record's external id, under the key
  `<field>_external_id` (e.g. `candidate_external_id` for `Application.candidate`). The ids of
  a page are resolved with one query per foreign key.
- Merge, never blank: a row carries only the fields its source said, and rows of one call may
  carry different fields. A field a row leaves out keeps its stored value (a new record gets
  the model's default); a field given as None or "" is cleared. A new record that lacks a
  field it cannot exist without (a required foreign key, a time with no default) is skipped
  and reported in `result.skipped`.
- `external_updated_at` guards every write: a row is written only when it is new, newer than
  the stored copy, or exactly as new but different (a stored copy that went wrong is repaired
  by the next sync), so an older copy (a late webhook, a replayed page) never overwrites a
  newer one. A row without a timestamp (the ATS stamps some records, such as locations, with
  none) is written when its values differ from the stored ones.
- The number of queries per call is fixed whatever the size of the page: one SELECT of the
  stored copies, one SELECT per foreign key, one INSERT ... ON CONFLICT DO UPDATE ...
  RETURNING (PostgreSQL, and SQLite >= 3.35).
- Rows are written without building model instances: Django's bulk_create spends most of a
  sync's time preparing each field of each instance, so the statement is built by hand
  (tenants/sql.py, with the receiver's), once per page, with the values converted as Django would (datetimes through the backend's adapter)
  and model defaults for the columns the rows do not carry. Only the columns the rows carry
  (and `synced_at`) are updated on conflict, so fields edited in Guide are never touched.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction

from guides.models import SyncedRecord, Tenant
from tenants import sql

logger = logging.getLogger(__name__)

REF_SUFFIX = "_external_id"
UNIQUE_KEY = ("tenant_id", "external_id")


class UpsertError(ValueError):
    """A row handed to `upsert_records` cannot be stored (a programming error of the caller)."""


@dataclass
class UpsertResult:
    """What one call wrote. `ids` maps the external id of every row now stored (written or
    left unchanged because the stored copy was as new) to its primary key."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (external id, why)
    ids: dict[str, int] = field(default_factory=dict)
    # The column values (by attname, foreign keys as ids) of every row now stored: what was
    # written, or the stored copy that was kept.
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    kind: str = "Record"  # the model's verbose name, for messages

    @property
    def written(self) -> list[str]:
        return self.created + self.updated


def upsert_records(
    tenant: Tenant,
    model: type[SyncedRecord],
    rows: Sequence[Mapping[str, Any]],
    *,
    resolved: Mapping[str, Mapping[str, int]] | None = None,
) -> UpsertResult:
    """Create or update `rows` of `model` for `tenant`, in bulk, newest copy wins.

    Each row is a dict of field values with `external_id`, `external_updated_at` (a datetime
    or None) and foreign keys as `<field>_external_id`; every row carries the same keys. A row
    whose required foreign key names a record not stored for this tenant is skipped and
    reported in `result.skipped`; an unknown optional foreign key is stored as empty.
    `resolved` may give the ids of a foreign key already known ({key: {external id: id}},
    e.g. the schedules just written for their events), saving its query.
    """
    result = UpsertResult(kind=str(model._meta.verbose_name).capitalize())
    rows = _newest_per_external_id(rows)
    if not rows:
        return result
    refs = _ref_fields(model, rows)
    columns = _columns(model, rows, refs)
    required = _required(model)
    # No savepoint when called inside a transaction (a sync page, a webhook): nothing here is
    # retried after an error, and each savepoint is one more round trip to the database.
    with transaction.atomic(savepoint=False):
        given = resolved or {}
        refs_ids = {
            key: given[key] if key in given else _resolve(tenant, fk.related_model, rows, key)
            for key, fk in refs.items()
        }
        # The columns the INSERT cannot leave empty come along: a row that does not say them
        # (an application without its candidate) is written back with the stored value.
        needed = list(dict.fromkeys([*columns, *(f.attname for f in required)]))
        stored = _stored(tenant, model, [row["external_id"] for row in rows], needed)
        to_write: list[dict[str, Any]] = []
        for row in rows:
            values = _values(row, refs, refs_ids, result)
            if values is None:
                continue
            known = stored.get(row["external_id"])
            if known is None and not _complete(row["external_id"], values, required, result):
                continue
            if known is not None and _keeps(values, known):
                result.unchanged.append(row["external_id"])
                result.ids[row["external_id"]] = known["id"]
                result.values[row["external_id"]] = known
                continue
            (result.updated if known else result.created).append(row["external_id"])
            merged = _merged(values, known)
            to_write.append(merged)
            result.values[row["external_id"]] = merged
        returned = sql.insert_rows(
            model,
            to_write,
            fixed={"tenant_id": tenant.pk},
            update=[*columns, "synced_at"],
            key=UNIQUE_KEY,
            returning=("external_id", "id"),
        )
    result.ids.update(returned)
    return result


def insert_missing(
    tenant: Tenant,
    model: type[SyncedRecord],
    rows: Sequence[Mapping[str, Any]],
    *,
    known: set[str] | None = None,
) -> None:
    """Insert placeholder rows for records not stored yet; never touches a stored record.

    Used for records another record refers to before the record itself arrives (for instance
    a candidate known only from an application's summary). The placeholder carries no
    `external_updated_at`, so the full record overwrites it whenever it comes.
    """
    rows = _newest_per_external_id(rows)
    if not rows:
        return
    # Usually every record is known already: one indexed SELECT is far cheaper than an
    # INSERT whose rows all conflict (PostgreSQL tries each one, then backs it out).
    if known is None:
        known = known_external_ids(tenant, model, [r["external_id"] for r in rows])
    rows = [row for row in rows if row["external_id"] not in known]
    if not rows:
        return
    refs = _ref_fields(model, rows)
    resolved = {key: _resolve(tenant, fk.related_model, rows, key) for key, fk in refs.items()}
    required = _required(model)
    values = [_values({**row, "external_updated_at": None}, refs, resolved, None) for row in rows]
    complete = [v for v in values if v is not None and _complete("", v, required, None)]
    sql.insert_rows(model, complete, fixed={"tenant_id": tenant.pk})


def known_external_ids(
    tenant: Tenant, model: type[SyncedRecord], external_ids: Iterable[str]
) -> set[str]:
    """Which of these external ids the tenant has a record of (one indexed query)."""
    wanted = set(external_ids)
    return {row[0] for row in _select(model, tenant, wanted, ["external_id"])} if wanted else set()


def replace_related(
    through: type[models.Model],
    owner_field: str,
    target_field: str,
    pairs: Iterable[tuple[int, int]],
    owner_ids: Iterable[int],
) -> None:
    """Make the many-to-many links of `owner_ids` exactly `pairs`, in two queries."""
    owner_ids = list(owner_ids)
    if not owner_ids:
        return
    through.objects.filter(**{f"{owner_field}__in": owner_ids}).delete()
    links = sorted({(owner, target) for owner, target in pairs})
    owner, target = f"{owner_field}_id", f"{target_field}_id"
    sql.insert_rows(through, [{owner: o, target: t} for o, t in links])


# --- helpers --------------------------------------------------------------------------------


def _newest_per_external_id(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One row per external id: a page may repeat a record; the newest copy wins."""
    newest: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        external_id = row.get("external_id")
        if not external_id:
            raise UpsertError("A synced row needs an external_id.")
        current = newest.get(external_id)
        if current is None or not _is_newer(
            current.get("external_updated_at"), row.get("external_updated_at")
        ):
            newest[external_id] = row
    return list(newest.values())


def _is_newer(incoming: datetime | None, stored: datetime | None) -> bool:
    """Whether a copy stamped `incoming` should replace one stamped `stored`."""
    if incoming is None or stored is None:
        return True
    return incoming > stored


def _ref_fields(
    model: type[SyncedRecord], rows: Sequence[Mapping[str, Any]]
) -> dict[str, models.ForeignKey]:
    """The foreign keys to other synced records that the rows give by external id."""
    columns = {f.name for f in model._meta.concrete_fields}
    refs = {}
    for key in _keys(rows):
        if key in columns or not key.endswith(REF_SUFFIX):
            continue  # a plain column, e.g. Department.parent_external_id
        name = key[: -len(REF_SUFFIX)]
        fk = next((f for f in model._meta.concrete_fields if f.name == name), None)
        if not isinstance(fk, models.ForeignKey) or not issubclass(fk.related_model, SyncedRecord):
            raise UpsertError(
                f"{model.__name__} has no foreign key to a synced record named {name}."
            )
        refs[key] = fk
    return refs


def _keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key any of the rows carries, in the order first seen."""
    return list(dict.fromkeys(key for row in rows for key in row))


def _columns(
    model: type[SyncedRecord],
    rows: Sequence[Mapping[str, Any]],
    refs: Mapping[str, models.ForeignKey],
) -> list[str]:
    """The columns (attnames) the rows write, apart from the key; always the timestamp, so
    a row that does not say it keeps the stored one."""
    names = ["external_updated_at"]
    for key in _keys(rows):
        if key in ("external_id", "external_updated_at"):
            continue
        if key in refs:
            names.append(refs[key].attname)
        else:
            try:
                names.append(model._meta.get_field(key).attname)
            except Exception:
                raise UpsertError(f"{model.__name__} has no field named {key}.") from None
    return names


def _resolve(
    tenant: Tenant, related: type[SyncedRecord], rows: Sequence[Mapping[str, Any]], key: str
) -> dict[str, int]:
    wanted = {row[key] for row in rows if row.get(key)}
    return dict(_select(related, tenant, wanted, ["external_id", "id"])) if wanted else {}


def _stored(
    tenant: Tenant, model: type[SyncedRecord], external_ids: list[str], columns: list[str]
) -> dict[str, dict[str, Any]]:
    """The stored copies of the page's records: id and the columns an upsert would write.

    On PostgreSQL the rows are locked (FOR UPDATE): a concurrent writer of the same records
    (a webhook) waits, so the newest copy wins."""
    names = ["external_id", "id", *(c for c in columns if c not in ("external_id", "id"))]
    lock = connection.features.has_select_for_update
    fields = {f.attname: f for f in model._meta.concrete_fields}
    rows = _select(model, tenant, external_ids, names, lock=lock)
    converters = [sql.from_db(fields[name]) for name in names]
    return {
        row[0]: {
            name: convert(value)
            for name, convert, value in zip(names, converters, row, strict=True)
        }
        for row in rows
    }


def _select(
    model: type[SyncedRecord],
    tenant: Tenant,
    external_ids: Iterable[str],
    names: list[str],
    *,
    lock: bool = False,
) -> list[tuple]:
    """SELECT `names` of the tenant's records with these external ids, in one query.

    Raw SQL, as the ORM's per-call cost of building the query and preparing each id was a
    sizable share of a page's time; the (tenant_id, external_id) unique index serves it."""
    ids = list(external_ids)
    text = sql.select_sql(
        model._meta.db_table, names, ["tenant_id"], within=("external_id", len(ids)), lock=lock
    )
    with connection.cursor() as cursor:
        cursor.execute(text, [tenant.pk, *ids])
        return cursor.fetchall()


def _keeps(values: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Whether the stored copy stays: it is newer than the incoming one, or it already holds
    every value the incoming row says (as new, or either without a timestamp)."""
    incoming, known = values.get("external_updated_at"), stored["external_updated_at"]
    if incoming is not None and known is not None and incoming < known:
        return True
    if incoming is not None and (known is None or incoming > known):
        return False
    return all(value == stored[column] for column, value in values.items() if column in stored)


def _merged(values: dict[str, Any], stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The row to write: what it says, and for the columns it does not say the stored value
    (one INSERT writes the same columns for every row); a new row's come from the defaults."""
    if stored is None:
        return values
    return {**{k: v for k, v in stored.items() if k != "id"}, **values}


@functools.cache
def _required(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The fields a new record cannot be stored without: not null, with no default (e.g. an
    application's candidate, an interview's start time). Fixed per model, so worked out once."""
    return tuple(
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key or f.null or f.has_default() or f.attname in UNIQUE_KEY)
        and f.get_default() is None
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    )


def _complete(
    external_id: str,
    values: Mapping[str, Any],
    required: tuple[models.Field, ...],
    result: UpsertResult | None,
) -> bool:
    """Whether a new record says every required field; if not, it is skipped with a reason."""
    missing = [f.name for f in required if values.get(f.attname) is None]
    if missing and result is not None:
        result.skipped.append((external_id, f"a new record needs {', '.join(missing)}"))
    return not missing


def _values(
    row: Mapping[str, Any],
    refs: Mapping[str, models.ForeignKey],
    resolved: Mapping[str, Mapping[str, int]],
    result: UpsertResult | None,
) -> dict[str, Any] | None:
    """The row's column values by attname, foreign keys resolved; None to skip the row."""
    values = {key: value for key, value in row.items() if key not in refs}
    for key, fk in refs.items():
        if key not in row:
            continue  # not said: the stored reference stays
        wanted = row.get(key)
        pk = resolved[key].get(wanted) if wanted else None
        if wanted and pk is None and not fk.null:
            if result is not None:
                result.skipped.append(
                    (row["external_id"], f"unknown {fk.related_model.__name__} {wanted}")
                )
            return None
        values[fk.attname] = pk
    return values
