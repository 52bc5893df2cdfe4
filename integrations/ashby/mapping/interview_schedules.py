"""Interview schedules and their events, with the events' interviewers."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from integrations.ashby.mapping.payload_fields import (
    FUTURE_LIMIT,
    NOT_SAID,
    MappingError,
    Payload,
    Row,
    base_row,
    embedded_id,
    object_label,
    parse_time,
    ref,
    reference,
    said,
    text,
)

logger = logging.getLogger(__name__)


def map_interview_schedule(obj: Payload) -> Row:
    """interviewSchedule.list item (or an interviewSchedule webhook's data) -> InterviewSchedule.
    The application is required for a new schedule only."""
    row = said(
        base_row(obj, "interview schedule"),
        obj,
        {
            "status": ("status", text(40)),
            "stage_external_id": ("interviewStageId", ref),
        },
    )
    application = ref(obj.get("applicationId"))
    if application is not None:
        row["application_external_id"] = application
    return row


def schedule_events(obj: Payload) -> list[Payload]:
    """The interview events embedded in a schedule (`interviewEvents[]`), or [] when absent."""
    events = obj.get("interviewEvents")
    return (
        [event for event in events if isinstance(event, Mapping)]
        if isinstance(events, list)
        else []
    )


def map_interview_event(obj: Payload, *, schedule_id: str | None = None) -> Row:
    """interviewEvent.list item (or a schedule's embedded event) -> InterviewEvent.

    An event is refused with a sentence when its times are missing or impossible: ending
    before it starts, before 2000 or more than about five years ahead."""
    row = said(
        base_row(obj, "interview event"),
        obj,
        {
            "location": ("location", text(500)),
            "meeting_link": ("meetingLink", text(1000)),
        },
    )
    schedule = ref(obj.get("interviewScheduleId")) or schedule_id
    if schedule is None:
        raise MappingError(
            f"{object_label(obj, 'interview event')}: interviewScheduleId is missing."
        )
    row["schedule_external_id"] = schedule
    interview = reference(obj, "interview", "interviewId")
    if interview is not None or "interviewId" in obj or obj.get("interview", NOT_SAID) is None:
        row["interview_external_id"] = interview
    start = parse_time(obj, "startTime", "interview event", latest=FUTURE_LIMIT)
    end = parse_time(obj, "endTime", "interview event", latest=FUTURE_LIMIT)
    if end < start:
        raise MappingError(
            f"{object_label(obj, 'interview event')} ends ({obj['endTime']}) before it "
            f"starts ({obj['startTime']}); it was not stored."
        )
    return {**row, "start_time": start, "end_time": end}


def event_interviewers(obj: Payload) -> list[Payload]:
    """The users interviewing at an event (`interviewers[]`, full user objects)."""
    people = obj.get("interviewers")
    if isinstance(people, list):
        return [person for person in people if isinstance(person, Mapping) and embedded_id(person)]
    # `interviewerUserIds` is deprecated but may be all an older payload carries.
    ids = obj.get("interviewerUserIds")
    return [{"id": i} for i in ids if ref(i)] if isinstance(ids, list) else []


def says_interviewers(obj: Payload) -> bool:
    """Whether an event payload lists its interviewers at all (else they are left as stored)."""
    return "interviewers" in obj or "interviewerUserIds" in obj
