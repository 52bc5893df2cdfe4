"""The sync engine against a fake Ashby behind `responses`: full and incremental passes,
token fallbacks, faults, resumption, deletions, guides, queries per page."""

from __future__ import annotations

import pytest
import responses
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from guides import models as g
from integrations.ashby.client import AshbyClient, RetryPolicy
from integrations.models import AshbyConnection, SyncRun, SyncSeen, SyncState
from integrations.sync_runs import run_queued_sync
from tests.integrations.sync_fake import BASE_URL, FakeAshby, add_candidate, seed

API_KEY = "test-key-0123456789abcdef"


@pytest.fixture
def fake():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeAshby().install(mock)


@pytest.fixture
def ashby(tenant_a) -> AshbyConnection:
    connection = AshbyConnection(tenant=tenant_a, key_title="Guide")
    connection.api_key = API_KEY
    connection.save()
    return connection


def client() -> AshbyClient:
    return AshbyClient(
        API_KEY, base_url=BASE_URL, sleep=lambda seconds: None, retry=RetryPolicy(max_attempts=4)
    )


def sync(ashby: AshbyConnection) -> SyncRun:
    run = run_queued_sync(ashby.pk, client=client())
    assert run is not None
    return run


def snapshot(tenant) -> dict:
    """Everything a guide could show, by external id, to compare two syncs' results."""
    return {
        "candidates": sorted(
            g.Candidate.objects.filter(tenant=tenant).values_list("external_id", "name", "email")
        ),
        "applications": sorted(
            g.Application.objects.filter(tenant=tenant).values_list(
                "external_id",
                "candidate__external_id",
                "job__external_id",
                "current_stage__external_id",
                "recruiter__external_id",
                "status",
            )
        ),
        "schedules": sorted(
            g.InterviewSchedule.objects.filter(tenant=tenant).values_list(
                "external_id", "status", "application__external_id"
            )
        ),
        "events": sorted(
            g.InterviewEvent.objects.filter(tenant=tenant).values_list(
                "external_id", "start_time", "interview__external_id", "schedule__external_id"
            )
        ),
        "interviewers": sorted(
            g.InterviewEvent.interviewers.through.objects.values_list(
                "interviewevent__external_id", "interviewer__external_id"
            )
        ),
        "guides": sorted(
            g.Guide.objects.filter(tenant=tenant).values_list("candidate__external_id", flat=True)
        ),
        "jobs": sorted(
            g.Job.objects.filter(tenant=tenant).values_list(
                "external_id", "status", "interview_plan__external_id"
            )
        ),
        "stages": sorted(
            g.InterviewStage.objects.filter(tenant=tenant).values_list(
                "external_id", "plan__external_id", "order"
            )
        ),
        "users": sorted(
            g.Interviewer.objects.filter(tenant=tenant).values_list("external_id", "is_enabled")
        ),
    }


# --- a full sync ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_first_sync_stores_every_resource_and_a_guide_per_candidate(fake, ashby, tenant_a):
    data = seed(fake, candidates=3)

    run = sync(ashby)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.full is False and run.finished_at is not None
    assert g.Department.objects.get(tenant=tenant_a).name == "Engineering"
    assert g.Location.objects.get(tenant=tenant_a).workplace_type == "Hybrid"
    assert sorted(g.Interviewer.objects.values_list("first_name", "is_enabled")) == [
        ("Ada", True),
        ("Rita", False),
    ]
    job = g.Job.objects.get(tenant=tenant_a)
    assert (job.status, job.department.name, job.location.name) == ("Draft", "Engineering", "Paris")
    assert job.interview_plan.external_id == data["plan"]["id"]
    assert list(g.InterviewStage.objects.order_by("order").values_list("title", flat=True)) == [
        "Screen",
        "Technical Interview",
    ]
    assert g.Candidate.objects.filter(tenant=tenant_a).count() == 3
    application = g.Application.objects.get(external_id=data["people"][0]["application"]["id"])
    assert application.current_stage.title == "Technical Interview"
    assert application.recruiter.first_name == "Rita"
    assert application.job == job
    event = g.InterviewEvent.objects.get(
        external_id=data["people"][0]["schedule"]["interviewEvents"][0]["id"]
    )
    assert event.schedule.application == application
    assert event.interview.candidate_facing_title == "System design"
    assert [i.first_name for i in event.interviewers.all()] == ["Ada"]
    assert event.meeting_link == "https://meet.example.com/abc-defg-hij"
    # Every candidate with an application has a guide, with its own unguessable token.
    guides = g.Guide.objects.filter(tenant=tenant_a)
    assert guides.count() == 3 and len({guide.token for guide in guides}) == 3
    assert run.progress["candidates"]["created"] == 3
    assert run.progress["interview_schedules"]["pages"] == 1


