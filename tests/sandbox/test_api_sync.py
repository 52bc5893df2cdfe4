"""Lists: limits, cursors, syncTokens, their expiry, and Ashby's default filters."""

from __future__ import annotations

import datetime as dt

import pytest

from ashby_sandbox import activity
from ashby_sandbox import models as m


def full_pass(call, endpoint: str, body: dict | None = None, limit: int = 7):
    """Every page of a pass; returns (records, syncToken, pages)."""
    body = {**(body or {}), "limit": limit}
    records, pages = [], 0
    while True:
        page = call(endpoint, body).json()
        assert page["success"], page
        pages += 1
        records += page["results"]
        if not page["moreDataAvailable"]:
            assert "nextCursor" not in page
            return records, page["syncToken"], pages
        assert "syncToken" not in page  # only on the last page
        body = {**body, "cursor": page["nextCursor"]}


def test_limit_defaults_to_and_is_capped_at_100(db, call, settings):
    from ashby_sandbox.seed import seed

    seed(130, seed=1)
    assert len(call("candidate.list", {}).json()["results"]) == 100
    assert len(call("candidate.list", {"limit": 500}).json()["results"]) == 100
    assert len(call("candidate.list", {"limit": 3}).json()["results"]) == 3


def test_a_full_pass_returns_every_record_once(org, call):
    records, token, pages = full_pass(call, "application.list")
    expected = m.Application.objects.filter(job__confidential=False, is_deleted=False)
    assert sorted(r["id"] for r in records) == sorted(str(a.id) for a in expected)
    assert pages > 1 and token


def test_an_incremental_pass_returns_exactly_what_changed(org, call):
    _, token, _ = full_pass(call, "application.list")
    active = list(m.Application.objects.filter(status="Active", job__confidential=False)[:3])
    moved = activity.move_stage(active[0].id)
    archived = activity.archive(active[1].id)
    hired = activity.hire(active[2].id)
    new = activity.add_candidate(m.Job.objects.filter(status="Open", confidential=False).first().id)

    changed, next_token, _ = full_pass(call, "application.list", {"syncToken": token}, limit=2)

    by_id = {r["id"]: r for r in changed}
    assert set(by_id) == {str(a.id) for a in (moved, archived, hired, new)}
    assert by_id[str(archived.id)]["status"] == "Archived"
    assert by_id[str(hired.id)]["status"] == "Hired"
    assert by_id[str(moved.id)]["currentInterviewStage"]["id"] == str(moved.stage_id)
    # Nothing changed since: the next incremental pass is empty and gives a new token.
    again, _, _ = full_pass(call, "application.list", {"syncToken": next_token})
    assert again == []


def test_incremental_candidates_include_new_and_updated_but_never_deleted(org, call):
    _, token, _ = full_pass(call, "candidate.list")
    cands = list(m.Candidate.objects.filter(confidential=False)[:3])
    activity.merge_candidates(cands[0].id, cands[1].id)
    activity.delete_candidate(cands[2].id)
    changed, _, _ = full_pass(call, "candidate.list", {"syncToken": token})
    assert [c["id"] for c in changed] == [str(cands[0].id)]
    full, _, _ = full_pass(call, "candidate.list", limit=100)
    ids = {c["id"] for c in full}
    assert str(cands[1].id) not in ids and str(cands[2].id) not in ids


def _archive_a_department():
    from ashby_sandbox.changes import touch

    dept = m.Department.objects.filter(is_archived=False).first()
    dept.is_archived = True
    touch(dept)
    dept.save()
    return dept


def test_incremental_passes_keep_the_default_filters(org, call):
    records, token, _ = full_pass(call, "department.list")
    assert all(not d["isArchived"] for d in records)
    _, token_all, _ = full_pass(call, "department.list", {"includeArchived": True})
    dept = _archive_a_department()
    hidden, _, _ = full_pass(call, "department.list", {"syncToken": token})
    assert hidden == []
    shown, _, _ = full_pass(
        call, "department.list", {"syncToken": token_all, "includeArchived": True}
    )
    assert [(d["id"], d["isArchived"]) for d in shown] == [(str(dept.id), True)]


def test_incremental_passes_can_show_what_the_filters_hide(org, call, settings):
    settings.SANDBOX_INCREMENTAL_SHOWS_HIDDEN = True
    _, token, _ = full_pass(call, "department.list")
    dept = _archive_a_department()
    changed, _, _ = full_pass(call, "department.list", {"syncToken": token})
    assert [(d["id"], d["isArchived"]) for d in changed] == [(str(dept.id), True)]


def test_job_list_hides_drafts_unless_asked(org, call):
    default, _, _ = full_pass(call, "job.list")
    assert default and "Draft" not in {j["status"] for j in default}
    assert {"Open", "Closed", "Archived"} <= {j["status"] for j in default}
    drafts, _, _ = full_pass(call, "job.list", {"status": ["Draft"]})
    assert drafts and {j["status"] for j in drafts} == {"Draft"}


