"""Property-based tests of the sync's storing, with pages generated from the 200 answers of
every list and info endpoint Guide reads (tests/integrations/spec_strategies.py).

Each example starts from the same complete records (tests/integrations/spec_seed.py), makes a
page of one generated record aimed at a seeded one (its id, a newer updatedAt) and a few other
generated records, deletes a random subset of keys of each (required ones too), stores the page
with the sync's own storing function (integrations/ashby/resources.py RESOURCES; the stages through
the engine's per-plan pass; the events through a schedule without embedded events), and checks:

1. nothing raises: a record that cannot be stored is skipped, counted and noted;
2. the other records of the page are stored (every record not stored is counted as skipped);
3. a stored column whose keys are all absent from the aimed record keeps its value;
4. the candidate's guide page still renders.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given, note
from hypothesis import strategies as st

from guides import models as g
from integrations.ashby import mapping
from integrations.ashby.client import Page
from integrations.ashby.resources import RESOURCES, STAGES
from integrations.ashby.stage_pass import StagePass
from integrations.ashby.storing import (
    Context,
    Counts,
    fetch_schedule_events,
    store_applications,
    store_schedules,
)
from integrations.ashby.sync_engine import Engine
from integrations.models import AshbyConnection, SyncRun
from tests.integrations.spec_seed import (
    APPLICATION_SOURCES,
    CANDIDATE_SOURCES,
    CANDIDATE_SUMMARY_SOURCES,
    DEPARTMENT_SOURCES,
    EVENT_SOURCES,
    INTERVIEW_SOURCES,
    JOB_SOURCES,
    JOB_SUMMARY_SOURCES,
    LOCATION_SOURCES,
    NEWER,
    PLAN_SOURCES,
    SCHEDULE_SOURCES,
    STAGE_SOURCES,
    USER_SOURCES,
    About,
    Seed,
    lost_fields,
    rolled_back,
    seed_records,
    snapshot,
)
from tests.integrations.spec_strategies import (
    INFO_ENDPOINTS,
    LIST_ENDPOINTS,
    partial_payloads,
    property_settings,
    response_pointer,
    result_records,
    spec_errors,
)

EXAMPLES = 25
STORE = {resource.endpoint: resource.store for resource in RESOURCES}


def test_every_endpoint_the_sync_reads_is_generated():
    assert set(STORE) <= set(LIST_ENDPOINTS)
    assert set(TARGETS) == {*LIST_ENDPOINTS, *INFO_ENDPOINTS}


@pytest.mark.parametrize("endpoint", [*LIST_ENDPOINTS, *INFO_ENDPOINTS])
def test_the_generated_records_are_valid_for_ashbys_schema(endpoint):
    # Before any key is omitted: a generator bug or a contradiction in the spec shows here.
    @property_settings(10)
    @given(record=result_records(endpoint))
    def check(record: dict[str, Any]) -> None:
        if endpoint in INFO_ENDPOINTS:
            answer = {"success": True, "results": record}
        else:
            answer = {"success": True, "results": [record], "moreDataAvailable": False}
        assert not spec_errors(response_pointer(endpoint), answer)

    check()


# --- a stand-in for Ashby's client ------------------------------------------------------------


class StubAshby:
    """Answers interviewStage.list (`call`) and interviewEvent.list (`paginate`) with the
    generated page; any other list is empty."""

    def __init__(self, endpoint: str, page: list[dict[str, Any]]) -> None:
        self.endpoint = endpoint
        self.page = page

    def call(self, endpoint: str, body: dict[str, Any] | None = None) -> Any:
        return self.page if endpoint == self.endpoint else []

    def paginate(self, endpoint: str, body=None, *, sync_token=None) -> Iterator[Page]:
        results = self.page if endpoint == self.endpoint else []
        yield Page(results=results, next_cursor=None, sync_token=None, more_data_available=False)


@pytest.fixture
def sync_run(tenant_a) -> SyncRun:
    connection = AshbyConnection(tenant=tenant_a, key_title="Guide")
    connection.api_key = "test-key-0123456789abcdef"
    connection.save()
    return SyncRun.objects.create(
        connection=connection, status=SyncRun.Status.RUNNING, started_at=timezone.now(), full=True
    )


# --- what each endpoint's record is about, and how its page is stored -------------------------


@dataclass(frozen=True)
class Target:
    row: str  # the seeded record the aimed record is made to be
    model: type[g.SyncedRecord]
    sources: dict[str, tuple[tuple[str, ...], ...]]


TARGETS = {
    "department.list": Target("department", g.Department, DEPARTMENT_SOURCES),
    "location.list": Target("location", g.Location, LOCATION_SOURCES),
    "user.list": Target("recruiter", g.Interviewer, USER_SOURCES),
    "interviewPlan.list": Target("plan", g.InterviewPlan, PLAN_SOURCES),
    "job.list": Target("job", g.Job, JOB_SOURCES),
    "interview.list": Target("interview", g.Interview, INTERVIEW_SOURCES),
    "candidate.list": Target("candidate", g.Candidate, CANDIDATE_SOURCES),
    "candidate.info": Target("candidate", g.Candidate, CANDIDATE_SOURCES),
    "application.list": Target("application", g.Application, APPLICATION_SOURCES),
    "application.info": Target("application", g.Application, APPLICATION_SOURCES),
    "interviewSchedule.list": Target("schedule", g.InterviewSchedule, SCHEDULE_SOURCES),
    "interviewStage.list": Target("onsite", g.InterviewStage, STAGE_SOURCES),
    "interviewEvent.list": Target("event", g.InterviewEvent, EVENT_SOURCES),
}


def store_page(
    endpoint: str, tenant, run: SyncRun, seed: Seed, page: list[dict[str, Any]]
) -> Counts:
    """Store `page` as the sync stores `endpoint`'s answers; the counts it kept."""
    if endpoint == "interviewStage.list":
        return _store_stages(run, StubAshby(endpoint, page))
    client = StubAshby(endpoint, page)
    ctx = Context(run=run, tenant=tenant, client=client)
    counts = Counts()
    if endpoint == "interviewEvent.list":  # a schedule without its events: Ashby is asked
        # before the page's transaction, as the sync engine does (Resource.fetch)
        schedules = fetch_schedule_events(ctx, [_schedule_without_events(seed)])
        store_schedules(ctx, schedules, counts)
    elif endpoint == "application.info":
        store_applications(ctx, page, counts)
    else:
        STORE[endpoint.replace(".info", ".list")](ctx, page, counts)
    return counts


