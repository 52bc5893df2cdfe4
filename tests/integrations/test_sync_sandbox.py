"""The sync against the Ashby sandbox over real HTTP (pytest-django's live_server).

Guide reaches the sandbox only through ASHBY_API_URL; the sandbox is seeded and driven with
its own management commands, never imported.
"""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import call_command, get_commands

from guides import models as g
from integrations.ashby.client import AshbyClient, RetryPolicy
from integrations.models import AshbyConnection, SyncRun, SyncState
from integrations.sync_runs import run_queued_sync

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "sandbox_seed" not in get_commands(), reason="needs the Ashby sandbox (ashby_sandbox)"
    ),
]


def _manage(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()[-1] if out.getvalue().strip() else ""


@pytest.fixture
def sandbox(live_server, settings):
    settings.ASHBY_API_URL = live_server.url + "/sandbox/ashby/api"
    settings.SANDBOX_WEBHOOK_SENDER = "manual"
    settings.SANDBOX_RATE_LIMIT_PER_MINUTE = 100_000
    _manage("sandbox_seed", "--candidates", "25", "--seed", "5")
    return live_server


def _connect(tenant, *key_args: str) -> AshbyConnection:
    key = _manage(
        "sandbox_key", "--name", f"guide-{tenant.slug}", "--permissions", "guide", *key_args
    )
    connection = AshbyConnection(tenant=tenant, key_title="Guide")
    connection.api_key = key
    connection.save()
    return connection


def _sync(connection: AshbyConnection, *, full: bool = False) -> SyncRun:
    if full:
        SyncRun.objects.create(connection=connection, full=True)
    client = AshbyClient(
        connection.api_key, sleep=lambda s: None, retry=RetryPolicy(max_attempts=10, max_total=600)
    )
    run = run_queued_sync(connection.pk, client=client)
    assert run is not None
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    return run


def _api(connection: AshbyConnection, endpoint: str, body: dict | None = None) -> list[dict]:
    client = AshbyClient(connection.api_key)
    return [item for page in client.paginate(endpoint, body or {}) for item in page.results]


def _data(tenant) -> dict:
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
                "status",
            )
        ),
        "schedules": sorted(
            g.InterviewSchedule.objects.filter(tenant=tenant).values_list("external_id", "status")
        ),
        "events": sorted(
            g.InterviewEvent.objects.filter(tenant=tenant).values_list(
                "external_id", "start_time", "end_time"
            )
        ),
        "interviewers": sorted(
            g.InterviewEvent.interviewers.through.objects.filter(
                interviewevent__tenant=tenant
            ).values_list("interviewevent__external_id", "interviewer__external_id")
        ),
        "guides": sorted(
            g.Guide.objects.filter(tenant=tenant).values_list("candidate__external_id", flat=True)
        ),
        "jobs": sorted(g.Job.objects.filter(tenant=tenant).values_list("external_id", "status")),
    }


def test_a_full_then_an_incremental_sync_over_http_picks_up_exactly_the_changes(sandbox, tenant_a):
    ashby = _connect(tenant_a)

    full = _sync(ashby)

    listed = {c["id"] for c in _api(ashby, "candidate.list")}
    applications = _api(ashby, "application.list")
    applicants = {a["candidate"]["id"] for a in applications}
    stored = set(g.Candidate.objects.filter(tenant=tenant_a).values_list("external_id", flat=True))
    # Candidates of confidential jobs are not listed, but their other applications are: they
    # are kept as placeholders, so every visible application has its candidate and a guide.
    assert stored == listed | applicants
    assert full.progress["candidates"]["created"] == len(listed)
    hidden = g.Candidate.objects.filter(tenant=tenant_a, external_id__in=applicants - listed)
    assert all(c.external_updated_at is None for c in hidden)
    guides = set(
        g.Guide.objects.filter(tenant=tenant_a).values_list("candidate__external_id", flat=True)
    )
    assert guides == applicants
    assert g.Application.objects.filter(tenant=tenant_a).count() == len(applications)
    assert g.InterviewEvent.objects.filter(tenant=tenant_a).exists()
    every_job = _api(ashby, "job.list", {"status": ["Draft", "Open", "Closed", "Archived"]})
    assert g.Job.objects.filter(tenant=tenant_a).count() == len(every_job)
    application = next(a for a in applications if a["status"] == "Active")
    schedule = next(s for s in _api(ashby, "interviewSchedule.list") if s["status"] == "Scheduled")

    _manage("sandbox_activity", "move-stage", application["id"])
    _manage("sandbox_activity", "reschedule", schedule["id"], "--start", "2030-01-07T15:00:00Z")
    incremental = _sync(ashby)

    assert incremental.progress["applications"]["fetched"] == 1
    assert incremental.progress["applications"]["updated"] == 1
    assert incremental.progress["interview_schedules"]["fetched"] == 1
    assert incremental.progress["candidates"]["fetched"] == 0
    assert incremental.progress["jobs"]["fetched"] == 0
    moved = g.Application.objects.get(tenant=tenant_a, external_id=application["id"])
    assert moved.current_stage.external_id != application["currentInterviewStage"]["id"]
    first = (
        g.InterviewEvent.objects.filter(schedule__external_id=schedule["id"])
        .order_by("start_time")
        .first()
    )
    assert first.start_time.isoformat() == "2030-01-07T15:00:00+00:00"


def test_an_expired_token_falls_back_to_a_full_pass_over_http(sandbox, tenant_a, settings):
    ashby = _connect(tenant_a)
    first = _sync(ashby)
    unchanged = _sync(ashby)
    assert unchanged.progress["candidates"]["fetched"] == 0  # incremental: nothing changed
    settings.SANDBOX_SYNC_TOKEN_LIFETIME_SECONDS = 0

    run = _sync(ashby)

    # The refused tokens were dropped and every resource read in full again, changing nothing.
    assert run.progress["candidates"]["fetched"] == first.progress["candidates"]["fetched"] > 0
    assert run.progress["applications"]["fetched"] == first.progress["applications"]["fetched"]
    assert run.total("created") == 0 and run.total("deleted") == 0
    assert SyncState.objects.get(connection=ashby, resource="candidates").sync_token


def test_injected_faults_over_http_give_the_same_data_as_a_clean_run(
    sandbox, tenant_a, tenant_b, caplog
):
    clean = _connect(tenant_a)
    faulty = _connect(tenant_b, "--error-rate", "0.2", "--rate-limit-rate", "0.1")

    _sync(clean)
    with caplog.at_level(logging.WARNING, logger="integrations.ashby.client"):
        _sync(faulty)

    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert retries, "the sandbox injected no fault"

    clean_data, faulty_data = _data(tenant_a), _data(tenant_b)
    assert clean_data["candidates"]
    assert faulty_data == clean_data


def test_a_deleted_candidate_and_its_guide_go_with_the_next_full_sync(sandbox, tenant_a):
    ashby = _connect(tenant_a)
    _sync(ashby)
    victim = g.Guide.objects.filter(tenant=tenant_a).select_related("candidate").first().candidate

    _manage("sandbox_activity", "delete-candidate", victim.external_id)
    run = _sync(ashby, full=True)

    assert not g.Candidate.objects.filter(pk=victim.pk).exists()
    assert not g.Guide.objects.filter(candidate_id=victim.pk).exists()
    assert run.progress["candidates"]["deleted"] == 1
