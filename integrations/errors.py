"""Errors any ATS integration raises to the generic machinery (the delivery outbox, syncs)."""

from __future__ import annotations


class CannotApply(ValueError):
    """A payload that can never be applied, whatever is retried. Its message is the sentence
    support reads: what was wrong, and what Guide did about it."""


class RunAbandoned(Exception):
    """A sync run was marked failed or cancelled by someone else (e.g. found stale)."""
