"""Several organisations in one sandbox, as Ashby hosts many companies behind one API.

An API key belongs to one organisation (as an Ashby key does) and an API request sees only
that organisation's records: the API view runs its handler inside `scope(key's org)`, and the
default manager of every organisation-owned model filters on the scope when one is set.
Outside a scope (the sandbox's own pages, management commands without --organisation) every
organisation is visible, which is what a sandbox with one organisation always was.

Records created inside a scope belong to it (the field's default reads the scope), so the
seeder, the activity functions and webhook.create need no organisation argument. Records of
the default organisation (made outside any scope, or by a key of none) have no organisation
(NULL): no row has to exist for them, so a test database flushed between tests still works.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.db import models

DEFAULT = 0  # the scope of the default organisation: rows whose organization is NULL

_current: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "sandbox_organisation", default=None
)


def current_id() -> int | None:
    """The organisation new records belong to: the scope's, else none (the default one)."""
    return _current.get() or None


@contextlib.contextmanager
def scope(organisation_id: int | None) -> Iterator[None]:
    """See and create only `organisation_id`'s records inside the block (None: the default
    organisation's)."""
    token = _current.set(DEFAULT if organisation_id is None else organisation_id)
    try:
        yield
    finally:
        _current.reset(token)


class ScopedManager(models.Manager):
    """The default manager: the current organisation's rows inside a scope, all outside."""

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        organisation_id = _current.get()
        if organisation_id is None:
            return queryset
        if organisation_id == DEFAULT:
            return queryset.filter(organization__isnull=True)
        return queryset.filter(organization_id=organisation_id)


class Organization(models.Model):
    """A company using Ashby; its keys see only its records (the scope above)."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def named(cls, name: str) -> int:
        """The id of the organisation called `name`, created when missing."""
        return cls.objects.get_or_create(name=name)[0].pk


def owner() -> models.ForeignKey:
    """The field saying which organisation a row belongs to (the scope's, when created)."""
    return models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        default=current_id,
        related_name="+",
    )
