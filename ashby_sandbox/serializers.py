"""Records -> the dicts Ashby's API and webhooks send, shaped as the spec's schemas.

Optional fields with no value are left out rather than sent as null: most of the spec's
optional properties are typed `string` (not nullable), so a null would not validate.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ashby_sandbox import models as m

PROFILE_BASE = "https://app.ashbyhq.com"
_NS = uuid.UUID("6f0b1c9e-2f59-4c1e-9a52-0d7c7f1d2a11")


def ts(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as Ashby writes them (2022-08-12T20:29:56.964Z)."""
    if value is None:
        return None
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def derived_id(*parts: object) -> str:
    """A stable uuid for a value the sandbox keeps as text (a source, an archive reason)."""
    return str(uuid.uuid5(_NS, "/".join(str(p) for p in parts)))


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, ""):
        out[key] = value


class UserDirectory:
    """All users of the organisation, loaded once per request (a few hundred at most)."""

    def __init__(self) -> None:
        self._users: dict[str, m.User] | None = None

    def get(self, user_id: object) -> m.User | None:
        if self._users is None:
            self._users = {str(u.id): u for u in m.User.objects.all()}
        return self._users.get(str(user_id)) if user_id else None


def user(u: m.User) -> dict[str, Any]:
    out = {
        "id": str(u.id),
        "firstName": u.first_name,
        "lastName": u.last_name,
        "email": u.email,
        "globalRole": u.global_role,
        "isEnabled": u.is_enabled,
        "updatedAt": ts(u.updated_at),
    }
    _put(out, "managerId", str(u.manager_id) if u.manager_id else None)
    return out


def hiring_team(team: list[dict[str, str]], users: UserDirectory) -> list[dict[str, Any]]:
    members = []
    for member in team:
        u = users.get(member.get("userId"))
        if u is not None:
            members.append(
                {
                    "userId": str(u.id),
                    "firstName": u.first_name,
                    "lastName": u.last_name,
                    "email": u.email,
                    "role": member.get("role", "Recruiter"),
                }
            )
    return members


def department(d: m.Department) -> dict[str, Any]:
    out = {
        "id": str(d.id),
        "name": d.name,
        "isArchived": d.is_archived,
        "createdAt": ts(d.created_at),
        "updatedAt": ts(d.updated_at),
    }
    _put(out, "externalName", d.external_name)
    _put(out, "parentId", str(d.parent_id) if d.parent_id else None)
    return out


def location(loc: m.Location) -> dict[str, Any]:
    postal = {}
    for key, value in (
        ("addressCountry", loc.country),
        ("addressRegion", loc.region),
        ("addressLocality", loc.locality),
        ("postalCode", loc.postal_code),
        ("streetAddress", loc.street_address),
    ):
        _put(postal, key, value)
    out = {
        "id": str(loc.id),
        "name": loc.name,
        "isArchived": loc.is_archived,
        "address": {"postalAddress": postal},
        "isRemote": loc.workplace_type == "Remote",
        "workplaceType": loc.workplace_type,
        "type": "Location",
    }
    _put(out, "externalName", loc.external_name)
    return out


def interview_plan(p: m.InterviewPlan) -> dict[str, Any]:
    return {
        "id": str(p.id),
        "title": p.title,
        "isArchived": p.is_archived,
        "createdAt": ts(p.created_at),
        "updatedAt": ts(p.updated_at),
    }


def interview_stage(s: m.InterviewStage) -> dict[str, Any]:
    out = {
        "id": str(s.id),
        "title": s.title,
        "type": s.type,
        "orderInInterviewPlan": s.order,
        "interviewPlanId": str(s.plan_id),
    }
    _put(out, "interviewStageGroupId", s.group_id)
    return out


def interview(i: m.Interview) -> dict[str, Any]:
    out = {
        "id": str(i.id),
        "title": i.title,
        "isArchived": i.is_archived,
        "isDebrief": i.is_debrief,
        "isFeedbackRequired": True,
        "isFeedbackRequested": True,
        "instructionsHtml": f"<p>{i.instructions}</p>" if i.instructions else "",
        "instructionsPlain": i.instructions,
        "feedbackFormDefinitionId": str(i.feedback_form_definition_id),
    }
    _put(out, "externalTitle", i.external_title)
    _put(out, "jobId", str(i.job_id) if i.job_id else None)
    return out


