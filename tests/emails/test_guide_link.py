"""The guide link email: per tenant and per job, off by default, on guide creation or first
interview; sent or resent by an admin from the Guides page and the guide's emails page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from emails.models import Email, EmailSettings, JobEmailSetting, Suppression
from emails.tasks import plan_and_send_emails
from tests.emails.conftest import parts
from tests.guides import factories as f

pytestmark = pytest.mark.django_db


def _guide(tenant, name="Ada Lovelace", the_job=None):
    cand = f.candidate(tenant, name)
    app = f.application(tenant, cand, the_job or f.job(tenant))
    return f.guide(tenant, cand), app


def _turn_on(tenant, trigger, **extra):
    return EmailSettings.objects.create(
        tenant=tenant,
        guide_link_trigger=trigger,
        guide_link_since=timezone.now() - dt.timedelta(minutes=1),
        reply_to="address",
        reply_to_address="jobs@acme.test",
        **extra,
    )


def test_off_by_default(smtp, tenant_a):
    _guide(tenant_a)
    plan_and_send_emails()
    assert smtp.messages == [] and not Email.objects.exists()


def test_a_new_guide_gets_its_link_once_from_the_company_template(smtp, tenant_a):
    from emails.models import MessageTemplate

    _turn_on(tenant_a, EmailSettings.Trigger.GUIDE_CREATED)
    MessageTemplate.objects.create(
        tenant=tenant_a,
        kind="guide_link",
        subject="{{first_name}}, your {{job_title}} guide",
        body="Hello {{candidate_name}}!\n\nOpen {{guide_link}} any time.\n\n{{recruiter_name}}",
    )
    guide, _ = _guide(tenant_a)
    assert plan_and_send_emails() == 1
    assert plan_and_send_emails() == 0
    [message] = smtp.messages
    assert message["Subject"] == "Ada, your Backend Engineer guide"
    assert message["Reply-To"] == "jobs@acme.test"
    body = parts(message)
    link = f"https://guide.test/g/{guide.token}/"
    assert f"Open {link} any time." in body["text"]
    assert f'Open <a href="{link}">{link}</a> any time.' in body["html"]
    assert "ics" not in body


def test_only_the_ticked_jobs_send_it(smtp, tenant_a):
    _turn_on(tenant_a, EmailSettings.Trigger.GUIDE_CREATED, guide_link_jobs="chosen")
    ticked, other = f.job(tenant_a, "Designer"), f.job(tenant_a, "Accountant")
    JobEmailSetting.objects.create(tenant=tenant_a, job=ticked, guide_link=True)
    _guide(tenant_a, "Ada Lovelace", ticked)
    _guide(tenant_a, "Bob Builder", other)
    assert plan_and_send_emails() == 1
    assert [m["To"] for m in smtp.messages] == ["ada@example.com"]


def test_on_first_interview_waits_for_an_interview(smtp, tenant_a):
    _turn_on(tenant_a, EmailSettings.Trigger.FIRST_INTERVIEW)
    _, app = _guide(tenant_a)
    assert plan_and_send_emails() == 0
    f.event(tenant_a, f.schedule(tenant_a, app), timezone.now() + dt.timedelta(days=3))
    assert plan_and_send_emails() == 1


def test_guides_made_before_it_was_turned_on_are_not_emailed(smtp, tenant_a):
    _guide(tenant_a)
    EmailSettings.objects.create(
        tenant=tenant_a,
        guide_link_trigger="guide_created",
        guide_link_since=timezone.now() + dt.timedelta(seconds=1),
    )
    assert plan_and_send_emails() == 0


def test_admin_sends_and_resends_from_the_guide_row(
    smtp, tenant_a, tenant_admin_client, django_capture_on_commit_callbacks
):
    guide, _ = _guide(tenant_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = tenant_admin_client.post(f"/guides/{guide.pk}/emails/send/", {"next": "list"})
    assert response.status_code == 302 and response["Location"] == "/guides/"
    with django_capture_on_commit_callbacks(execute=True):
        tenant_admin_client.post(f"/guides/{guide.pk}/emails/send/")
    assert len(smtp.to("ada@example.com")) == 2
    page = tenant_admin_client.get(f"/guides/{guide.pk}/emails/")
    assert page.status_code == 200
    assert page.content.count(b"Delivered") == 2 and b"sent by alice" in page.content
    assert b"Resend the guide link" in page.content
    listing = tenant_admin_client.get("/guides/")
    assert f'action="/guides/{guide.pk}/emails/send/"'.encode() in listing.content


def test_a_suppressed_address_is_refused_with_a_reason(smtp, tenant_a, tenant_admin_client):
    guide, _ = _guide(tenant_a)
    Suppression.objects.create(tenant=tenant_a, address="ada@example.com", reason="unsubscribed")
    response = tenant_admin_client.post(f"/guides/{guide.pk}/emails/send/", follow=True)
    assert b"ada@example.com is not written to: unsubscribed." in response.content
    assert smtp.messages == [] and not Email.objects.exists()


def test_the_cast_on_sending(smtp, tenant_a, member_client, outsider_client, client):
    guide, _ = _guide(tenant_a)
    assert member_client.post(f"/guides/{guide.pk}/emails/send/").status_code == 403
    assert outsider_client.post(f"/guides/{guide.pk}/emails/send/").status_code == 404
    assert outsider_client.get(f"/guides/{guide.pk}/emails/").status_code == 404
    assert client.post(f"/guides/{guide.pk}/emails/send/").status_code == 302
    assert member_client.get(f"/guides/{guide.pk}/emails/").status_code == 200
    assert smtp.messages == []
