"""The Django admin (support console) can fix an interviewer's profile, never the synced fields."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from guides.models import Guide
from tests.guides import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_client(client):
    user = get_user_model().objects.create_superuser("support", "s@example.com", "pw")
    client.force_login(user)
    return client


def change_url(person) -> str:
    return reverse("admin:guides_interviewer_change", args=[person.pk])


def test_support_edits_a_profile_and_the_guides_move(support_client, tenant_a):
    guide, app = f.candidate_with_guide(tenant_a)
    grace = f.interviewer(tenant_a, "Grace", "Hopper", email="grace@acme.test")
    f.event(tenant_a, f.schedule(tenant_a, app), f.at("2026-03-08 15:00"), interviewers=[grace])
    Guide.objects.update(updated_at=f.at("2026-01-01 00:00"))
    data = {
        "display_name": "",
        "title": "Staff Engineer",
        "photo_url": "",
        "pronouns": "she/her",
        "bio": "",
        "linkedin_url": "",
        # Read-only fields are ignored even when posted.
        "first_name": "Mallory",
        "email": "evil@example.com",
    }
    response = support_client.post(change_url(grace), data)
    assert response.status_code == 302
    grace.refresh_from_db()
    assert (grace.title, grace.pronouns) == ("Staff Engineer", "she/her")
    assert (grace.first_name, grace.email) == ("Grace", "grace@acme.test")
    assert grace.profile_updated_at is not None
    assert Guide.objects.get(pk=guide.pk).updated_at > f.at("2026-01-01 00:00")


def test_the_admin_refuses_a_non_http_photo(support_client, tenant_a):
    grace = f.interviewer(tenant_a, "Grace", "Hopper")
    data = {"photo_url": "javascript:alert(1)", "title": "x"}
    response = support_client.post(change_url(grace), data)
    assert response.status_code == 200
    assert "Enter a web address starting with https://." in response.content.decode()
    grace.refresh_from_db()
    assert grace.title == ""


def test_tenant_users_cannot_open_the_admin(
    tenant_admin_client, member_client, outsider_client, tenant_a
):
    grace = f.interviewer(tenant_a, "Grace", "Hopper")
    for staff in (tenant_admin_client, member_client, outsider_client):
        response = staff.get(change_url(grace))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