def _store_stages(run: SyncRun, client: StubAshby) -> Counts:
    run.refresh_from_db()
    stages = StagePass(Engine(run, client), Counts(), all_plans=True)
    while not stages.done:  # a plan at a time, as the sync engine runs the pass
        stages.store(stages.fetch())
    run.refresh_from_db()
    progress = run.progress[STAGES]
    return Counts(skipped=progress["skipped"], notes=progress["notes"])


def _schedule_without_events(seed: Seed) -> dict[str, Any]:
    return {
        "id": seed.schedule.external_id,
        "applicationId": seed.application.external_id,
        "interviewStageId": seed.onsite.external_id,
        "status": "Scheduled",
        "updatedAt": NEWER,
    }


# --- aiming the generated record at a seeded one ----------------------------------------------


def _set(obj: Any, key: str, value: Any) -> None:
    if isinstance(obj, dict) and key in obj:
        obj[key] = value


def aim(endpoint: str, record: dict[str, Any], seed: Seed) -> None:
    target = TARGETS[endpoint]
    record["id"] = seed.rows[target.row].external_id
    _set(record, "updatedAt", NEWER)
    if target.row == "application":
        _set(record, "candidateId", seed.candidate.external_id)
        _set(record.get("candidate"), "id", seed.candidate.external_id)
    if target.row == "schedule":
        _set(record, "applicationId", seed.application.external_id)
        events = record.get("interviewEvents")
        if isinstance(events, list) and events and isinstance(events[0], dict):
            _set(events[0], "id", seed.event.external_id)
            _set(events[0], "updatedAt", NEWER)
            _set(events[0], "interviewScheduleId", seed.schedule.external_id)
    if target.row == "event":
        _set(record, "interviewScheduleId", seed.schedule.external_id)
    if target.row == "onsite":
        _set(record, "interviewPlanId", seed.plan.external_id)


