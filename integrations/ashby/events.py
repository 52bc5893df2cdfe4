"""The Ashby webhooks Guide asks a tenant to create, and the handler of each.

Why these ten (docs/ashby.md §3, the spec's `webhooks`): they are every event that changes what
a candidate's guide shows. Applications and stages (applicationSubmit, applicationUpdate,
candidateStageChange, candidateHire), the candidate's existence (candidateDelete,
candidateMerge), interviews (interviewScheduleCreate / Update: the update also fires when an
interview of the schedule is scheduled, moved or cancelled) and jobs (jobCreate, jobUpdate; a
job's interview plan switch, interviewPlanTransition, also fires jobUpdate). Offers, postings,
openings, surveys, e-signatures and HRIS pushes show nothing on a guide. Interviewers,
departments, locations and stages have no webhooks at all: the regular sync keeps them.

`label` is the Event name exactly as Ashby's "New Webhook" dropdown shows it (the sandbox's
dropdown, ashby_sandbox/webhook_types.py, copied here: integrations never imports the sandbox).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils.module_loading import import_string

# handler(tenant, data) -> a line for the delivery log
Handler = Callable[[Any, Mapping[str, Any]], str]

# Frequent events should arrive daily in an active company; rare ones may stay quiet for weeks.
FREQUENT = timedelta(days=3)
RARE = timedelta(days=30)


@dataclass(frozen=True)
class WebhookEvent:
    action: str
    label: str  # Ashby's Event dropdown label
    keeps_current: str  # what it keeps current, shown on the Configure Webhooks page
    quiet_after: timedelta  # no delivery for this long while others arrive: a warning
    api_creatable: bool = True  # in the spec's webhook.create enum

    @property
    def suggested_name(self) -> str:
        return f"Guide - {self.label}"


_EVENTS = (
    WebhookEvent(
        "applicationSubmit",
        "Application Submit",
        "New candidates and applications: each gets a guide.",
        FREQUENT,
    ),
    WebhookEvent(
        "applicationUpdate",
        "Application Update",
        "Application changes: status, job transfers, recruiter.",
        FREQUENT,
    ),
    WebhookEvent(
        "candidateStageChange",
        "Candidate Stage Change",
        "The stage a guide shows the candidate in.",
        FREQUENT,
    ),
    WebhookEvent("candidateHire", "Candidate Hire", "Hires: the guide's final step.", RARE),
    WebhookEvent(
        "candidateDelete",
        "Candidate Delete",
        "Deleted candidates: their data and guide are removed.",
        RARE,
    ),
    WebhookEvent(
        "candidateMerge",
        "Candidate Merge",
        "Merged duplicates: everything moves to the surviving candidate.",
        RARE,
    ),
    WebhookEvent(
        "interviewScheduleCreate",
        "Interview Schedule Create",
        "New interview schedules on a guide.",
        FREQUENT,
    ),
    WebhookEvent(
        "interviewScheduleUpdate",
        "Interview Schedule Update",
        "Interview times, interviewers, cancellations.",
        FREQUENT,
    ),
    WebhookEvent(
        "jobCreate",
        "Job Create",
        "New jobs.",
        RARE,
        api_creatable=False,
    ),
    WebhookEvent(
        "jobUpdate",
        "Job Update",
        "Job titles, status and interview plans.",
        RARE,
        api_creatable=False,
    ),
)

EVENTS: dict[str, WebhookEvent] = {event.action: event for event in _EVENTS}
PING = "ping"


# The handler table: what applies each action's delivery to the tenant's data. Dotted paths,
# imported on first use, so the receiver and the pages never load the storing code.
_H = "integrations.ashby.handlers."
HANDLERS: dict[str, str | Handler] = {
    "applicationSubmit": _H + "application_changed",
    "applicationUpdate": _H + "application_changed",
    "candidateStageChange": _H + "application_changed",
    "candidateHire": _H + "application_changed",
    "candidateDelete": _H + "candidate_deleted",
    "candidateMerge": _H + "candidate_merged",
    "interviewScheduleCreate": _H + "schedule_changed",
    "interviewScheduleUpdate": _H + "schedule_changed",
    "jobCreate": _H + "job_changed",
    "jobUpdate": _H + "job_changed",
}


# What some actions ask Ashby for before their transaction opens (a delivery that lacks
# what its guide needs): fetch(tenant, data) -> Fetched, handed to the handler as `fetched`.
FETCHERS: dict[str, str] = {
    **dict.fromkeys(
        ("applicationSubmit", "applicationUpdate", "candidateStageChange", "candidateHire"),
        _H + "fetch_for_application",
    ),
    **dict.fromkeys(
        ("interviewScheduleCreate", "interviewScheduleUpdate"), _H + "fetch_for_schedule"
    ),
}


# Actions whose deliveries in one batch are applied together (integrations/delivery_batches.py):
# an application's events, most of a busy company's deliveries. The others go one by one.
BATCHES: dict[str, str] = dict.fromkeys(
    ("applicationSubmit", "applicationUpdate", "candidateStageChange", "candidateHire"),
    "integrations.ashby.handler_batches.APPLICATIONS",
)


def handler_for(action: str) -> Handler | None:
    """The function that applies an `action` delivery to a tenant's data, or None."""
    handler = HANDLERS.get(action)
    return import_string(handler) if isinstance(handler, str) else handler


def fetcher_for(action: str) -> Callable[..., Any] | None:
    """The function that asks Ashby, outside any transaction, for what an `action` delivery
    lacks; None for actions that never need it."""
    fetcher = FETCHERS.get(action)
    return import_string(fetcher) if fetcher else None


def batch_for(action: str) -> Any:
    """How `action` deliveries of one batch are applied together (handler_batches.Batch), or
    None: one by one with handler_for."""
    batch = BATCHES.get(action)
    return import_string(batch) if batch else None