def job(j: m.Job, users: UserDirectory, expand: frozenset[str] = frozenset()) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(j.id),
        "title": j.title,
        "confidential": j.confidential,
        "status": j.status,
        "employmentType": j.employment_type,
        "interviewPlanIds": [str(j.interview_plan_id)] if j.interview_plan_id else [],
        "customFields": [],
        "jobPostingIds": [derived_id("posting", j.id)] if j.status == "Open" else [],
        "hiringTeam": hiring_team(j.hiring_team, users),
        "createdAt": ts(j.created_at),
        "updatedAt": ts(j.updated_at),
    }
    _put(out, "locationId", str(j.location_id) if j.location_id else None)
    _put(out, "departmentId", str(j.department_id) if j.department_id else None)
    _put(out, "defaultInterviewPlanId", str(j.interview_plan_id) if j.interview_plan_id else None)
    author = users.get(j.author_id)
    if author is not None:
        out["author"] = user(author)
    _put(out, "openedAt", ts(j.opened_at))
    _put(out, "closedAt", ts(j.closed_at))
    if "location" in expand and j.location_id:
        out["location"] = location(j.location)
    if "openings" in expand:
        out["openings"] = []
    return out


def _contact(value: str) -> dict[str, Any]:
    return {"value": value, "type": "Personal", "isPrimary": True}


def candidate(c: m.Candidate, application_ids: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(c.id),
        "createdAt": ts(c.created_at),
        "updatedAt": ts(c.updated_at),
        "name": c.name,
        "emailAddresses": [_contact(c.email)] if c.email else [],
        "phoneNumbers": [_contact(c.phone)] if c.phone else [],
        "socialLinks": [{"type": "LinkedIn", "url": c.linkedin_url}] if c.linkedin_url else [],
        "tags": [],
        "applicationIds": application_ids,
        "fileHandles": [],
        "customFields": [],
        "profileUrl": f"{PROFILE_BASE}/candidates/{c.id}",
    }
    if c.email:
        out["primaryEmailAddress"] = _contact(c.email)
    if c.phone:
        out["primaryPhoneNumber"] = _contact(c.phone)
    for key, value in (
        ("position", c.position),
        ("company", c.company),
        ("school", c.school),
        ("timezone", c.timezone),
    ):
        _put(out, key, value)
    if c.source:
        out["source"] = _source(c.source)
    if c.country:
        out["location"] = _candidate_location(c)
    return out


def _candidate_location(c: m.Candidate) -> dict[str, Any]:
    components = [
        {"type": kind, "name": name}
        for kind, name in (("City", c.city), ("Region", c.region), ("Country", c.country))
        if name
    ]
    return {
        "id": str(c.location_id or derived_id("candidate-location", c.city, c.country)),
        "locationSummary": ", ".join(part["name"] for part in components),
        "locationComponents": components,
    }


def _source(title: str) -> dict[str, Any]:
    return {"id": derived_id("source", title), "title": title, "isArchived": False}


def application(a: m.Application, users: UserDirectory) -> dict[str, Any]:
    """An application as in application.info and the application webhooks (select_related
    candidate, job and stage)."""
    c = a.candidate
    summary: dict[str, Any] = {"id": str(c.id), "name": c.name}
    if c.email:
        summary["primaryEmailAddress"] = _contact(c.email)
    if c.phone:
        summary["primaryPhoneNumber"] = _contact(c.phone)
    job_summary: dict[str, Any] = {"id": str(a.job.id), "title": a.job.title}
    _put(job_summary, "locationId", str(a.job.location_id) if a.job.location_id else None)
    _put(job_summary, "departmentId", str(a.job.department_id) if a.job.department_id else None)
    out: dict[str, Any] = {
        "id": str(a.id),
        "createdAt": ts(a.created_at),
        "updatedAt": ts(a.updated_at),
        "status": a.status,
        "customFields": [],
        "candidate": summary,
        "currentInterviewStage": interview_stage(a.stage),
        "job": job_summary,
        "hiringTeam": hiring_team(a.job.hiring_team, users),
    }
    if a.source:
        out["source"] = _source(a.source)
    if a.archive_reason:
        out["archiveReason"] = {
            "id": derived_id("archive-reason", a.archive_reason),
            "text": a.archive_reason,
            "reasonType": "RejectedByOrg",
            "isArchived": False,
            "customFields": [],
        }
    _put(out, "archivedAt", ts(a.archived_at))
    credited = users.get(a.credited_to_id)
    if credited is not None:
        out["creditedToUser"] = user(credited)
    return out