def what_it_says(endpoint: str, record: dict[str, Any], seed: Seed) -> dict[str, About]:
    target = TARGETS[endpoint]
    said = {target.row: About(record, target.sources)}
    if target.row == "application":
        said["candidate"] = _embedded(
            record, "candidate", seed.candidate, CANDIDATE_SUMMARY_SOURCES
        )
        said["job"] = _embedded(record, "job", seed.job, JOB_SUMMARY_SOURCES)
        said["onsite"] = _embedded(record, "currentInterviewStage", seed.onsite, STAGE_SOURCES)
    if target.row == "schedule":
        events = record.get("interviewEvents")
        if not isinstance(events, list):  # interviewEvent.list (empty here) says them
            said["event"] = About(may_vanish=True)
        else:
            mine = next(
                (e for e in events if isinstance(e, dict) and e.get("id") == "event-1"), None
            )
            said["event"] = About(mine, EVENT_SOURCES, may_vanish=mine is None)
    if target.row == "event":
        said["schedule"] = About(_schedule_without_events(seed), SCHEDULE_SOURCES)
    if target.row == "onsite":
        said["screen"] = About(may_vanish=True)  # the plan's list no longer has it
    return said


def _embedded(parent: dict[str, Any], key: str, row, sources) -> About:
    obj = parent.get(key)
    if isinstance(obj, dict) and obj.get("id") == row.external_id:
        return About(obj, sources)
    return About()


# --- the property -----------------------------------------------------------------------------


def unstored(model, tenant, page: list[dict[str, Any]]) -> list[str]:
    """The page's records that are not stored: no usable id, or no row with their id."""
    ids = [record.get("id") if isinstance(record, dict) else None for record in page]
    usable = {i for i in ids if mapping.ref(i)}  # what Guide counts as an id (no NUL, <= 64)
    stored = set(
        model.objects.filter(tenant=tenant, external_id__in=usable).values_list(
            "external_id", flat=True
        )
    )
    return sorted(usable - stored) + [repr(i) for i in ids if i not in usable]


def _record_strategy(endpoint: str, keep=()) -> st.SearchStrategy[dict[str, Any]]:
    return partial_payloads(result_records(endpoint), keep=keep)


@pytest.mark.parametrize("endpoint", sorted(TARGETS))
def test_a_generated_page_is_stored_without_losing_what_it_does_not_say(
    endpoint, tenant_a, sync_run, client
):
    target = TARGETS[endpoint]

    @property_settings(EXAMPLES)
    @given(
        aimed=_record_strategy(endpoint, keep=[("id",)]),
        others=st.lists(_record_strategy(endpoint), max_size=2),
    )
    def check(aimed: dict[str, Any], others: list[dict[str, Any]]) -> None:
        with rolled_back():
            seed = seed_records(tenant_a)
            aim(endpoint, aimed, seed)
            page = [aimed, *others]
            note(f"page: {json.dumps(page)}")
            before = snapshot(seed)

            counts = store_page(endpoint, tenant_a, sync_run, seed, page)

            missing = unstored(target.model, tenant_a, page)
            assert counts.skipped >= len(missing), (missing, counts)
            if counts.skipped:
                assert counts.notes and all(n.strip() for n in counts.notes), counts
            problems = lost_fields(before, snapshot(seed), what_it_says(endpoint, aimed, seed))
            assert not problems, problems
            response = client.get(f"/g/{seed.guide.token}/")
            assert response.status_code == 200, response.status_code

    check()
