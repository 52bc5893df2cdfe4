"""Ashby payloads -> row values of Guide's records (pure functions, no database).

Each `map_<object>` takes one object as Ashby sends it (in a `*.list` page, an `*.info` result
or a webhook's `data`; shapes from Ashby's OpenAPI definition) and returns the dict that
`guides.upsert.upsert_records` stores: `external_id`, `external_updated_at` and the model's
fields, with foreign keys given as `<field>_external_id`.

Merge, never blank: a row carries only what the payload says. Real Ashby deliveries do not
always carry every field the spec marks required (a captured candidateStageChange's
application has no `job` and no `hiringTeam`; docs/ashby-spec-errata.md), so a key absent from
the payload is left out of the row and the stored value stays; an explicit `null` clears the
field. A value Guide cannot use (an unknown status, a time zone Guide does not know) is left
out too, with a note in `notes` when the caller passes a list.

A payload that cannot be stored (no id, a malformed or impossible time) raises `MappingError`
with a sentence naming the object and the field, so the caller records it and goes on with
the rest. Over-long strings are cut to the column's size rather than refused: they are
display text.

One module per family of records (organisation, hiring_process, candidates,
interview_schedules) on the shared payload_fields; callers use this package's names
(`mapping.map_job`).
"""

from __future__ import annotations

from integrations.ashby.mapping.candidates import (
    APPLICATION_STATUSES,
    application_candidate,
    application_candidate_stub,
    application_job_stub,
    application_lacks,
    application_stage,
    candidate_has_applications,
    map_application,
    map_candidate,
)
from integrations.ashby.mapping.hiring_process import (
    JOB_STATUSES,
    map_interview,
    map_interview_plan,
    map_interview_stage,
    map_job,
)
from integrations.ashby.mapping.interview_schedules import (
    event_interviewers,
    map_interview_event,
    map_interview_schedule,
    says_interviewers,
    schedule_events,
)
from integrations.ashby.mapping.organisation import (
    map_department,
    map_location,
    map_user,
)
from integrations.ashby.mapping.payload_fields import (
    CLOCK_SKEW,
    EARLIEST,
    FUTURE_LIMIT,
    NOT_SAID,
    RECRUITER_ROLE,
    MappingError,
    Notes,
    Payload,
    Row,
    address_text,
    article,
    base_row,
    choice,
    cut_text,
    email_address,
    embedded_id,
    flag,
    inner,
    object_id,
    object_label,
    optional_time,
    parse_time,
    ref,
    said,
    text,
)

__all__ = [
    "APPLICATION_STATUSES",
    "CLOCK_SKEW",
    "EARLIEST",
    "FUTURE_LIMIT",
    "JOB_STATUSES",
    "MappingError",
    "NOT_SAID",
    "Notes",
    "Payload",
    "RECRUITER_ROLE",
    "Row",
    "address_text",
    "application_candidate",
    "application_candidate_stub",
    "application_job_stub",
    "application_lacks",
    "application_stage",
    "article",
    "base_row",
    "candidate_has_applications",
    "choice",
    "cut_text",
    "email_address",
    "embedded_id",
    "event_interviewers",
    "flag",
    "inner",
    "map_application",
    "map_candidate",
    "map_department",
    "map_interview",
    "map_interview_event",
    "map_interview_plan",
    "map_interview_schedule",
    "map_interview_stage",
    "map_job",
    "map_location",
    "map_user",
    "object_id",
    "object_label",
    "optional_time",
    "parse_time",
    "ref",
    "said",
    "says_interviewers",
    "schedule_events",
    "text",
]
