"""The organisation-wide change counter behind keyset pagination and syncTokens."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ashby_sandbox.models import Sequence, Tracked

SEQUENCE_NAME = "changes"


def next_seq(count: int = 1) -> int:
    """Reserve `count` consecutive values and return the first one.

    The UPDATE takes the row lock, so concurrent writers get disjoint ranges; the caller's
    transaction holds it until commit, which keeps seq order equal to commit order.
    """
    with transaction.atomic():
        Sequence.objects.get_or_create(name=SEQUENCE_NAME)
        Sequence.objects.filter(name=SEQUENCE_NAME).update(value=F("value") + count)
        value = Sequence.objects.get(name=SEQUENCE_NAME).value
    return value - count + 1


def current_seq() -> int:
    """The highest value handed out so far (0 before any change)."""
    row = Sequence.objects.filter(name=SEQUENCE_NAME).first()
    return row.value if row else 0


def touch(record: Tracked, now: dt.datetime | None = None) -> None:
    """Mark a record as changed (new seq and updatedAt); the caller saves it."""
    record.updated_at = now or timezone.now()
    record.updated_seq = next_seq()


def stamp_new(record: Tracked, now: dt.datetime | None = None) -> Tracked:
    """Fill the tracking fields of a record about to be created."""
    now = now or timezone.now()
    record.created_at = record.created_at or now
    record.updated_at = now
    record.updated_seq = next_seq()
    return record
