"""A guide before and after each setting (texts, closing messages, stages, interview kinds),
the previews that save nothing, and the guide page's query count with everything set."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guides.models import Application, GuideSettings, Interview
from tests.guides import factories as f
from tests.guides.settings_helpers import (
    BRAND,
    INTERVIEWS,
    STAGES,
    TEXTS,
    image_file,
)

pytestmark = pytest.mark.django_db

NOW = f.at("2026-03-01 12:00")


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def _html(client, guide) -> str:
    response = client.get(reverse("guides:public", args=[guide.token]))
    assert response.status_code == 200
    return response.content.decode()


def _texts(**values) -> dict:
    return {
        "company_intro": "",
        "what_to_expect": "",
        "archived_message": "",
        "hired_message": "",
        **values,
    }


# --- Texts -----------------------------------------------------------------------------------


def test_the_company_texts_show_on_a_guide_in_progress(client, tenant_admin_client, tenant_a):
    guide, _ = f.candidate_with_guide(tenant_a)
    assert "About Acme" not in _html(client, guide)
    response = tenant_admin_client.post(
        TEXTS, _texts(company_intro="We build rockets.\nSafely.", what_to_expect="Three calls.")
    )
    assert response.status_code == 302
    html = _html(client, guide)
    assert "About Acme" in html and "We build rockets.<br>Safely." in html
    assert "What to expect" in html and "Three calls." in html


def test_an_archived_guide_shows_the_neutral_default_then_the_companys_text(
    client, tenant_admin_client, tenant_a
):
    recruiter = f.interviewer(tenant_a, "Rita", "Recruiter")
    guide, app = f.candidate_with_guide(tenant_a)
    app.status, app.archive_reason, app.recruiter = (
        Application.Status.ARCHIVED,
        "Too junior",
        recruiter,
    )
    app.save()
    html = _html(client, guide)
    assert "This process is closed" in html
    assert "Your application with Acme is closed." in html
    assert "Your recruiter is <strong>Rita Recruiter</strong>" in html
    assert "rita.recruiter@acme.test" in html and "Too junior" not in html

    tenant_admin_client.post(TEXTS, _texts(archived_message="We went another way. Thank you!"))
    html = _html(client, guide)
    assert "We went another way. Thank you!" in html and "This process is closed" in html
    assert "Your application with Acme is closed." not in html and "Too junior" not in html


def test_a_hired_guide_shows_the_companys_welcome(client, tenant_admin_client, tenant_a):
    guide, app = f.candidate_with_guide(tenant_a)
    app.status = Application.Status.HIRED
    app.save()
    assert "Congratulations, and welcome to Acme!" in _html(client, guide)
    tenant_admin_client.post(TEXTS, _texts(hired_message="See you on Monday at 9."))
    html = _html(client, guide)
    assert "See you on Monday at 9." in html and "Welcome to Acme" in html
    assert "Congratulations" not in html


def test_a_text_over_the_limit_is_refused_and_nothing_is_saved(tenant_admin_client, tenant_a):
    response = tenant_admin_client.post(
        TEXTS, _texts(company_intro="Fine.", hired_message="x" * 2001)
    )
    html = response.content.decode()
    assert "Ensure this value has at most 2000 characters (it has 2001)." in html
    assert not GuideSettings.objects.filter(tenant=tenant_a).exists()


def test_the_texts_preview_shows_a_closing_state_on_a_real_guide_and_saves_nothing(
    tenant_admin_client, tenant_a
):
    guide, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    response = tenant_admin_client.post(
        TEXTS,
        _texts(
            archived_message="Not this time.",
            preview="1",
            preview_guide=guide.pk,
            preview_as="archived",
        ),
    )
    html = response.content.decode()
    assert "Preview of unsaved settings on Ada Lovelace" in html
    assert "This process is closed" in html and "Not this time." in html
    assert not GuideSettings.objects.filter(tenant=tenant_a).exists()
    bad = tenant_admin_client.post(TEXTS, _texts(preview="1", preview_as="fired"))
    assert "Select a valid choice." in bad.content.decode()


def test_without_a_choice_the_preview_takes_a_guide_in_progress(tenant_admin_client, tenant_a):
    f.candidate_with_guide(tenant_a, "Ada Lovelace")
    closed, app = f.candidate_with_guide(tenant_a, "Zed Closed")
    app.status = Application.Status.ARCHIVED
    app.save()
    html = tenant_admin_client.post(
        TEXTS, _texts(company_intro="Hello", preview="1")
    ).content.decode()
    assert "Preview of unsaved settings on Ada Lovelace" in html and "Hello" in html


def test_with_no_guide_at_all_the_preview_says_so(tenant_admin_client, tenant_a):
    html = tenant_admin_client.post(TEXTS, _texts(preview="1")).content.decode()
    assert "There is no candidate guide to preview yet: sync first." in html


# --- Stages ----------------------------------------------------------------------------------


def _stage_fields(client) -> dict[str, str]:
    """The stage form's field names by stage name, read from the page."""
    html = client.get(STAGES).content.decode()
    names = re.findall(r"<legend><h2>([^<]+?) <span", html)
    fields = re.findall(r'name="(s[0-9a-f]{12})-title"', html)
    return dict(zip(names, fields, strict=True))


