"""Bulk upsert of records copied from an ATS, keyed by (tenant, external_id).

An integration maps the ATS's payloads onto plain dicts of field values and hands a page of
them to `upsert_records`. Nothing here knows which ATS the rows came from.

- A foreign key to another synced record is given by that record's external id, under the key
  `<field>_external_id` (e.g. `candidate_external_id` for `Application.candidate`). The ids of
  a page are resolved with one query per foreign key.
- `external_updated_at` guards every write: a row is written only when it is new or newer than
  the stored copy, so an older copy (a late webhook, a replayed page) never overwrites a newer
  one. A row without a timestamp (the ATS gives none for that kind of record) is always written.
- The number of queries per call is fixed whatever the size of the page: one SELECT of the
  stored copies, one SELECT per foreign key, one INSERT ... ON CONFLICT DO UPDATE.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction

from guides.models import SyncedRecord, Tenant

logger = logging.getLogger(__name__)

REF_SUFFIX = "_external_id"


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

    @property
    def written(self) -> list[str]:
        return self.created + self.updated


def upsert_records(
    tenant: Tenant, model: type[SyncedRecord], rows: Sequence[Mapping[str, Any]]
) -> UpsertResult:
    """Create or update `rows` of `model` for `tenant`, in bulk, newest copy wins.

    Each row is a dict of field values with `external_id`, `external_updated_at` (a datetime
    or None) and foreign keys as `<field>_external_id`. A row whose required foreign key names
    a record not stored for this tenant is skipped and reported in `result.skipped`; an unknown
    optional foreign key is stored as empty.
    """
    result = UpsertResult()
    rows = _newest_per_external_id(rows)
    if not rows:
        return result
    refs = _ref_fields(model, rows[0])
    with transaction.atomic():
        resolved = {
            name: _resolve(tenant, fk.related_model, rows, name) for name, fk in refs.items()
        }
        update_fields = _update_fields(model, rows[0], refs)
        columns = [model._meta.get_field(name).attname for name in update_fields[:-1]]
        stored = _stored(tenant, model, [row["external_id"] for row in rows], columns)
        to_write: list[SyncedRecord] = []
        for row in rows:
            obj = _instance(tenant, model, row, refs, resolved, result)
            if obj is None:
                continue
            known = stored.get(row["external_id"])
            if known is not None and _keeps(obj, known, columns):
                result.unchanged.append(row["external_id"])
                result.ids[row["external_id"]] = known["id"]
                continue
            (result.updated if known else result.created).append(row["external_id"])
            to_write.append(obj)
        _write(model, to_write, update_fields)
    _collect_ids(tenant, model, to_write, result)
    return result


def insert_missing(
    tenant: Tenant, model: type[SyncedRecord], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert placeholder rows for records not stored yet; never touches a stored record.

    Used for records another record refers to before the record itself arrives (for instance
    a candidate known only from an application's summary). The placeholder carries no
    `external_updated_at`, so the full record overwrites it whenever it comes.
    """
    rows = _newest_per_external_id(rows)
    if not rows:
        return
    refs = _ref_fields(model, rows[0])
    resolved = {name: _resolve(tenant, fk.related_model, rows, name) for name, fk in refs.items()}
    objs = []
    for row in rows:
        obj = _instance(tenant, model, {**row, "external_updated_at": None}, refs, resolved, None)
        if obj is not None:
            objs.append(obj)
    _lift_sqlite_param_limit()
    model.objects.bulk_create(objs, ignore_conflicts=True)


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
    links = {(owner, target) for owner, target in pairs}
    _lift_sqlite_param_limit()
    through.objects.bulk_create(
        [through(**{f"{owner_field}_id": o, f"{target_field}_id": t}) for o, t in sorted(links)],
        ignore_conflicts=True,
    )


# --- helpers --------------------------------------------------------------------------------