def interview_event(
    e: m.InterviewEvent, users: UserDirectory, with_interview: bool = False
) -> dict[str, Any]:
    interviewers = [users.get(uid) for uid in e.interviewer_ids]
    out: dict[str, Any] = {
        "id": str(e.id),
        "interviewId": str(e.interview_id),
        "interviewScheduleId": str(e.schedule_id),
        "interviewerUserIds": [str(u.id) for u in interviewers if u],
        "interviewers": [
            {**user(u), "trainingRole": None, "interviewerPool": None, "isFeedbackRequired": True}
            for u in interviewers
            if u
        ],
        "createdAt": ts(e.created_at),
        "updatedAt": ts(e.updated_at),
        "startTime": ts(e.start_time),
        "endTime": ts(e.end_time),
        "feedbackLink": f"{PROFILE_BASE}/interview-briefings/{e.id}/feedback",
        "location": e.location or None,
        "meetingLink": e.meeting_link or None,
        "hasSubmittedFeedback": e.has_submitted_feedback,
    }
    if with_interview:
        out["interview"] = interview(e.interview)
    return out


def interview_schedule(
    s: m.InterviewSchedule, events: list[m.InterviewEvent], users: UserDirectory
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(s.id),
        "status": s.status,
        "applicationId": str(s.application_id),
        "interviewStageId": str(s.stage_id),
        "createdAt": ts(s.created_at),
        "updatedAt": ts(s.updated_at),
        "interviewEvents": [interview_event(e, users) for e in events],
    }
    scheduler = users.get(s.scheduled_by_id)
    if scheduler is not None:
        out["scheduledBy"] = user(scheduler)
    return out


def job_interview_plan(j: m.Job, stages: list[m.InterviewStage], interviews_by_stage: dict):
    """jobInterviewPlan.info: the job's plan with its activities (one per stage) and interviews."""
    out_stages = []
    for s in stages:
        interviews = interviews_by_stage.get(s.id, [])
        activity = {
            "id": derived_id("activity", s.id),
            "title": s.title,
            "interviews": [
                {
                    "id": derived_id("plan-interview", s.id, i.id),
                    "title": i.title,
                    "interviewId": str(i.id),
                    "interviewDurationMinutes": i.duration_minutes,
                    "isSchedulable": True,
                }
                for i in interviews
            ],
        }
        stage = interview_stage(s)
        stage.pop("interviewPlanId")
        stage["activities"] = [activity] if interviews else []
        out_stages.append(stage)
    return {"jobId": str(j.id), "interviewPlanId": str(j.interview_plan_id), "stages": out_stages}


def webhook(w: m.Webhook, with_secret: bool) -> dict[str, Any]:
    out = {
        "id": str(w.id),
        "enabled": w.enabled,
        "requestUrl": w.request_url,
        "webhookType": w.webhook_type,
    }
    if with_secret:
        out["secretToken"] = w.secret_token
    return out


def offer_for_hire(a: m.Application, users: UserDirectory, when: dt.datetime) -> dict[str, Any]:
    """The accepted offer candidateHire carries (the sandbox keeps no offer records)."""
    version: dict[str, Any] = {
        "id": derived_id("offer-version", a.id),
        "startDate": ts(when + dt.timedelta(days=30)),
        "salary": {"currencyCode": "USD", "value": 120000},
        "createdAt": ts(when),
        "customFields": [],
        "fileHandles": [],
        "approvalStatus": "Approved",
    }
    return {
        "id": derived_id("offer", a.id),
        "decidedAt": ts(when),
        "applicationId": str(a.id),
        "acceptanceStatus": "Accepted",
        "offerStatus": "CandidateAccepted",
        "latestVersion": version,
        "versions": [version],
        "formDefinition": {"sections": []},
    }