@pytest.mark.django_db
def test_the_request_bodies_ask_for_everything_and_stay_identical_across_pages(
    fake, ashby, settings
):
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    seed(fake, candidates=5)

    sync(ashby)

    assert fake.calls_to("job.list")[0] == {
        "status": ["Draft", "Open", "Closed", "Archived"],
        "limit": 2,
    }
    assert fake.calls_to("user.list")[0] == {"includeDeactivated": True, "limit": 2}
    assert fake.calls_to("interview.list")[0] == {
        "includeArchived": True,
        "includeNonSharedInterviews": True,
        "limit": 2,
    }
    pages = fake.calls_to("candidate.list")
    assert len(pages) == 3
    assert [{k: v for k, v in body.items() if k != "cursor"} for body in pages] == [
        {"limit": 2}
    ] * 3
    assert [body.get("cursor") for body in pages] == [None, "2", "4"]


@pytest.mark.django_db
def test_the_api_key_is_never_stored_in_the_run_or_the_state(fake, ashby):
    seed(fake)
    fake.fail("candidate.list", status=500, times=10)

    run = sync(ashby)

    assert run.status == SyncRun.Status.FAILED
    assert "candidates" in run.error
    assert API_KEY not in run.error and API_KEY not in str(run.progress)
    assert API_KEY not in repr(SyncState.objects.first())


# --- incremental ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_incremental_sync_sends_the_saved_token_and_picks_up_exactly_the_changes(
    fake, ashby, tenant_a
):
    data = seed(fake, candidates=3)
    sync(ashby)
    first_tokens = dict(SyncState.objects.values_list("resource", "sync_token"))
    changed = data["people"][1]["candidate"]
    fake.put(
        "candidate.list", {**changed, "name": "Renamed", "updatedAt": "2026-04-01T00:00:00.000Z"}
    )
    add_candidate(fake, 7)
    fake.calls.clear()

    run = sync(ashby)

    assert fake.calls_to("candidate.list") == [
        {"limit": 100, "syncToken": first_tokens["candidates"]}
    ]
    assert run.progress["candidates"] | {"notes": []} == {
        "fetched": 2,
        "created": 1,
        "updated": 1,
        "deleted": 0,
        "skipped": 0,
        "pages": 1,
        "error": "",
        "notes": [],
        "done": True,
    }
    assert run.progress["jobs"]["fetched"] == 0
    assert g.Candidate.objects.get(external_id=changed["id"]).name == "Renamed"
    assert g.Candidate.objects.filter(tenant=tenant_a).count() == 4
    assert g.Guide.objects.filter(tenant=tenant_a).count() == 4
    assert SyncState.objects.get(resource="candidates").sync_token != first_tokens["candidates"]


@pytest.mark.django_db
def test_a_change_to_the_application_or_schedule_marks_the_guide_changed(fake, ashby):
    data = seed(fake, candidates=1)
    sync(ashby)
    guide = g.Guide.objects.get()
    g.Guide.objects.update(updated_at="2026-01-01T00:00:00Z")
    schedule = data["people"][0]["schedule"]
    schedule["updatedAt"] = "2026-04-01T00:00:00.000Z"
    schedule["interviewEvents"][0].update(
        startTime="2026-04-02T15:00:00.000Z",
        endTime="2026-04-02T16:00:00.000Z",
        updatedAt="2026-04-01T00:00:00.000Z",
    )
    fake.put("interviewSchedule.list", schedule)

    sync(ashby)

    guide.refresh_from_db()
    assert guide.updated_at.year == 2026 and guide.updated_at.month != 1
    assert g.InterviewEvent.objects.get().start_time.isoformat() == "2026-04-02T15:00:00+00:00"


@pytest.mark.django_db
def test_stages_are_fetched_again_only_for_plans_that_changed(fake, ashby):
    data = seed(fake, candidates=1)
    sync(ashby)
    fake.calls.clear()

    sync(ashby)
    assert fake.calls_to("interviewStage.list") == []

    fake.stages[data["plan"]["id"]][0]["title"] = "Phone screen"
    fake.put("interviewPlan.list", {**data["plan"], "updatedAt": "2026-05-01T00:00:00.000Z"})
    run = sync(ashby)

    assert fake.calls_to("interviewStage.list") == [{"interviewPlanId": data["plan"]["id"]}]
    assert g.InterviewStage.objects.filter(title="Phone screen").exists()
    assert run.progress["interview_stages"]["updated"] == 1


