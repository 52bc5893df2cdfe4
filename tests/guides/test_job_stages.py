"""Per-job stage texts: the names candidates see and what to expect, admins only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guides.models import Guide, InterviewStage
from tests.guides import factories as f

pytestmark = pytest.mark.django_db

JOBS = reverse("guides:jobs")


def stages_url(job) -> str:
    return reverse("guides:job_stages", args=[job.pk])


def formset_data(stages: list[InterviewStage], **changes) -> dict:
    """A POST of the stage formset; `changes` maps a stage title to (candidate_title, text)."""
    data = {
        "stages-TOTAL_FORMS": str(len(stages)),
        "stages-INITIAL_FORMS": str(len(stages)),
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "1000",
    }
    for i, stage in enumerate(stages):
        title, text = changes.get(stage.title, (stage.candidate_title, stage.what_to_expect))
        data[f"stages-{i}-id"] = str(stage.pk)
        data[f"stages-{i}-candidate_title"] = title
        data[f"stages-{i}-what_to_expect"] = text
    return data


def visible_stages(job) -> list[InterviewStage]:
    return list(
        job.interview_plan.stages.exclude(stage_type__in=["Lead", "Archived"]).order_by("order")
    )


def test_the_jobs_page_lists_the_tenants_jobs(member_client, tenant_a, tenant_b):
    f.job(tenant_a, "Backend Engineer")
    f.job(tenant_b, "Bravo Job")
    html = member_client.get(JOBS).content.decode()
    assert "Backend Engineer" in html and "Bravo Job" not in html
    assert "(7 stages)" in html


def test_the_stage_page_shows_the_visible_stages(tenant_admin_client, tenant_a):
    job = f.job(tenant_a)
    html = tenant_admin_client.get(stages_url(job)).content.decode()
    assert "Recruiter screen" in html and "Onsite" in html
    assert "New lead" not in html  # Lead and Archived stages are not shown to candidates
    assert 'name="stages-0-candidate_title"' in html


def test_an_admin_saves_stage_texts_and_the_guides_on_the_plan_move(tenant_admin_client, tenant_a):
    guide, app = f.candidate_with_guide(tenant_a)
    job = app.job
    elsewhere, _ = f.candidate_with_guide(tenant_a, "Other Person")
    long_ago = f.at("2026-01-01 00:00")
    Guide.objects.update(updated_at=long_ago)
    stages = visible_stages(job)

    data = formset_data(stages, Onsite=("Meet the team", "Four short conversations."))
    response = tenant_admin_client.post(stages_url(job), data, follow=True)

    assert "Saved 1 stage." in response.content.decode()
    onsite = f.stage(job.interview_plan, "Onsite")
    assert (onsite.candidate_title, onsite.what_to_expect) == (
        "Meet the team",
        "Four short conversations.",
    )
    assert onsite.title == "Onsite"  # the ATS's own name is kept
    assert Guide.objects.get(pk=guide.pk).updated_at > long_ago
    assert Guide.objects.get(pk=elsewhere.pk).updated_at == long_ago


def test_too_long_text_gets_a_clear_error(tenant_admin_client, tenant_a):
    job = f.job(tenant_a)
    stages = visible_stages(job)
    response = tenant_admin_client.post(
        stages_url(job), formset_data(stages, Onsite=("x", "y" * 4001))
    )
    assert response.status_code == 200
    assert "Ensure this value has at most 4000 characters" in response.content.decode()
    assert f.stage(job.interview_plan, "Onsite").what_to_expect == ""


def test_a_stage_of_another_plan_cannot_be_smuggled_in(tenant_admin_client, tenant_a, tenant_b):
    job = f.job(tenant_a)
    other = f.job(tenant_a, "Other job")
    foreign = f.job(tenant_b, "Bravo job")
    stages = visible_stages(job)
    data = formset_data(stages)
    for n, stolen in enumerate(
        [f.stage(other.interview_plan, "Onsite"), f.stage(foreign.interview_plan, "Onsite")]
    ):
        i = len(stages) + n
        data[f"stages-{i}-id"] = str(stolen.pk)
        data[f"stages-{i}-candidate_title"] = "Hacked"
        data[f"stages-{i}-what_to_expect"] = "Hacked"
    data["stages-TOTAL_FORMS"] = str(len(stages) + 2)

    tenant_admin_client.post(stages_url(job), data)

    assert not InterviewStage.objects.filter(candidate_title="Hacked").exists()
    assert InterviewStage.objects.count() == 21  # nothing created either


def test_a_job_without_a_plan_says_so(tenant_admin_client, tenant_a):
    job = f.job(tenant_a)
    job.interview_plan = None
    job.save()
    html = tenant_admin_client.get(stages_url(job)).content.decode()
    assert "This job has no interview plan yet" in html


def test_a_read_only_member_can_read_but_not_save(member_client, tenant_a):
    job = f.job(tenant_a)
    page = member_client.get(stages_url(job))
    assert page.status_code == 200
    assert "You have read-only access" in page.content.decode()
    assert "disabled" in page.content.decode()
    data = formset_data(visible_stages(job), Onsite=("Meet the team", "x"))
    assert member_client.post(stages_url(job), data).status_code == 403
    assert f.stage(job.interview_plan, "Onsite").candidate_title == ""


def test_the_outsider_gets_404_for_our_job(outsider_client, tenant_a):
    job = f.job(tenant_a)
    assert outsider_client.get(stages_url(job)).status_code == 404
    data = formset_data(visible_stages(job), Onsite=("Meet the team", "x"))
    assert outsider_client.post(stages_url(job), data).status_code == 404
    assert f.stage(job.interview_plan, "Onsite").candidate_title == ""


def test_the_outsider_sees_none_of_our_jobs_or_interviewers(outsider_client, tenant_a):
    job = f.job(tenant_a, "Acme Secret Job")
    f.interviewer(tenant_a, "Grace", "Hopper")
    jobs = outsider_client.get(JOBS).content.decode()
    assert "Acme Secret Job" not in jobs and stages_url(job) not in jobs
    people = outsider_client.get(reverse("guides:interviewers")).content.decode()
    assert "Grace Hopper" not in people


def test_signed_out_visitors_are_sent_to_sign_in(client, tenant_a):
    job = f.job(tenant_a)
    for url in (JOBS, stages_url(job), reverse("guides:interviewers")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
