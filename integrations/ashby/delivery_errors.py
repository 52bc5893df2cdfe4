"""What was wrong, in words, when applying an Ashby delivery raised one of Ashby's own
exceptions (registry.describe_failure). Guide's generic sentences and the plan ("retries at
14:03 UTC") are added by integrations/delivery_messages.py."""

from __future__ import annotations

from integrations.ashby.errors import AshbyError
from integrations.ashby.handlers import NotKnownYet


def describe(exc: BaseException) -> str | None:
    """The sentence for an Ashby-specific failure, or None when it is not one."""
    if isinstance(exc, NotKnownYet):
        return (
            f"{exc} Ashby sends events in no particular order, and the event that brings it "
            "has not been applied yet."
        )
    if isinstance(exc, AshbyError):
        return f"Ashby could not answer Guide's question about this delivery ({exc.message})"
    return None
