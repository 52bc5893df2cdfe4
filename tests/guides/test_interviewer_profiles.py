"""Interviewer profiles: list for every member, edits for admins, scoped to the tenant."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guides.models import Guide, Interviewer
from tests.guides import factories as f

pytestmark = pytest.mark.django_db

LIST = reverse("guides:interviewers")

VALID = {
    "display_name": "Grace B. Hopper",
    "title": "Staff Engineer",
    "photo_url": "https://img.example.com/grace.jpg",
    "pronouns": "she/her",
    "bio": "Writes compilers.",
    "linkedin_url": "https://www.linkedin.com/in/grace",
}


def edit_url(person: Interviewer) -> str:
    return reverse("guides:interviewer_edit", args=[person.pk])


def test_members_see_the_tenants_interviewers_without_edit_links(member_client, tenant_a, tenant_b):
    ours = f.interviewer(tenant_a, "Grace", "Hopper", title="Staff Engineer")
    f.interviewer(tenant_b, "Bob", "Bravo")
    html = member_client.get(LIST).content.decode()
    assert "Grace Hopper" in html and "Staff Engineer" in html
    assert "Bob Bravo" not in html
    assert edit_url(ours) not in html


def test_admins_get_edit_links_and_can_search(tenant_admin_client, tenant_a):
    grace = f.interviewer(tenant_a, "Grace", "Hopper")
    f.interviewer(tenant_a, "Alan", "Turing")
    html = tenant_admin_client.get(LIST, {"q": "hopp"}).content.decode()
    assert edit_url(grace) in html and "Alan Turing" not in html


def test_an_admin_edits_a_profile(tenant_admin_client, tenant_a):
    grace = f.interviewer(tenant_a, "Grace", "Hopper", email="grace@acme.test")
    assert tenant_admin_client.get(edit_url(grace)).status_code == 200

    response = tenant_admin_client.post(edit_url(grace), VALID, follow=True)

    assert "Saved the profile of Grace B. Hopper." in response.content.decode()
    grace.refresh_from_db()
    assert grace.title == "Staff Engineer" and grace.pronouns == "she/her"
    assert grace.linkedin_url == "https://www.linkedin.com/in/grace"
    assert grace.profile_updated_at is not None
    # The fields from the ATS are untouched.
    assert (grace.first_name, grace.last_name, grace.email) == (
        "Grace",
        "Hopper",
        "grace@acme.test",
    )


def test_saving_a_profile_touches_the_guides_that_show_it(tenant_admin_client, tenant_a):
    guide, app = f.candidate_with_guide(tenant_a)
    untouched, _ = f.candidate_with_guide(tenant_a, "Other Person")
    grace = f.interviewer(tenant_a, "Grace", "Hopper")
    f.event(tenant_a, f.schedule(tenant_a, app), f.at("2026-03-08 15:00"), interviewers=[grace])
    long_ago = f.at("2026-01-01 00:00")
    Guide.objects.update(updated_at=long_ago)

    tenant_admin_client.post(edit_url(grace), VALID)

    assert Guide.objects.get(pk=guide.pk).updated_at > long_ago
    assert Guide.objects.get(pk=untouched.pk).updated_at == long_ago


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("photo_url", "javascript:alert(1)", "Enter a web address starting with https://."),
        (
            "photo_url",
            "ftp://files.example.com/a.jpg",
            "Enter a web address starting with https://.",
        ),
        ("linkedin_url", "https://evil.example.com/in/grace", "Enter a LinkedIn address"),
        ("linkedin_url", "https://linkedin.com.evil.test/in/x", "Enter a LinkedIn address"),
        ("bio", "x" * 2001, "Ensure this value has at most 2000 characters"),
    ],
)
def test_bad_profile_input_gets_a_clear_error_and_saves_nothing(
    tenant_admin_client, tenant_a, field, value, error
):
    grace = f.interviewer(tenant_a, "Grace", "Hopper")
    response = tenant_admin_client.post(edit_url(grace), {**VALID, field: value})
    assert response.status_code == 200
    assert error in response.content.decode()
    grace.refresh_from_db()
    assert grace.title == "" and grace.profile_updated_at is None


def test_a_url_without_scheme_is_taken_as_https(tenant_admin_client, tenant_a):
    grace = f.interviewer(tenant_a, "Grace", "Hopper")
    tenant_admin_client.post(edit_url(grace), {**VALID, "linkedin_url": "linkedin.com/in/grace"})
    grace.refresh_from_db()
    assert grace.linkedin_url == "https://linkedin.com/in/grace"


def test_a_read_only_member_cannot_edit(member_client, tenant_a):
    grace = f.interviewer(tenant_a, "Grace", "Hopper")
    assert member_client.get(edit_url(grace)).status_code == 403
    assert member_client.post(edit_url(grace), VALID).status_code == 403
    grace.refresh_from_db()
    assert grace.title == ""


def test_the_outsider_gets_404_for_our_interviewer(outsider_client, tenant_a):
    grace = f.interviewer(tenant_a, "Grace", "Hopper")
    assert outsider_client.get(edit_url(grace)).status_code == 404
    assert outsider_client.post(edit_url(grace), VALID).status_code == 404
    grace.refresh_from_db()
    assert grace.title == ""