def test_stage_texts_by_name_apply_to_every_job_and_a_jobs_own_text_wins(
    client, tenant_admin_client, tenant_a
):
    ada, ada_app = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    bob, bob_app = f.candidate_with_guide(tenant_a, "Bob Builder")  # another job, another plan
    own = f.stage(bob_app.job.interview_plan, "Offer")
    own.what_to_expect = "Bob's job's own offer text."
    own.save()
    fields = _stage_fields(tenant_admin_client)
    assert list(fields) == ["Application review", "Recruiter screen", "Onsite", "Offer", "Hired"]
    assert "in 2 interview plans" in tenant_admin_client.get(STAGES).content.decode()
    before = _html(client, ada)
    assert "Meet the team" not in before

    onsite, offer = fields["Onsite"], fields["Offer"]
    response = tenant_admin_client.post(
        STAGES,
        {
            f"{onsite}-title": "Meet the team",
            f"{onsite}-description": "Four short conversations.",
            f"{offer}-description": "We call you with an offer.",
        },
    )
    assert response.status_code == 302
    for guide in (ada, bob):
        html = _html(client, guide)
        assert "Meet the team" in html and "Four short conversations." in html
    assert "We call you with an offer." in _html(client, ada)
    bob_html = _html(client, bob)
    assert "Bob&#x27;s job&#x27;s own offer text." in bob_html
    assert "We call you with an offer." not in bob_html


def test_a_hidden_stage_is_not_shown_and_the_candidate_stays_on_the_stage_before(
    client, tenant_admin_client, tenant_a
):
    plan = f.plan_with_stages(
        tenant_a,
        [("Screen", "Active"), ("Onsite", "Active"), ("Debrief", "Active"), ("Offer", "Offer")],
    )
    job = f.job(tenant_a, plan=plan)
    cand = f.candidate(tenant_a, "Dee Debrief")
    f.application(tenant_a, cand, job, stage_title="Debrief")
    guide = f.guide(tenant_a, cand)
    assert "Debrief" in _html(client, guide)
    debrief = _stage_fields(tenant_admin_client)["Debrief"]
    tenant_admin_client.post(STAGES, {f"{debrief}-hidden": "on"})
    html = _html(client, guide)
    assert "Debrief" not in html
    assert re.findall(r'<li class="step step-(\w+)"', html) == ["done", "current", "upcoming"]
    assert "You are at <strong>Onsite</strong>" in html


def test_a_stage_text_over_the_limit_is_refused(tenant_admin_client, tenant_a):
    f.candidate_with_guide(tenant_a)
    onsite = _stage_fields(tenant_admin_client)["Onsite"]
    response = tenant_admin_client.post(
        STAGES, {f"{onsite}-title": "x" * 256, f"{onsite}-description": "ok"}
    )
    assert "Ensure this value has at most 255 characters (it has 256)." in response.content.decode()
    assert not GuideSettings.objects.filter(tenant=tenant_a).exists()


def test_the_stages_preview_saves_nothing(tenant_admin_client, tenant_a):
    guide, _ = f.candidate_with_guide(tenant_a)
    onsite = _stage_fields(tenant_admin_client)["Onsite"]
    html = tenant_admin_client.post(
        STAGES, {f"{onsite}-title": "Meet the team", "preview": "1", "preview_guide": guide.pk}
    ).content.decode()
    assert "Preview of unsaved settings" in html and "Meet the team" in html
    assert not GuideSettings.objects.filter(tenant=tenant_a).exists()