def test_confidential_jobs_need_the_key_toggle(org, call, make_key):
    hidden, _, _ = full_pass(call, "job.list", {"status": ["Open", "Closed", "Archived", "Draft"]})
    allowed_key = make_key(allow_confidential=True)
    body = {"status": ["Open", "Closed", "Archived", "Draft"], "limit": 100}
    shown = call("job.list", body, secret=allowed_key).json()["results"]
    assert not any(j["confidential"] for j in hidden)
    assert any(j["confidential"] for j in shown)
    secret_job = next(j for j in shown if j["confidential"])
    missing = call("job.info", {"id": secret_job["id"]}).json()
    assert missing["errorInfo"]["code"] == "job_not_found"


def test_user_list_hides_deactivated_users_unless_asked(org, call):
    enabled, _, _ = full_pass(call, "user.list")
    everyone, _, _ = full_pass(call, "user.list", {"includeDeactivated": True})
    assert all(u["isEnabled"] for u in enabled)
    assert len(everyone) > len(enabled)
    assert m.User.objects.count() == len(everyone)


def test_interview_list_hides_archived_and_job_specific_interviews(org, call):
    shared, _, _ = full_pass(call, "interview.list")
    assert shared and all("jobId" not in i and not i["isArchived"] for i in shared)
    body = {"includeArchived": True, "includeNonSharedInterviews": True}
    everything, _, _ = full_pass(call, "interview.list", body, limit=100)
    assert len(everything) == m.Interview.objects.count()


def test_created_after_filters_by_milliseconds(org, call):
    newest = m.Candidate.objects.filter(confidential=False).order_by("-created_at").first()
    after = int((newest.created_at - dt.timedelta(seconds=1)).timestamp() * 1000)
    records = call("candidate.list", {"createdAfter": after}).json()["results"]
    assert str(newest.id) in {c["id"] for c in records}
    assert len(records) < m.Candidate.objects.count()


@pytest.mark.parametrize(
    ("setting", "body_key", "code"),
    [
        ("SANDBOX_SYNC_TOKEN_LIFETIME_SECONDS", "syncToken", "sync_token_expired"),
        ("SANDBOX_CURSOR_LIFETIME_SECONDS", "cursor", "next_cursor_expired"),
    ],
)
def test_expired_tokens_and_cursors(org, call, settings, setting, body_key, code, assert_valid):
    first = call("candidate.list", {"limit": 5}).json()
    _, token, _ = full_pass(call, "candidate.list", limit=100)
    value = token if body_key == "syncToken" else first["nextCursor"]
    setattr(settings, setting, 0)
    body = call("candidate.list", {body_key: value, "limit": 5}).json()
    assert body["success"] is False
    assert body["errorInfo"]["code"] == code
    assert (
        "full sync" in body["errorInfo"]["message"] or "first page" in body["errorInfo"]["message"]
    )
    assert_valid("candidate.list", body)


def test_invalid_tokens_and_cursors(org, call):
    _, job_token, _ = full_pass(call, "job.list")
    job_cursor = call("job.list", {"limit": 1}).json()["nextCursor"]
    for body, code in [
        ({"syncToken": "garbage"}, "sync_token_invalid"),
        ({"syncToken": job_token}, "sync_token_invalid"),  # another endpoint's token
        ({"cursor": "garbage"}, "invalid_next_cursor"),
        ({"cursor": job_cursor}, "invalid_next_cursor"),
        ({"cursor": job_cursor[:-3] + "abc"}, "invalid_next_cursor"),  # tampered
    ]:
        assert call("candidate.list", body).json()["errorInfo"]["code"] == code


def test_incremental_sync_too_large(org, call, settings):
    _, token, _ = full_pass(call, "application.list")
    for app in m.Application.objects.filter(status="Active", job__confidential=False)[:3]:
        activity.move_stage(app.id)
    settings.SANDBOX_INCREMENTAL_SYNC_MAX_RECORDS = 2
    body = call("application.list", {"syncToken": token}).json()
    assert body["errorInfo"]["code"] == "incremental_sync_too_large"
    settings.SANDBOX_INCREMENTAL_SYNC_MAX_RECORDS = 3
    assert call("application.list", {"syncToken": token}).json()["success"] is True


def test_filters_narrow_lists(org, call):
    app = m.Application.objects.filter(job__confidential=False).first()
    by_job = call("application.list", {"jobId": str(app.job_id), "limit": 100}).json()["results"]
    assert by_job and {a["job"]["id"] for a in by_job} == {str(app.job_id)}
    hired = call("application.list", {"status": "Hired", "limit": 100}).json()["results"]
    assert hired and {a["status"] for a in hired} == {"Hired"}
    schedule = m.InterviewSchedule.objects.filter(application__job__confidential=False).first()
    body = {"applicationId": str(schedule.application_id)}
    schedules = call("interviewSchedule.list", body).json()["results"]
    assert str(schedule.id) in {s["id"] for s in schedules}
    events = call("interviewEvent.list", {"interviewScheduleId": str(schedule.id)}).json()
    assert {e["interviewScheduleId"] for e in events["results"]} == {str(schedule.id)}


def test_seeded_schedules_have_past_and_future_events_with_a_place(org):
    from django.utils import timezone

    events = list(m.InterviewEvent.objects.all())
    now = timezone.now()
    assert any(e.start_time > now for e in events) and any(e.start_time < now for e in events)
    assert all(e.location or e.meeting_link for e in events)
    assert all(e.interviewer_ids for e in events)