@pytest.mark.parametrize(
    "code", ["sync_token_expired", "sync_token_invalid", "incremental_sync_too_large"]
)
@pytest.mark.django_db
def test_a_refused_token_falls_back_to_a_full_pass_of_that_resource(fake, ashby, tenant_a, code):
    data = seed(fake, candidates=2)
    sync(ashby)
    gone = data["people"][0]  # deleted in Ashby: only a full pass can see that
    fake.delete("candidate.list", gone["candidate"]["id"])
    fake.delete("application.list", gone["application"]["id"])
    fake.delete("interviewSchedule.list", gone["schedule"]["id"])
    fake.fail("candidate.list", code=code)
    fake.calls.clear()

    run = sync(ashby)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    calls = fake.calls_to("candidate.list")
    assert "syncToken" in calls[0] and calls[1] == {"limit": 100}
    assert "syncToken" in fake.calls_to("job.list")[0]  # other resources stay incremental
    assert run.progress["candidates"]["deleted"] == 1
    assert list(
        g.Candidate.objects.filter(tenant=tenant_a).values_list("external_id", flat=True)
    ) == [data["people"][1]["candidate"]["id"]]
    assert SyncState.objects.get(resource="candidates").last_full_sync_at > run.started_at


@pytest.mark.django_db
def test_an_expired_cursor_restarts_the_pass_from_its_first_page(fake, ashby, tenant_a, settings):
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    seed(fake, candidates=5)
    fake.fail("candidate.list", code="next_cursor_expired", after=2)

    run = sync(ashby)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    cursors = [body.get("cursor") for body in fake.calls_to("candidate.list")]
    assert cursors == [None, "2", "4", None, "2", "4"]
    assert g.Candidate.objects.filter(tenant=tenant_a).count() == 5


# --- faults -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_injected_429_and_5xx_faults_give_the_same_data_as_a_clean_run(
    fake, ashby, tenant_a, tenant_b
):
    seed(fake, candidates=4)
    clean = AshbyConnection(tenant=tenant_b)
    clean.api_key = "other-key"
    clean.save()
    sync(clean)
    fake.fail("candidate.list", status=429, after=0, times=2)
    fake.fail("application.list", status=503)
    fake.fail("interviewSchedule.list", status=502)
    fake.fail("user.list", status=500)

    run = sync(ashby)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert snapshot(tenant_a) == snapshot(tenant_b)
    assert len(fake.calls_to("candidate.list")) == 1 + 2 + 1  # tenant B's, 2 refused, 1 ok


@pytest.mark.django_db
def test_a_failed_sync_keeps_what_committed_and_the_next_run_resumes_without_duplicates(
    fake, ashby, tenant_a, settings
):
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    seed(fake, candidates=5)
    fake.fail("candidate.list", status=500, after=2, times=10)  # pages 1-2 commit, page 3 fails

    failed = sync(ashby)

    assert failed.status == SyncRun.Status.FAILED
    assert failed.error.startswith("candidates:")
    assert failed.progress["candidates"]["error"]
    assert g.Candidate.objects.filter(tenant=tenant_a).count() == 4  # what committed stays
    assert g.Job.objects.filter(tenant=tenant_a).count() == 1
    state = SyncState.objects.get(resource="candidates")
    assert state.sync_token == "" and state.cursor  # pass not finished, its next page saved
    assert g.InterviewSchedule.objects.count() == 0  # the run stopped before the schedules
    fake.faults.clear()
    fake.calls.clear()

    resumed = sync(ashby)

    assert resumed.status == SyncRun.Status.SUCCEEDED, resumed.error
    assert g.Candidate.objects.filter(tenant=tenant_a).count() == 5
    assert g.Application.objects.filter(tenant=tenant_a).count() == 5
    assert g.Guide.objects.filter(tenant=tenant_a).count() == 5
    assert "syncToken" in fake.calls_to("job.list")[-1]  # finished resources are incremental now
    # The interrupted pass goes on from its saved cursor, not from its first page.
    assert fake.calls_to("candidate.list") == [{"limit": 2, "cursor": state.cursor}]
    assert resumed.progress["candidates"]["created"] == 1


