"""Who an Ashby delivery is about: the candidate's id, noted when the delivery is received,
so a person's deliveries are found by an index, never by reading bodies (integrations/
erasure.py); and what the payload says of them (names, email addresses, phone numbers), to find
them in free text when their data is erased.

Where Ashby puts the candidate (docs/ashby.md, "Webhooks"; API-NOTES §3.3): application
events carry `data.application.candidate` (a summary: id, name, primaryEmailAddress,
primaryPhoneNumber) or `candidateId`; interview schedules `data.interviewSchedule.candidateId`, or only `applicationId` (then
"application:<id>" is noted, and an erasure looks for the person's applications too);
candidateDelete `data.candidate`; candidateMerge `data.deletedCandidate` (the record that goes;
the payload holds only the two ids). Job events name no candidate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.ashby.mapping import application_candidate, ref

APPLICATION = "application:"  # a schedule that names only its application (older payloads)


def _schedule_subject(obj: Mapping[str, Any]) -> str | None:
    candidate = ref(obj.get("candidateId"))
    application = ref(obj.get("applicationId"))
    return candidate or (APPLICATION + application if application else None)


# data.<key> -> the candidate's id inside it
_HOLDERS = (
    ("application", application_candidate),
    ("interviewSchedule", _schedule_subject),
    ("candidate", lambda obj: ref(obj.get("id"))),
    ("deletedCandidate", lambda obj: ref(obj.get("id"))),
)


def candidate_in(payload: Mapping[str, Any]) -> str:
    """The id of the candidate a delivery is about ("" when none, or not said). Called by
    the receiver on every delivery: a few dictionary lookups, no query."""
    data = payload.get("data")
    if not isinstance(data, Mapping):
        return ""
    for key, find in _HOLDERS:
        obj = data.get(key)
        if isinstance(obj, Mapping):
            found = find(obj)
            return found[:64] if isinstance(found, str) else ""
    return ""


def person_in(payload: Mapping[str, Any]) -> dict[str, list[str]]:
    """What the delivery says of its candidate: {"names", "emails", "phones"}."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    data = data if isinstance(data, Mapping) else {}
    candidate = data.get("candidate")
    application = data.get("application")
    if not isinstance(candidate, Mapping) and isinstance(application, Mapping):
        candidate = application.get("candidate")
    if not isinstance(candidate, Mapping):
        return {"names": [], "emails": [], "phones": []}
    return {
        "names": [v for v in [candidate.get("name")] if isinstance(v, str)],
        "emails": _contacts(candidate, "primaryEmailAddress", "emailAddresses"),
        "phones": _contacts(candidate, "primaryPhoneNumber", "phoneNumbers"),
    }


def _contacts(candidate: Mapping[str, Any], primary: str, others: str) -> list[str]:
    """The `value` of each contact item ({value, type, isPrimary})."""
    items = [candidate.get(primary), *(candidate.get(others) or [])]
    return [i["value"] for i in items if isinstance(i, Mapping) and isinstance(i.get("value"), str)]
