"""The sentences support (and the tenant's admin) read about a webhook delivery.

An attempt that fails gets a message in plain words: what was wrong, what Guide did about it,
what to do. The exception's type and text, which an engineer searches for, go to the
attempt's `details`, never into the message. The integration names its own exceptions
(registry.describe_failure); anything else is "an internal error".

Also the support console's action messages about deliveries ("Replayed Candidate Hire for
Acme: applied. ...").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import InterfaceError, OperationalError

from integrations import registry
from integrations.errors import CannotApply
from integrations.models import event_name

NO_ACTION = "No action needed."
NEXT_SYNC = "The next sync brings the same change from Ashby"
INTERNAL = "Guide could not apply this delivery because of an internal error."
DATABASE = "Guide's database was busy or briefly unavailable, so the change could not be saved."
WORKER_STOPPED = (
    "The worker processing this delivery stopped before it finished (a restart, or it ran "
    "past its time limit)."
)


@dataclass(frozen=True)
class Failure:
    message: str  # the sentence support reads
    details: str  # for engineers: the exception's type and text


def details_of(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def what_was_wrong(exc: BaseException) -> str:
    """The first sentence: what went wrong, in words (never the exception's class name)."""
    if isinstance(exc, CannotApply):
        return _sentence(str(exc)) or INTERNAL
    described = registry.describe_failure(exc)
    if described:
        return _sentence(described)
    if isinstance(exc, OperationalError | InterfaceError):
        return DATABASE
    return INTERNAL


def explain_failure(
    exc: BaseException, *, permanent: bool, attempts: int, max_attempts: int, retry_at
) -> Failure:
    """The message and details of a failed attempt. `permanent`: the payload can never apply
    (not retried); `retry_at`: when the next attempt runs (None once Guide gave up)."""
    plan = what_guide_did(
        permanent=permanent, attempts=attempts, max_attempts=max_attempts, retry_at=retry_at
    )
    return Failure(f"{what_was_wrong(exc)} {plan}", details_of(exc))


def what_guide_did(*, permanent: bool, attempts: int, max_attempts: int, retry_at) -> str:
    if permanent:
        return (
            "Nothing was changed, and Guide does not retry it: the same payload would fail "
            f"again. {NEXT_SYNC}; no action needed."
        )
    if retry_at is not None:
        return (
            f"Nothing was changed; Guide retries automatically (attempt {attempts + 1} of "
            f"{max_attempts} at {clock(retry_at)}). {NO_ACTION}"
        )
    return (
        f"Nothing was changed; Guide gave up after {attempts} attempts. {NEXT_SYNC}; if this "
        "keeps happening, pass the details to Guide's engineers."
    )


def worker_stopped(*, attempts: int, max_attempts: int, retry_at) -> str:
    plan = what_guide_did(
        permanent=False, attempts=attempts, max_attempts=max_attempts, retry_at=retry_at
    )
    return f"{WORKER_STOPPED} {plan}"


def clock(moment: datetime) -> str:
    """ "14:03 UTC": stored sentences are read in many zones, so they name UTC."""
    return f"{moment.astimezone(UTC):%H:%M} UTC"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]


# --- the support console's action messages --------------------------------------------------

RESULT_WORDS = {
    "processed": "applied",
    "ignored": "ignored",
    "retrying": "not applied yet",
    "failed": "failed",
}


def replayed(delivery, attempt) -> str:
    """ "Replayed Candidate Hire for Acme: applied. Application ... updated." """
    head = f"Replayed {event_name(delivery.action)} for {delivery.tenant}"
    if attempt is None:  # a worker took it first: its attempt appears in the history
        return f"{head}: queued; it is processed in a moment."
    return f"{head}: {RESULT_WORDS.get(attempt.result, attempt.result)}. {attempt.message}"


def not_replayed(delivery, why: str) -> str:
    return (
        f"Could not replay the {event_name(delivery.action)} delivery of {delivery.tenant}: {why}"
    )


def marked_ignored(delivery) -> str:
    return (
        f"Marked the {event_name(delivery.action)} delivery of {delivery.tenant} ignored; "
        "it will not be retried."
    )


def not_marked_ignored(delivery, why: str) -> str:
    return (
        f"Could not mark the {event_name(delivery.action)} delivery of {delivery.tenant} "
        f"ignored: {why}"
    )