@pytest.mark.django_db
def test_a_revoked_key_stops_the_sync_and_marks_the_connection_needs_attention(fake, ashby):
    seed(fake)
    fake.fail("location.list", status=401, code="invalid_api_key")

    run = sync(ashby)

    ashby.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "refused the API key" in run.error
    assert ashby.status == AshbyConnection.Status.NEEDS_ATTENTION
    assert "no longer accepts the stored API key" in ashby.status_reason
    assert "syncing is paused" in ashby.status_reason
    assert fake.calls_to("user.list") == []  # stopped at once
    assert run_queued_sync(ashby.pk, client=client()) is None  # and no more syncs until fixed


@pytest.mark.django_db
def test_a_lost_permission_skips_that_resource_then_pauses_the_connection(fake, ashby, tenant_a):
    seed(fake, candidates=1)
    fake.fail("interview.list", status=403, code="missing_endpoint_permission")

    run = sync(ashby)

    assert run.status == SyncRun.Status.FAILED
    assert run.error.startswith("interviews: ")
    assert run.progress["interviews"]["error"]
    assert g.Candidate.objects.filter(tenant=tenant_a).count() == 1  # the rest still synced
    assert g.InterviewSchedule.objects.filter(tenant=tenant_a).count() == 1
    ashby.refresh_from_db()
    assert ashby.status == AshbyConnection.Status.NEEDS_ATTENTION
    assert "permission" in ashby.status_reason


# --- deletions --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_full_sync_removes_what_ashby_no_longer_returns(fake, ashby, tenant_a):
    data = seed(fake, candidates=3)
    sync(ashby)
    gone, kept = data["people"][0], data["people"][1]
    fake.delete("candidate.list", gone["candidate"]["id"])
    fake.delete("application.list", gone["application"]["id"])
    fake.delete("interviewSchedule.list", gone["schedule"]["id"])
    fake.delete("interviewSchedule.list", kept["schedule"]["id"])
    fake.delete("department.list", data["department"]["id"])
    fake.delete("user.list", data["users"][0]["id"])

    # Scheduled syncs are incremental and cannot see deletions: ask for a full one.
    SyncRun.objects.create(connection=ashby, full=True)
    run = sync(ashby)

    assert run.full and run.status == SyncRun.Status.SUCCEEDED, run.error
    candidates = set(
        g.Candidate.objects.filter(tenant=tenant_a).values_list("external_id", flat=True)
    )
    assert gone["candidate"]["id"] not in candidates and kept["candidate"]["id"] in candidates
    assert not g.Guide.objects.filter(candidate__external_id=gone["candidate"]["id"]).exists()
    assert not g.InterviewSchedule.objects.filter(external_id=kept["schedule"]["id"]).exists()
    assert not g.InterviewEvent.objects.filter(
        schedule__external_id=kept["schedule"]["id"]
    ).exists()
    assert g.Application.objects.filter(external_id=kept["application"]["id"]).exists()
    # Records others point at are archived or disabled, not deleted.
    assert g.Department.objects.get().is_archived is True
    assert g.Interviewer.objects.get(external_id=data["users"][0]["id"]).is_enabled is False
    assert run.progress["candidates"]["deleted"] == 1
    # The deleted candidate's schedule went with the candidate; the other one in its own pass.
    assert run.progress["interview_schedules"]["deleted"] == 1
    assert SyncSeen.objects.count() == 0


@pytest.mark.django_db
def test_a_full_pass_that_deleted_candidates_makes_the_later_passes_full(fake, ashby, tenant_a):
    """A candidate merged away takes its applications and schedules with it; they come back
    under the kept candidate only if the later resources are read in full too."""
    data = seed(fake, candidates=2)
    sync(ashby)
    kept, merged = data["people"][0]["candidate"], data["people"][1]
    fake.delete("candidate.list", merged["candidate"]["id"])
    application = {
        **merged["application"],
        "candidate": {**merged["application"]["candidate"], "id": kept["id"]},
    }
    fake.put("application.list", {**application, "updatedAt": "2026-05-01T00:00:00.000Z"})
    SyncState.objects.filter(resource="candidates").update(sync_token="")  # candidates go full
    fake.calls.clear()

    run = sync(ashby)

    assert "syncToken" not in fake.calls_to("interviewSchedule.list")[0]
    assert "syncToken" in fake.calls_to("job.list")[0]  # before candidates: unaffected
    moved = g.Application.objects.get(external_id=application["id"])
    assert moved.candidate.external_id == kept["id"]
    assert g.InterviewSchedule.objects.filter(application=moved).count() == 1
    assert run.progress["candidates"]["deleted"] == 1


