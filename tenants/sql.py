"""The SQL Guide writes by hand, in one place: where the ORM's per-call cost of building a query
and preparing each value was a sizable share of the work (the webhook receiver's INSERT, run
on every delivery; the sync's bulk upserts and lookups, run for every page).

- `column_defaults`: what a column takes when a row does not say it (the model's default, the
  time of the statement for auto_now fields, a fresh value per row for a callable default).
  Both writers below use it, so a model's defaults mean the same in both.
- `insert_sql` / `select_sql`: the statements' text. Only quoted identifiers from the models'
  own metadata go into it; every value is a bound parameter.
- `insert_rows`: many rows in one statement per page (the sync), values converted cheaply.
- `one_row_columns` and `cursor_binding_on_server`: one row by a prepared statement (the
  receiver), values converted by Django's fields, constants once per process.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone


@dataclass(frozen=True)
class ColumnDefaults:
    """The value of each column (by attname, primary key aside) a row does not say."""

    constant: dict[str, Any]  # the model's default; None or "" for a field without one
    drawn: dict[str, Callable[[], Any]]  # a callable default (a fresh token, a new dict): per row
    stamped: tuple[str, ...]  # auto_now / auto_now_add: the time of the statement

    def for_statement(self) -> dict[str, Any]:
        """The defaults every row of one statement shares."""
        now = timezone.now()
        return {**self.constant, **dict.fromkeys(self.stamped, now)}


@functools.cache
def column_defaults(model: type[models.Model]) -> ColumnDefaults:
    """The defaults of `model`'s columns, worked out once per process."""
    constant, drawn, stamped = {}, {}, []
    for f in _fields(model):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamped.append(f.attname)
        elif f.has_default() and callable(f.default):
            drawn[f.attname] = f.default
        else:
            constant[f.attname] = f.get_default()  # None for a nullable field without one
    return ColumnDefaults(constant, drawn, tuple(stamped))


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def insert_sql(
    table: str,
    columns: Sequence[str],
    *,
    rows: int = 1,
    source: str | None = None,
    conflict: Sequence[str] = (),
    update: Sequence[str] | None = None,
    returning: Sequence[str] = (),
) -> str:
    """INSERT INTO `table` (`columns`) VALUES (%s, ...) x `rows` (or `source`, e.g. a SELECT)
    ON CONFLICT [(`conflict`)] DO NOTHING, or DO UPDATE SET the `update` columns."""
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    source = source or f"VALUES {', '.join([row] * rows)}"
    target = f" ({', '.join(qn(c) for c in conflict)})" if conflict else ""
    action = "DO NOTHING"
    if update:
        action = "DO UPDATE SET " + ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in update)
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) {source} "  # noqa: S608
        f"ON CONFLICT{target} {action}"
    )
    if returning:
        sql += f" RETURNING {', '.join(qn(c) for c in returning)}"
    return sql


def select_sql(
    table: str,
    columns: Sequence[str] | None,
    equal: Sequence[str],
    *,
    within: tuple[str, int] | None = None,
    lock: bool = False,
) -> str:
    """SELECT `columns` (None: *) FROM `table` WHERE each of `equal` = %s [AND `within`'s
    column IN (%s x its count)] [ORDER BY id FOR UPDATE]. Locked rows are taken in id order, so
    two writers of overlapping pages (two batches of webhook deliveries, a sync page) lock
    them in the same order and never deadlock on them."""
    names = "*" if columns is None else ", ".join(qn(c) for c in columns)
    conditions = [f"{qn(c)} = %s" for c in equal]
    if within is not None:
        column, count = within
        conditions.append(f"{qn(column)} IN ({', '.join(['%s'] * count)})")
    sql = f"SELECT {names} FROM {qn(table)} WHERE {' AND '.join(conditions)}"  # noqa: S608
    return sql + f" ORDER BY {qn('id')} FOR UPDATE" if lock else sql


def values_if_sql(count: int, table: str, equal: Sequence[str], later: Sequence[str] = ()) -> str:
    """SELECT %s x `count` FROM `table` WHERE each of `equal` = %s [AND each of `later` > %s]:
    an INSERT's `source` that gives its values only while a row of `table` matches (none
    otherwise)."""
    conditions = " AND ".join([f"{qn(c)} = %s" for c in equal] + [f"{qn(c)} > %s" for c in later])
    return f"SELECT {', '.join(['%s'] * count)} FROM {qn(table)} WHERE {conditions}"  # noqa: S608


# --- many rows: the sync ----------------------------------------------------------------------


