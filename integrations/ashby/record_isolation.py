"""One bad record never stops a sync: a page that fails in bulk is stored record by record,
each in its own savepoint, and the records that fail are skipped and noted on the run."""

from __future__ import annotations

import copy
import logging
from typing import Any

from django.db import transaction

from integrations.ashby import errors
from integrations.ashby.resources import Resource
from integrations.ashby.storing import Context, Counts
from integrations.errors import RunAbandoned

logger = logging.getLogger(__name__)


def store_page(ctx: Context, resource: Resource, records: list, counts: Counts) -> None:
    """Store a page in bulk; if that fails on a record Guide cannot store (an impossible
    value, a shape no mapping foresaw), store the page record by record, each in its own
    savepoint, skipping and noting the ones that fail. Ashby's own failures (rate limits,
    outages) still stop the run: it resumes later."""
    before = copy.deepcopy(counts)
    try:
        with transaction.atomic():
            resource.store(ctx, records, counts)
        return
    except (errors.AshbyError, RunAbandoned):
        raise
    except Exception as exc:
        logger.warning(
            "Sync %s: a %s page failed in bulk (%s); storing it record by record",
            ctx.run.pk,
            resource.name,
            type(exc).__name__,
        )
    vars(counts).update(vars(before))  # the failed attempt counted nothing
    for record in records:
        _store_one(ctx, resource, record, counts)


def _store_one(ctx: Context, resource: Resource, record: Any, counts: Counts) -> None:
    try:
        with transaction.atomic():
            resource.store(ctx, [record], counts)
    except (errors.AshbyError, RunAbandoned) as exc:
        if not isinstance(exc, errors.NotFound):
            raise
        counts.skip(record_id(record), _unstorable(resource, record, exc))
    except Exception as exc:  # the type only: a database error's text may quote the data
        logger.warning(
            "Sync %s: a %s record skipped (%s)", ctx.run.pk, resource.name, type(exc).__name__
        )
        counts.skip(record_id(record), _unstorable(resource, record, exc))


def record_id(record: Any) -> str | None:
    return record.get("id") if isinstance(record, dict) else None


def _unstorable(resource: Resource, record: Any, exc: Exception) -> str:
    """The note for a record that could not be stored: which, and that the rest went on."""
    kind = resource.model._meta.verbose_name
    return (
        f"{str(kind).capitalize()} {record_id(record) or '(no id)'} could not be stored "
        f"({type(exc).__name__}) and was skipped; the rest of the sync went on."
    )