@pytest.mark.django_db
def test_an_event_removed_from_its_schedule_is_deleted_and_interviewers_replaced(fake, ashby):
    data = seed(fake, candidates=1)
    sync(ashby)
    schedule = data["people"][0]["schedule"]
    event = schedule["interviewEvents"][0]
    second = {**event, "id": "e0000000-0000-4000-8000-00000000ffff"}
    rita = {**event["interviewers"][0], "id": data["users"][1]["id"], "firstName": "Rita"}
    second["interviewers"] = [rita]
    schedule.update(updatedAt="2026-04-01T00:00:00.000Z", interviewEvents=[second])
    fake.put("interviewSchedule.list", schedule)

    run = sync(ashby)

    assert list(g.InterviewEvent.objects.values_list("external_id", flat=True)) == [second["id"]]
    assert [i.first_name for i in g.InterviewEvent.objects.get().interviewers.all()] == ["Rita"]
    assert run.progress["interview_schedules"]["deleted"] == 1


@pytest.mark.django_db
def test_an_application_whose_candidate_is_unknown_gets_a_placeholder_candidate(
    fake, ashby, tenant_a
):
    data = seed(fake, candidates=1)
    fake.delete("candidate.list", data["people"][0]["candidate"]["id"])

    run = sync(ashby)

    candidate = g.Candidate.objects.get(tenant=tenant_a)
    assert (candidate.name, candidate.email) == ("Candidate 0", "grace@example.org")
    assert candidate.external_updated_at is None  # the real record will overwrite it
    assert g.Guide.objects.filter(candidate=candidate).exists()
    assert run.status == SyncRun.Status.SUCCEEDED


@pytest.mark.django_db
def test_a_schedule_of_an_unknown_application_is_skipped_and_noted(fake, ashby, tenant_a):
    seed(fake, candidates=1)
    orphan = fake.get("interviewSchedule.list", next(iter(fake.records["interviewSchedule.list"])))
    orphan.update(
        id="b0000000-0000-4000-8000-0000000000aa",
        applicationId="a0000000-0000-4000-8000-0000000000aa",
    )
    fake.put("interviewSchedule.list", orphan)

    run = sync(ashby)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.progress["interview_schedules"]["skipped"] == 1
    assert "unknown Application" in run.progress["interview_schedules"]["notes"][0]
    assert g.InterviewSchedule.objects.filter(tenant=tenant_a).count() == 1


@pytest.mark.django_db
def test_a_malformed_record_is_skipped_and_noted_not_fatal(fake, ashby, tenant_a):
    seed(fake, candidates=1)
    fake.put("candidate.list", {"name": "No id"} | {"id": "", "updatedAt": "yesterday"})

    run = sync(ashby)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.progress["candidates"]["skipped"] == 1
    assert "without a usable id" in run.progress["candidates"]["notes"][0]


# --- query counts -----------------------------------------------------------------------------


def _queries_per_page(fake, ashby, settings, page_size: int) -> dict[str, int]:
    settings.GUIDE_SYNC_PAGE_SIZE = page_size
    counts: dict[str, int] = {}
    from integrations.ashby import resources as sync_resources

    originals = {r.name: r.store for r in sync_resources.RESOURCES}

    def counting(name, store):
        def wrapped(ctx, records, c):
            with CaptureQueriesContext(db) as queries:
                store(ctx, records, c)
            counts[name] = max(counts.get(name, 0), len(queries.captured_queries))

        return wrapped

    patched = tuple(
        sync_resources.Resource(
            r.name, r.endpoint, r.body, counting(r.name, originals[r.name]), r.model, r.on_missing
        )
        for r in sync_resources.RESOURCES
    )
    engine_resources = sync_resources.BY_NAME
    sync_resources.BY_NAME = {r.name: r for r in patched}
    try:
        sync(ashby)
    finally:
        sync_resources.BY_NAME = engine_resources
    return counts


@pytest.mark.django_db
def test_the_queries_per_page_do_not_depend_on_the_page_size(fake, ashby, settings, tenant_b):
    seed(fake, candidates=100)
    small = _queries_per_page(fake, ashby, settings, 10)
    other = AshbyConnection(tenant=tenant_b)
    other.api_key = "other-key"
    other.save()

    large = _queries_per_page(fake, other, settings, 100)

    assert small == large
    assert small["candidates"] <= 8 and small["interview_schedules"] <= 20