def insert_rows(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    fixed: Mapping[str, Any] | None = None,
    update: Sequence[str] | None = None,
    key: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> dict[Any, Any]:
    """INSERT `rows` (dicts of column values by attname) in one statement per page.

    Columns a row does not carry get the model's default (`column_defaults`). On a conflict
    with an existing row (any unique constraint, or `key` with `update`) the row is left alone,
    or with `update` those columns are overwritten. With `returning` (two columns), returns
    {first: second} of every row written.
    """
    if not rows:
        return {}
    names = [f.attname for f in _fields(model)]
    records = _records(model, rows, names, fixed)
    returned: dict[Any, Any] = {}
    per_statement = max(1, _max_params() // len(names))
    with connection.cursor() as cursor:
        for start in range(0, len(records), per_statement):
            chunk = records[start : start + per_statement]
            sql = insert_sql(
                model._meta.db_table,
                names,
                rows=len(chunk),
                conflict=key if update else (),
                update=update,
                returning=returning,
            )
            cursor.execute(sql, [value for record in chunk for value in record])
            if returning:
                returned.update(cursor.fetchall())
    return returned


def _records(model, rows, names, fixed) -> list[list[Any]]:
    """Each row's values in column order, defaults filled in and converted for the database."""
    defaults = column_defaults(model)
    static = {**defaults.for_statement(), **(fixed or {})}
    convert = _converters(_fields(model))
    converters = [convert[name] for name in names]
    records = []
    for row in rows:
        merged = {**static, **row}
        for name, draw in defaults.drawn.items():  # e.g. a fresh token, drawn per row
            if name not in row:
                merged[name] = draw()
        records.append([c(merged.get(n)) for c, n in zip(converters, names, strict=True)])
    return records


def _converters(fields: list[models.Field]) -> dict[str, Any]:
    """Per column, how Django would turn the Python value into the database's: datetimes go
    to SQLite as naive UTC text; PostgreSQL's driver takes aware datetimes as they are."""
    to_db = _sqlite_text if connection.vendor == "sqlite" else same
    return {f.attname: to_db if isinstance(f, models.DateTimeField) else same for f in fields}


def _sqlite_text(value: Any) -> Any:
    """Django's SQLite adapter for datetimes, without its per-call settings lookups."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return str(value)
    return value


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return 65535  # PostgreSQL's limit of bind parameters per statement


def from_db(field: models.Field) -> Callable[[Any], Any]:
    """How a raw value read back compares with a Python one (datetimes: aware, in UTC)."""
    if isinstance(field, models.DateTimeField) and connection.vendor == "sqlite":
        return _sqlite_datetime
    if isinstance(field, models.BooleanField):
        return lambda value: None if value is None else bool(value)
    return same


def same(value: Any) -> Any:
    return value


def _sqlite_datetime(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


# --- one row: the webhook receiver ------------------------------------------------------------

_PER_ROW = object()


def one_row_columns(model: type[models.Model], values: Mapping[str, Any]) -> dict[str, Any]:
    """{column: value as the database takes it} of a row of `model` with `values` (by
    attname; the others take their defaults). A column whose value is None is left out (NULL:
    an untyped NULL in a SELECT would be text)."""
    db = connection
    columns = {}
    for f, constant in _prepared_defaults(model, db.vendor):
        if f.attname in values:
            value = f.get_db_prep_save(values[f.attname], db)
        elif constant is _PER_ROW:
            value = f.get_db_prep_save(_draw(model, f), db)
        else:
            value = constant
        if value is not None:
            columns[f.column] = value
    return columns


def _draw(model: type[models.Model], f: models.Field) -> Any:
    defaults = column_defaults(model)
    return defaults.drawn[f.attname]() if f.attname in defaults.drawn else timezone.now()


@functools.cache
def _prepared_defaults(model: type[models.Model], vendor: str) -> list[tuple[Any, Any]]:
    """(field, its default as stored) of every column but the id; one drawn per row (a time, a
    new dict) is _PER_ROW. Constants are converted once per process, not once per row."""
    defaults = column_defaults(model)
    return [
        (f, f.get_db_prep_save(defaults.constant[f.attname], connection))
        if f.attname in defaults.constant
        else (f, _PER_ROW)
        for f in _fields(model)
    ]


def cursor_binding_on_server():
    """A cursor whose statement is prepared on PostgreSQL. Its parameters travel beside the
    statement (server-side binding) instead of being quoted into its text, as Django's default
    cursor does: a large value (a webhook's body) is then neither escaped in Python nor parsed
    by the server, and the statement is prepared after a few uses on a connection (settings:
    DATABASE_PREPARED_STATEMENTS). Wrapped as Django wraps its own cursors (errors as
    django.db errors, query logging), but without the health check (integrations.receiving
    .insert_delivery says why). On other databases, Django's cursor.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor  # psycopg: PostgreSQL only

    connection.ensure_connection()
    cursor = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


def update_rows(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> None:
    """UPDATE `columns` of many rows (dicts by attname, with the primary key), each to its own
    values, in one statement per page: WITH v AS (VALUES ...) UPDATE ... FROM v (PostgreSQL,
    SQLite >= 3.33). Django's bulk_update builds a CASE per row and column, which cost more
    than the work the rows stood for (the webhook deliveries of a batch)."""
    if not rows:
        return
    pk = model._meta.pk.attname
    names = [pk, *columns]
    fields = {f.attname: f for f in model._meta.concrete_fields}
    convert = _converters([fields[name] for name in names])
    # PostgreSQL types a VALUES column from its values, and an all-NULL one as text.
    cast = connection.vendor == "postgresql"
    marks = [f"CAST(%s AS {fields[n].cast_db_type(connection)})" if cast else "%s" for n in names]
    row = "(" + ", ".join(marks) + ")"
    sets = ", ".join(f"{qn(n)} = v.{qn(n)}" for n in columns)
    table = qn(model._meta.db_table)
    per_statement = max(1, _max_params() // len(names))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = (
                f"WITH v ({', '.join(qn(n) for n in names)}) AS "  # noqa: S608
                f"(VALUES {', '.join([row] * len(chunk))}) "
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.{qn(pk)} = v.{qn(pk)}"
            )
            cursor.execute(sql, [convert[n](r[n]) for r in chunk for n in names])