def _newest_per_external_id(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One row per external id: a page may repeat a record; the newest copy wins."""
    newest: dict[str, Mapping[str, Any]] = {}
    keys = set(rows[0]) if rows else set()
    for row in rows:
        if set(row) != keys:
            raise UpsertError("Every row of one upsert must carry the same fields.")
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


def _ref_fields(model: type[SyncedRecord], row: Mapping[str, Any]) -> dict[str, models.ForeignKey]:
    """The foreign keys to other synced records that the rows give by external id."""
    columns = {f.name for f in model._meta.concrete_fields}
    refs = {}
    for key in row:
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


def _resolve(
    tenant: Tenant, related: type[SyncedRecord], rows: Sequence[Mapping[str, Any]], key: str
) -> dict[str, int]:
    wanted = {row[key] for row in rows if row.get(key)}
    if not wanted:
        return {}
    return dict(
        related.objects.filter(tenant=tenant, external_id__in=wanted).values_list(
            "external_id", "id"
        )
    )


def _stored(
    tenant: Tenant, model: type[SyncedRecord], external_ids: list[str], columns: list[str]
) -> dict[str, dict[str, Any]]:
    """The stored copies of the page's records: id and the columns an upsert would write."""
    query = model.objects.filter(tenant=tenant, external_id__in=external_ids)
    if connection.features.has_select_for_update:
        # Rows a concurrent writer (a webhook) is upserting wait here, so the newest copy wins.
        query = query.select_for_update()
    fields = {"external_id", "id", "external_updated_at", *columns}
    return {values["external_id"]: values for values in query.values(*fields)}


def _keeps(obj: SyncedRecord, stored: Mapping[str, Any], columns: list[str]) -> bool:
    """Whether the stored copy stays: it is as new as `obj` or newer, or (when either has no
    timestamp, as for records the ATS does not stamp) it already holds the same values."""
    incoming, known = obj.external_updated_at, stored["external_updated_at"]
    if incoming is not None and known is not None:
        return incoming <= known
    return all(getattr(obj, column) == stored[column] for column in columns)


def _instance(
    tenant: Tenant,
    model: type[SyncedRecord],
    row: Mapping[str, Any],
    refs: Mapping[str, models.ForeignKey],
    resolved: Mapping[str, Mapping[str, int]],
    result: UpsertResult | None,
) -> SyncedRecord | None:
    values = {key: value for key, value in row.items() if key not in refs}
    for key, fk in refs.items():
        wanted = row.get(key)
        pk = resolved[key].get(wanted) if wanted else None
        if wanted and pk is None and not fk.null:
            if result is not None:
                result.skipped.append(
                    (row["external_id"], f"unknown {fk.related_model.__name__} {wanted}")
                )
            return None
        values[fk.attname] = pk
    return model(tenant=tenant, **values)


def _update_fields(
    model: type[SyncedRecord], row: Mapping[str, Any], refs: Mapping[str, models.ForeignKey]
) -> list[str]:
    names = [key for key in row if key not in refs and key != "external_id"]
    return [*names, *(fk.name for fk in refs.values()), "synced_at"]


def _write(model: type[SyncedRecord], objs: list[SyncedRecord], update_fields: list[str]) -> None:
    if not objs:
        return
    _lift_sqlite_param_limit()
    model.objects.bulk_create(
        objs,
        update_conflicts=True,
        unique_fields=["tenant", "external_id"],
        update_fields=update_fields,
    )


def _collect_ids(
    tenant: Tenant, model: type[SyncedRecord], written: list[SyncedRecord], result: UpsertResult
) -> None:
    missing = []
    for obj in written:
        if obj.pk is None:
            missing.append(obj.external_id)
        else:
            result.ids[obj.external_id] = obj.pk
    if missing:  # a backend that cannot return ids from an upsert
        result.ids.update(
            model.objects.filter(tenant=tenant, external_id__in=missing).values_list(
                "external_id", "id"
            )
        )


def _lift_sqlite_param_limit() -> None:
    """Let one INSERT carry a whole page on SQLite.

    Django 5.2 assumes SQLite's historical limit of 999 parameters and splits a bulk insert of
    a 100-row page of 11 columns into two statements, which would make the number of queries
    per page depend on the page size. SQLite >= 3.32 allows 32766 (Django 6.0 reads the real
    limit the same way).
    """
    if connection.vendor != "sqlite":
        return
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    if connection.features.max_query_params != limit:
        connection.features.max_query_params = limit
