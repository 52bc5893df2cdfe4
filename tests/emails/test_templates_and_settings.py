"""Message templates the company writes (fixed tokens, substituted, never executed) with a
preview on a real candidate; the email settings page and its cast."""

from __future__ import annotations

import pytest

from emails.models import EmailSettings, MessageTemplate
from emails.tokens import TemplateError, Values, check_template, render_html, render_text
from tests.guides import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("subject", "body", "named"),
    [
        ("Hi", "Dear {{firstname}}", "{{firstname}}"),
        ("Hi {{ tenant.api_key }}", "x", "{{ tenant.api_key }}"),
        ("Hi", "Dear {{first_name}", "'{{'"),
        ("Hi", "oops }} here", "'}}'"),
        ("Your day {{interviews}}", "x", "{{interviews}}"),
    ],
)
def test_unknown_or_broken_tokens_are_refused_with_a_sentence_naming_them(subject, body, named):
    with pytest.raises(
        TemplateError, match=named.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")
    ):
        check_template(subject, body)


def test_the_text_is_substituted_never_executed():
    values = Values(text={"first_name": "<b>Ada</b>", "guide_link": "https://g.test/g/x/"})
    body = "{% load static %}{{ first_name }} {{guide_link}} {# no comment #}"
    check_template("Subject", body)
    assert (
        render_text(body, values)
        == "{% load static %}<b>Ada</b> https://g.test/g/x/ {# no comment #}"
    )
    html = render_html(body, values)
    assert "&lt;b&gt;Ada&lt;/b&gt;" in html and "{% load static %}" in html
    assert '<a href="https://g.test/g/x/">https://g.test/g/x/</a>' in html


def test_admin_edits_a_template_and_previews_it_on_a_real_candidate(tenant_a, tenant_admin_client):
    cand = f.candidate(tenant_a, "Grace Hopper")
    f.application(tenant_a, cand, f.job(tenant_a, "Compiler Engineer"))
    guide = f.guide(tenant_a, cand)
    url = "/settings/emails/templates/guide_link/"
    preview = tenant_admin_client.post(
        url,
        {
            "subject": "For {{first_name}}",
            "body": "Your {{job_title}} guide",
            "action": "preview",
            "guide": guide.pk,
        },
    )
    assert preview.status_code == 200
    assert b"For Grace" in preview.content and b"Your Compiler Engineer guide" in preview.content
    assert not MessageTemplate.objects.exists()
    refused = tenant_admin_client.post(
        url, {"subject": "Hi", "body": "{{salary}}", "action": "save"}
    )
    assert (
        refused.status_code == 400
        and b"{{salary}}, which is not a token Guide knows" in refused.content
    )
    saved = tenant_admin_client.post(
        url, {"subject": "Hi {{first_name}}", "body": "{{guide_link}}", "action": "save"}
    )
    assert saved.status_code == 302
    assert MessageTemplate.objects.get(tenant=tenant_a).subject == "Hi {{first_name}}"
    tenant_admin_client.post(url, {"action": "reset"})
    assert not MessageTemplate.objects.exists()


def test_the_cast_on_templates(tenant_a, member_client, outsider_client, client, outsider_user):
    url = "/settings/emails/templates/reminder/"
    assert member_client.get(url).status_code == 200
    assert (
        member_client.post(url, {"subject": "x", "body": "y", "action": "save"}).status_code == 403
    )
    outsider_client.post(url, {"subject": "Bravo's", "body": "y", "action": "save"})
    assert list(MessageTemplate.objects.values_list("tenant__slug", flat=True)) == ["bravo"]
    assert client.get(url).status_code == 302
    assert member_client.get("/settings/emails/templates/payroll/").status_code == 404


def test_settings_turn_on_reminders_and_the_guide_link_per_job(tenant_a, tenant_admin_client):
    designer = f.job(tenant_a, "Designer")
    response = tenant_admin_client.post(
        "/settings/emails/",
        {
            "from_name": "Acme Talent",
            "reply_to": "recruiter",
            "reminder_hours": "48",
            "guide_link_trigger": "guide_created",
            "guide_link_jobs": "chosen",
            "guide_link_job_ids": [designer.pk],
        },
    )
    assert response.status_code == 302
    chosen = EmailSettings.objects.get(tenant=tenant_a)
    assert (chosen.reminder_hours, chosen.guide_link_jobs, chosen.from_name) == (
        48,
        "chosen",
        "Acme Talent",
    )
    assert chosen.guide_link_since is not None
    assert designer.email_setting.guide_link is True


def test_settings_refuse_a_missing_reply_to_address(tenant_a, tenant_admin_client):
    response = tenant_admin_client.post(
        "/settings/emails/",
        {
            "reply_to": "address",
            "reminder_hours": "24",
            "guide_link_trigger": "off",
            "guide_link_jobs": "all",
        },
    )
    assert response.status_code == 400
    assert b"Give the address replies go to" in response.content
    assert not EmailSettings.objects.exists()


def test_the_cast_on_settings(tenant_a, member_client, outsider_client, client):
    form = {
        "reply_to": "recruiter",
        "reminder_hours": "24",
        "guide_link_trigger": "off",
        "guide_link_jobs": "all",
    }
    assert member_client.get("/settings/emails/").status_code == 200
    assert member_client.post("/settings/emails/", form).status_code == 403
    assert outsider_client.post("/settings/emails/", form).status_code == 302
    assert not EmailSettings.objects.filter(tenant=tenant_a).exists()
    assert client.get("/settings/emails/").status_code == 302


def test_a_token_alone_in_its_paragraph_is_still_a_paragraph_and_the_list_a_block():
    values = Values(
        text={"guide_link": "https://g.test/g/x/", "recruiter_name": "Rita"},
        interviews_html='<ul class="interviews"><li>9:00</li></ul>',
    )
    html = render_html("Hi\n\n{{guide_link}}\n\n{{interviews}}\n\n{{recruiter_name}}", values)
    assert html == (
        "<p>Hi</p>\n"
        '<p><a href="https://g.test/g/x/">https://g.test/g/x/</a></p>\n'
        '<ul class="interviews"><li>9:00</li></ul>'
        "<p>Rita</p>\n"
    )


def test_the_preview_keeps_the_email_inside_its_sandboxed_frame(tenant_a, tenant_admin_client):
    cand = f.candidate(tenant_a, "Grace Hopper")
    f.application(tenant_a, cand, f.job(tenant_a))
    f.guide(tenant_a, cand)
    html = tenant_admin_client.get("/settings/emails/templates/guide_link/").content.decode()
    frame = html[html.index("<iframe") : html.index("</iframe>")]
    assert 'srcdoc="&lt;!doctype html&gt;' in frame and 'class="preview-frame"' in frame
    assert "<p>Hi Grace,</p>" not in html  # only escaped, inside the attribute