# --- one bad record never stops a sync (issue 15) -------------------------------------------


@pytest.mark.django_db
def test_a_plan_ashby_says_does_not_exist_is_noted_marked_and_never_asked_again(
    fake, ashby, tenant_a
):
    seed(fake, candidates=1)
    ghost = g.InterviewPlan.objects.create(tenant=tenant_a, external_id="plan-from-a-webhook")

    first = sync(ashby)
    asked = [b["interviewPlanId"] for b in fake.calls_to("interviewStage.list")]
    second = run_queued_sync(ashby.pk, client=client(), full=True)

    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    assert asked.count("plan-from-a-webhook") == 1
    assert "plan-from-a-webhook: Ashby says it does not exist" in " ".join(
        first.progress["interview_stages"]["notes"]
    )
    assert g.Candidate.objects.filter(tenant=tenant_a).count() == 1  # the rest went on
    ghost.refresh_from_db()
    assert ghost.not_found_at is not None
    assert second.status == SyncRun.Status.SUCCEEDED
    again = [b["interviewPlanId"] for b in fake.calls_to("interviewStage.list")]
    assert again.count("plan-from-a-webhook") == 1  # not asked on the next sync


@pytest.mark.django_db
def test_a_plan_marked_not_found_is_asked_again_once_ashby_lists_it(fake, ashby, tenant_a):
    data = seed(fake, candidates=1)
    sync(ashby)
    plan = g.InterviewPlan.objects.get(tenant=tenant_a, external_id=data["plan"]["id"])
    g.InterviewPlan.objects.filter(pk=plan.pk).update(not_found_at=plan.synced_at)

    run_queued_sync(ashby.pk, client=client(), full=True)

    plan.refresh_from_db()
    assert plan.not_found_at is None
    assert plan.stages.count() == 2


@pytest.mark.django_db
def test_a_record_that_cannot_be_stored_is_skipped_and_the_rest_of_its_page_stored(
    fake, ashby, tenant_a, monkeypatch
):
    from integrations.ashby import mapping

    seed(fake, candidates=3)
    bad = fake.records["candidate.list"]
    bad_id = sorted(bad)[1]
    original = mapping.map_candidate

    def unforeseen(obj, notes=None):
        if obj.get("id") == bad_id:
            raise TypeError("a shape no mapping foresaw")
        return original(obj, notes)

    monkeypatch.setattr(mapping, "map_candidate", unforeseen)

    run = sync(ashby)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    full = g.Candidate.objects.filter(tenant=tenant_a, external_updated_at__isnull=False)
    # The other two are stored in full; the skipped one is at most the placeholder its
    # application's summary makes, until a sync can read it.
    assert set(full.values_list("external_id", flat=True)) == set(bad) - {bad_id}
    progress = run.progress["candidates"]
    assert progress["skipped"] == 1
    assert progress["notes"] == [
        f"Candidate {bad_id} could not be stored (TypeError) and was skipped; the rest of the "
        "sync went on."
    ]


@pytest.mark.django_db
def test_a_sync_repairs_a_stored_copy_as_new_as_ashbys_but_different(fake, ashby, tenant_a):
    seed(fake, candidates=1)
    sync(ashby)
    before = snapshot(tenant_a)
    # What a partial delivery used to do: the job and recruiter blanked, updatedAt unchanged.
    g.Application.objects.filter(tenant=tenant_a).update(job=None, recruiter=None)

    run_queued_sync(ashby.pk, client=client(), full=True)

    assert snapshot(tenant_a) == before


@pytest.mark.django_db
def test_a_schedule_listed_without_its_events_gets_them_before_the_page_transaction(
    fake, ashby, tenant_a
):
    seed(fake, candidates=1)
    schedule = fake.get(
        "interviewSchedule.list", next(iter(fake.records["interviewSchedule.list"]))
    )
    events = schedule.pop("interviewEvents")
    fake.put("interviewSchedule.list", schedule)
    fake.events[schedule["id"]] = events
    depth_at_call: list[int] = []

    def record_depth(endpoint: str) -> None:
        if endpoint == "interviewEvent.list":
            depth_at_call.append(len(db.atomic_blocks))

    fake.on_call = record_depth
    test_depth = len(db.atomic_blocks)

    run = sync(ashby)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert depth_at_call == [test_depth]  # no page transaction open around the call
    stored = g.InterviewEvent.objects.filter(tenant=tenant_a)
    assert sorted(stored.values_list("external_id", flat=True)) == sorted(e["id"] for e in events)