def test_texts_of_a_stage_no_plan_uses_any_more_are_kept(tenant_admin_client, tenant_a):
    f.candidate_with_guide(tenant_a)
    GuideSettings.objects.create(
        tenant=tenant_a,
        stage_texts={"retired stage": {"title": "Old", "description": "", "hidden": False}},
    )
    onsite = _stage_fields(tenant_admin_client)["Onsite"]
    tenant_admin_client.post(STAGES, {f"{onsite}-title": "Meet the team"})
    texts = GuideSettings.objects.get(tenant=tenant_a).stage_texts
    assert set(texts) == {"retired stage", "onsite"}


# --- Interview kinds ---------------------------------------------------------------------------


def _schedule(tenant, app, start, interview):
    sched = f.schedule(tenant, app)
    return f.event(tenant, sched, start, the_interview=interview)


def test_a_hidden_interview_kind_leaves_the_guide_and_the_calendar(
    client, tenant_admin_client, tenant_a, frozen_now
):
    guide, app = f.candidate_with_guide(tenant_a)
    debrief = f.interview(tenant_a, "Hiring team debrief")
    design = f.interview(tenant_a, "System design")
    _schedule(tenant_a, app, NOW + dt.timedelta(days=2), debrief)
    _schedule(tenant_a, app, NOW + dt.timedelta(days=1), design)
    assert "Hiring team debrief" in _html(client, guide)

    response = tenant_admin_client.post(INTERVIEWS, {"hidden": [debrief.pk]})
    assert response.status_code == 302
    assert Interview.objects.get(pk=debrief.pk).hidden_from_candidates
    html = _html(client, guide)
    assert "Hiring team debrief" not in html and "System design" in html
    ics = client.get(reverse("guides:calendar_ics", args=[guide.token])).content.decode()
    assert "Hiring team debrief" not in ics and "System design" in ics

    tenant_admin_client.post(INTERVIEWS, {})  # none ticked: shown again
    assert "Hiring team debrief" in _html(client, guide)


def test_the_interviews_preview_saves_nothing(tenant_admin_client, tenant_a, frozen_now):
    guide, app = f.candidate_with_guide(tenant_a)
    debrief = f.interview(tenant_a, "Hiring team debrief")
    _schedule(tenant_a, app, NOW + dt.timedelta(days=2), debrief)
    html = tenant_admin_client.post(
        INTERVIEWS, {"hidden": [debrief.pk], "preview": "1", "preview_guide": guide.pk}
    ).content.decode()
    assert "Preview of unsaved settings" in html and "Hiring team debrief" not in html
    assert not Interview.objects.get(pk=debrief.pk).hidden_from_candidates


# --- The guide page's cost ---------------------------------------------------------------------


def _queries(client, guide) -> int:
    with CaptureQueriesContext(connection) as queries:
        _html(client, guide)
    return len(queries)


def test_the_guide_page_query_count_is_the_same_with_every_setting(
    client, tenant_admin_client, tenant_a, media, frozen_now
):
    guide, app = f.candidate_with_guide(tenant_a)
    _schedule(tenant_a, app, NOW + dt.timedelta(days=1), f.interview(tenant_a, "Design"))
    bare = _queries(client, guide)
    tenant_admin_client.post(BRAND, {"brand_color": "#0b7285", "logo": image_file()})
    tenant_admin_client.post(TEXTS, _texts(company_intro="Hi", archived_message="Closed."))
    onsite = _stage_fields(tenant_admin_client)["Onsite"]
    tenant_admin_client.post(STAGES, {f"{onsite}-description": "Lunch included."})
    html = _html(client, guide)
    assert "Lunch included." in html and "/media/logos/" in html
    assert _queries(client, guide) == bare == 5


def test_a_jobs_stage_texts_page_shows_the_tenants_texts_as_placeholders(
    tenant_admin_client, tenant_a
):
    _, app = f.candidate_with_guide(tenant_a)
    GuideSettings.objects.create(
        tenant=tenant_a,
        stage_texts={
            "onsite": {"title": "Meet the team", "description": "Lunch.", "hidden": False}
        },
    )
    html = tenant_admin_client.get(reverse("guides:job_stages", args=[app.job.pk])).content.decode()
    assert 'placeholder="Meet the team"' in html and 'placeholder="Lunch."' in html
    assert 'placeholder="Offer"' in html  # no tenant text: the ATS's name
