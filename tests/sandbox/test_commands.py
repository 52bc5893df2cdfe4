"""The management commands scripts and benchmarks use."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from ashby_sandbox import models as m
from ashby_sandbox.keys import GUIDE_PERMISSIONS, hash_key


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def _snapshot():
    return (
        list(m.Candidate.objects.order_by("id").values_list("id", "name", "timezone")),
        list(m.Application.objects.order_by("id").values_list("id", "status", "stage_id")),
        list(m.Job.objects.order_by("id").values_list("id", "title", "status")),
        list(m.InterviewEvent.objects.order_by("id").values_list("id", "interviewer_ids")),
    )


def test_seed_is_deterministic(db):
    run("sandbox_seed", "--candidates", "25", "--seed", "9")
    first = _snapshot()
    run("sandbox_seed", "--candidates", "25", "--seed", "9", "--flush")
    assert _snapshot() == first
    run("sandbox_seed", "--candidates", "25", "--seed", "10", "--flush")
    assert _snapshot() != first


def test_seed_builds_a_realistic_organisation(db):
    run("sandbox_seed", "--candidates", "60", "--seed", "1")
    assert m.Candidate.objects.count() == 60
    assert {"Draft", "Open", "Closed", "Archived"} <= set(
        m.Job.objects.values_list("status", flat=True)
    )
    assert set(m.Application.objects.values_list("status", flat=True)) == {
        "Hired",
        "Archived",
        "Active",
        "Lead",
    }
    stages = set(m.Application.objects.values_list("stage__title", flat=True))
    assert len(stages) >= 6
    assert m.User.objects.filter(is_enabled=False).exists()
    assert len(set(m.Candidate.objects.values_list("timezone", flat=True))) >= 10
    assert m.InterviewEvent.objects.exclude(meeting_link="").exists()
    assert m.InterviewEvent.objects.exclude(location="").exists()
    assert m.Department.objects.filter(is_archived=True).exists()
    assert m.Location.objects.filter(is_archived=True).exists()


def test_seed_if_empty_leaves_existing_data_alone(db):
    run("sandbox_seed", "--candidates", "10", "--seed", "1")
    assert "nothing to do" in run("sandbox_seed", "--candidates", "50", "--if-empty")[-1]
    assert m.Candidate.objects.count() == 10
    with pytest.raises(CommandError, match="already has data"):
        run("sandbox_seed", "--candidates", "5")


def test_sandbox_key_prints_only_the_key_on_the_last_line(db):
    lines = run("sandbox_key", "--name", "Guide", "--partner", "Guide", "--permissions", "guide")
    key = m.ApiKey.objects.get(key_hash=hash_key(lines[-1]))
    assert sorted(key.permissions) == sorted(GUIDE_PERMISSIONS) and key.partner == "Guide"


def test_sandbox_key_if_absent_creates_the_demo_key_once(db):
    args = ("sandbox_key", "--name", "Guide demo", "--if-absent", "--announce")
    first = run(*args)
    assert "shown only now" in first[0] and len(first[-1]) == 64
    second = run(*args)
    assert "already exists" in second[-1]
    assert m.ApiKey.objects.filter(title="Guide demo").count() == 1


def test_sandbox_key_takes_permissions_and_faults(db):
    secret = run(
        "sandbox_key",
        "--name",
        "bench",
        "--permissions",
        "candidatesRead,jobsRead",
        "--error-rate",
        "0.1",
        "--rate-limit-rate",
        "0.05",
        "--latency-ms",
        "50",
    )[-1]
    key = m.ApiKey.objects.get(key_hash=hash_key(secret))
    assert key.permissions == ["jobsRead", "candidatesRead"]
    assert (key.error_rate, key.rate_limit_rate, key.latency_ms) == (0.1, 0.05, 50)
    with pytest.raises(CommandError, match="Unknown permissions"):
        run("sandbox_key", "--name", "x", "--permissions", "everything")


def test_sandbox_activity_runs_each_operation(org):
    app = m.Application.objects.filter(status="Active").first()
    job = m.Job.objects.filter(status="Open").first()
    new_app = run("sandbox_activity", "add-candidate", "--job", str(job.id), "--name", "Kai Sato")[
        -1
    ]
    assert m.Application.objects.get(id=new_app).candidate.name == "Kai Sato"
    run("sandbox_activity", "move-stage", str(app.id))
    schedule = run("sandbox_activity", "schedule", str(app.id), "--start", "2030-01-02T15:00:00Z")[
        -1
    ]
    run("sandbox_activity", "reschedule", schedule, "--start", "2030-01-03T16:00:00Z")
    event = m.InterviewEvent.objects.filter(schedule_id=schedule).order_by("start_time").first()
    assert event.start_time.isoformat().startswith("2030-01-03T16:00")
    run("sandbox_activity", "cancel", schedule)
    assert m.InterviewSchedule.objects.get(id=schedule).status == "Cancelled"
    run("sandbox_activity", "hire", str(app.id))
    assert m.Application.objects.get(id=app.id).status == "Hired"
    other = m.Application.objects.filter(status="Active").first()
    run("sandbox_activity", "archive", str(other.id), "--reason", "Withdrew")
    assert m.Application.objects.get(id=other.id).archive_reason == "Withdrew"
    a, b, c = m.Candidate.objects.filter(is_deleted=False)[:3]
    run("sandbox_activity", "merge", str(a.id), str(b.id))
    run("sandbox_activity", "delete-candidate", str(c.id))
    assert m.Candidate.objects.get(id=b.id).merged_into_id == a.id
    assert m.Candidate.objects.get(id=c.id).is_deleted
    new_job = run("sandbox_activity", "create-job", "--title", "Chef", "--status", "Draft")[-1]
    run("sandbox_activity", "update-job", new_job, "--status", "Open")
    assert m.Job.objects.get(id=new_job).status == "Open"


def test_sandbox_activity_explains_bad_input(org):
    with pytest.raises(CommandError, match="needs an id"):
        run("sandbox_activity", "hire")
    with pytest.raises(CommandError, match="No application with id"):
        run("sandbox_activity", "hire", "00000000-0000-4000-8000-000000000000")
    with pytest.raises(CommandError, match="not an IANA time zone"):
        run("sandbox_activity", "add-candidate", "--timezone", "Mars/Olympus")
    with pytest.raises(CommandError, match="ISO 8601"):
        run(
            "sandbox_activity",
            "reschedule",
            "00000000-0000-4000-8000-000000000000",
            "--start",
            "soon",
        )


def test_sandbox_deliver_sends_due_deliveries(org, receiver):
    from ashby_sandbox.webhook_sender import create_webhook

    create_webhook(webhook_type="jobCreate", request_url=receiver.url, secret_token="s")
    run("sandbox_activity", "create-job", "--title", "Chef")
    assert run("sandbox_deliver")[-1] == "1 delivery attempts made."
    assert receiver.actions() == ["ping", "jobCreate"]
