"""The Settings pages of the candidate's guide with the fixed cast: the admin edits, the
read-only member sees without controls and cannot post, the outsider sees only their own
tenant, an anonymous visitor is sent to sign in."""

from __future__ import annotations

import pytest

from guides.models import GuideSettings, Interview
from tenants.models import Tenant
from tests.guides import factories as f
from tests.guides.settings_helpers import BRAND, INTERVIEWS, PAGES, STAGES, TEXTS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", PAGES)
def test_the_admin_gets_every_page_with_save_and_preview(tenant_admin_client, tenant_a, url):
    f.candidate_with_guide(tenant_a)
    html = tenant_admin_client.get(url).content.decode()
    assert (
        "Settings: the candidate&#x27;s guide" in html or "Settings: the candidate's guide" in html
    )
    assert ">Save</button>" in html and 'name="preview"' in html
    assert "read-only access" not in html


@pytest.mark.parametrize("url", PAGES)
def test_the_member_sees_the_page_without_controls(member_client, tenant_a, url):
    f.candidate_with_guide(tenant_a)
    html = member_client.get(url).content.decode()
    assert "You have read-only access" in html
    assert ">Save</button>" not in html and 'name="preview"' not in html


@pytest.mark.parametrize("url", PAGES)
def test_the_member_cannot_post(member_client, tenant_a, url):
    before = tenant_a.brand_color
    response = member_client.post(url, {"brand_color": "#000000", "company_intro": "Hi"})
    assert response.status_code == 403
    tenant_a.refresh_from_db()
    assert tenant_a.brand_color == before
    assert not GuideSettings.objects.filter(tenant=tenant_a).exists()


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_outsider_sees_and_changes_only_their_own_tenant(outsider_client, tenant_a, tenant_b):
    ada, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    f.interview(tenant_a, "Acme debrief")
    html = (
        outsider_client.get(STAGES).content.decode()
        + outsider_client.get(INTERVIEWS).content.decode()
    )
    assert "Ada Lovelace" not in html and "Acme debrief" not in html
    outsider_client.post(TEXTS, {"company_intro": "Bravo is great."})
    assert GuideSettings.objects.get(tenant=tenant_b).company_intro == "Bravo is great."
    assert not GuideSettings.objects.filter(tenant=tenant_a).exists()


def test_another_tenants_guide_cannot_be_previewed(outsider_client, tenant_a, tenant_b):
    ada, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    response = outsider_client.post(
        TEXTS, {"company_intro": "x", "preview": "1", "preview_guide": ada.pk}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "That candidate is not one of yours." in html and "Ada Lovelace" not in html


def test_another_tenants_interview_kind_cannot_be_hidden(outsider_client, tenant_a):
    debrief = f.interview(tenant_a, "Acme debrief")
    response = outsider_client.post(INTERVIEWS, {"hidden": [debrief.pk]})
    assert "That interview kind is not one of yours." in response.content.decode()
    assert not Interview.objects.get(pk=debrief.pk).hidden_from_candidates


def test_the_settings_link_is_in_the_navigation(tenant_admin_client):
    html = tenant_admin_client.get(BRAND).content.decode()
    assert 'href="/settings/guide/" aria-current="page">Settings &rsaquo; Guide' in html


def test_a_user_without_a_tenant_gets_403(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x")
    client.force_login(user)
    assert client.get(BRAND).status_code == 403
    assert Tenant.objects.count() == 0
