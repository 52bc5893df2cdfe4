"""A small in-memory Ashby behind `responses`, for the sync engine's tests (the Connect
flow's tests have their own, tests/integrations/fake_ashby.py).

It pages list endpoints with opaque cursors, hands out a syncToken on the last page of a pass
and answers an incremental pass with the records changed since that token (deletions are not
reported, as with Ashby). Faults can be queued per endpoint: HTTP statuses (429, 5xx, 401)
or Ashby error codes (sync_token_expired, next_cursor_expired, ...), optionally after a number
of successful calls. Every request body is recorded.
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import responses

from tests.integrations.ashby_fixtures import ashby_object

BASE_URL = "https://ashby.test/api"

LIST_ENDPOINTS = (
    "department.list",
    "location.list",
    "user.list",
    "interviewPlan.list",
    "job.list",
    "interview.list",
    "candidate.list",
    "application.list",
    "interviewSchedule.list",
)


@dataclass
class Fault:
    endpoint: str
    status: int = 200
    code: str = ""
    after: int = 0  # successful calls of the endpoint to let through first
    times: int = 1


class FakeAshby:
    def __init__(self, page_size: int = 100) -> None:
        self.page_size = page_size
        self.version = 0
        self.records: dict[str, dict[str, tuple[int, dict[str, Any]]]] = defaultdict(dict)
        self.stages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # interviewEvent.list by schedule id (for schedules listed without their events)
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.tokens: dict[str, int] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.faults: list[Fault] = []
        self._ok_calls: dict[str, int] = defaultdict(int)
        self.on_call: Callable[[str], None] | None = None  # a hook run before each answer

    # --- data ---------------------------------------------------------------------------

    def put(self, endpoint: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.version += 1
        self.records[endpoint][obj["id"]] = (self.version, copy.deepcopy(obj))
        return obj

    def delete(self, endpoint: str, object_id: str) -> None:
        del self.records[endpoint][object_id]

    def get(self, endpoint: str, object_id: str) -> dict[str, Any]:
        return copy.deepcopy(self.records[endpoint][object_id][1])

    def fail(
        self, endpoint: str, *, status: int = 200, code: str = "", after: int = 0, times: int = 1
    ):
        self.faults.append(Fault(endpoint, status, code, after, times))

    def calls_to(self, endpoint: str) -> list[dict[str, Any]]:
        return [body for name, body in self.calls if name == endpoint]

    # --- HTTP ---------------------------------------------------------------------------

    def install(self, mock: responses.RequestsMock) -> FakeAshby:
        mock.add_callback(
            responses.POST, re.compile(re.escape(BASE_URL) + r"/([\w.]+)$"), self._answer
        )
        return self

    def _answer(self, request) -> tuple[int, dict[str, str], str]:
        endpoint = request.url.rsplit("/", 1)[1]
        body = json.loads(request.body or b"{}")
        self.calls.append((endpoint, body))
        if self.on_call is not None:
            self.on_call(endpoint)
        fault = self._fault(endpoint)
        if fault is not None:
            return self._error(fault.status, fault.code or "server_error")
        self._ok_calls[endpoint] += 1
        if endpoint == "interviewStage.list":
            plan = body.get("interviewPlanId")
            if plan not in self.records["interviewPlan.list"]:
                return self._error(200, "interview_plan_not_found")
            results = self.stages.get(plan, [])
            return self._ok({"results": copy.deepcopy(results), "moreDataAvailable": False})
        if endpoint == "interviewEvent.list":
            results = self.events.get(body.get("interviewScheduleId"), [])
            return self._ok({"results": copy.deepcopy(results), "moreDataAvailable": False})
        if endpoint in LIST_ENDPOINTS:
            return self._list(endpoint, body)
        return self._error(200, "invalid_input")

    def _fault(self, endpoint: str) -> Fault | None:
        for fault in self.faults:
            if fault.endpoint == endpoint and self._ok_calls[endpoint] >= fault.after:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _list(self, endpoint: str, body: dict[str, Any]):
        since = 0
        if body.get("syncToken"):
            if body["syncToken"] not in self.tokens:
                return self._error(200, "sync_token_invalid")
            since = self.tokens[body["syncToken"]]
        changed = [obj for version, obj in self.records[endpoint].values() if version > since]
        start = int(body.get("cursor") or 0)
        limit = min(int(body.get("limit") or 100), self.page_size)
        page = changed[start : start + limit]
        more = start + limit < len(changed)
        answer: dict[str, Any] = {"results": copy.deepcopy(page), "moreDataAvailable": more}
        if more:
            answer["nextCursor"] = str(start + limit)
        else:
            token = f"token-{endpoint}-{self.version}"
            self.tokens[token] = self.version
            answer["syncToken"] = token
        return self._ok(answer)

    def _ok(self, answer: dict[str, Any]):
        return 200, {"Content-Type": "application/json"}, json.dumps({"success": True, **answer})

    def _error(self, status: int, code: str):
        body = {
            "success": False,
            "errors": [code],
            "errorInfo": {"code": code, "message": f"Injected {code}", "requestId": "req-1"},
        }
        return status, {"Content-Type": "application/json"}, json.dumps(body)


# --- a small tenant's worth of Ashby data -----------------------------------------------------


def seed(fake: FakeAshby, *, candidates: int = 3) -> dict[str, Any]:
    """One department, location, two users, a plan with two stages, a job, an interview, and
    `candidates` candidates each with one application and one scheduled interview."""
    department = fake.put("department.list", ashby_object("department"))
    location = fake.put("location.list", ashby_object("location"))
    ada = fake.put("user.list", ashby_object("user"))
    rita = fake.put(
        "user.list",
        ashby_object(
            "user",
            id="8b7a6f5e-4d3c-4b2a-9180-7f6e5d4c3b2a",
            firstName="Rita",
            lastName="Levi",
            email="rita@example.com",
            isEnabled=False,
        ),
    )
    plan = fake.put("interviewPlan.list", ashby_object("interview_plan"))
    stage = ashby_object("interview_stage")
    screen = ashby_object(
        "interview_stage",
        id="e1f2a3b4-0000-4e7f-8a9b-000000000001",
        title="Screen",
        orderInInterviewPlan=1,
    )
    fake.stages[plan["id"]] = [screen, stage]
    job = fake.put("job.list", ashby_object("job"))
    interview = fake.put("interview.list", ashby_object("interview"))
    people = [add_candidate(fake, n) for n in range(candidates)]
    return {
        "department": department,
        "location": location,
        "users": [ada, rita],
        "plan": plan,
        "stages": [screen, stage],
        "job": job,
        "interview": interview,
        "people": people,
    }


def add_candidate(fake: FakeAshby, n: int) -> dict[str, Any]:
    """Candidate n with an application and a schedule holding one event."""
    cid, aid, sid, eid = (f"{prefix}0000000-0000-4000-8000-{n:012d}" for prefix in "cabe")
    candidate = ashby_object("candidate", id=cid, name=f"Candidate {n}", applicationIds=[aid])
    candidate["primaryEmailAddress"] = {
        "value": f"c{n}@example.org",
        "type": "Personal",
        "isPrimary": True,
    }
    application = ashby_object("application", id=aid)
    application["candidate"] = {**application["candidate"], "id": cid, "name": f"Candidate {n}"}
    schedule = ashby_object("interview_schedule", id=sid, applicationId=aid)
    schedule["interviewEvents"][0].update(id=eid, interviewScheduleId=sid)
    fake.put("candidate.list", candidate)
    fake.put("application.list", application)
    fake.put("interviewSchedule.list", schedule)
    return {"candidate": candidate, "application": application, "schedule": schedule}
