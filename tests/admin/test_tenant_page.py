"""The tenant page: members, the connection, counts of synced records, links to the lists."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.admin.world import populate

pytestmark = pytest.mark.django_db


def test_the_tenant_page_counts_its_own_synced_records_and_links_to_the_lists(
    support_client, tenant_a, tenant_b, admin_user, member_user, connection
):
    populate(tenant_a, name="Ada Lovelace")
    populate(tenant_a, name="Bob Byron")
    populate(tenant_b, name="Bea Bravo")
    page = support_client.get(reverse("admin:tenants_tenant_change", args=[tenant_a.pk]))
    html = page.content.decode()
    candidates = reverse("admin:guides_candidate_changelist")
    assert f'<a href="{candidates}?tenant__id__exact={tenant_a.pk}">Candidates</a>: 2' in html
    guides = reverse("admin:guides_guide_changelist")
    assert f'<a href="{guides}?tenant__id__exact={tenant_a.pk}">Guides</a>: 2' in html
    assert admin_user.username in html and member_user.username in html
    assert "Connected" in html
    connections = reverse("admin:integrations_ashbyconnection_changelist")
    assert f"{connections}?tenant__id__exact={tenant_a.pk}" in html


def test_the_filtered_list_the_tenant_page_links_to_shows_only_that_tenant(
    support_client, tenant_a, tenant_b
):
    populate(tenant_a, name="Ada Lovelace")
    populate(tenant_b, name="Bea Bravo")
    url = reverse("admin:guides_candidate_changelist") + f"?tenant__id__exact={tenant_a.pk}"
    html = support_client.get(url).content.decode()
    assert "Ada Lovelace" in html
    assert "Bea Bravo" not in html


def test_support_finds_a_candidate_by_email_and_by_ashby_id(support_client, tenant_a):
    world = populate(tenant_a, name="Ada Lovelace")
    populate(tenant_a, name="Bob Byron")
    candidate = world["guide"].candidate
    url = reverse("admin:guides_candidate_changelist")
    by_email = support_client.get(url, {"q": candidate.email}).content.decode()
    assert "Ada Lovelace" in by_email and "Bob Byron" not in by_email
    by_id = support_client.get(url, {"q": candidate.external_id}).content.decode()
    assert "Ada Lovelace" in by_id and "Bob Byron" not in by_id
    by_tenant = support_client.get(url, {"q": "Acme"}).content.decode()
    assert "Ada Lovelace" in by_tenant and "Bob Byron" in by_tenant


def test_an_ashby_id_or_an_email_is_matched_exactly_in_every_tenant(
    superuser_client, tenant_a, tenant_b
):
    from guides.models import Candidate
    from tests.guides import factories as f

    uuid = "1f0c5a2e-8d3b-4c6a-9e7f-0a1b2c3d4e5f"
    Candidate.objects.create(
        tenant=tenant_b, external_id=uuid, name="Uma Uuid", email="Uma@Example.com"
    )
    f.candidate(tenant_a, "Ned Near", email="ned-uma@example.com")
    url = reverse("admin:guides_candidate_changelist")
    by_id = superuser_client.get(url, {"q": uuid.upper()}).content.decode()
    assert "Uma Uuid" in by_id and "Ned Near" not in by_id
    by_email = superuser_client.get(url, {"q": "Uma@Example.com"}).content.decode()
    assert "Uma Uuid" in by_email and "Ned Near" not in by_email
    by_domain = superuser_client.get(url, {"q": "@example.com"}).content.decode()
    assert "Uma Uuid" in by_domain and "Ned Near" in by_domain
    applications = reverse("admin:guides_application_changelist")
    assert superuser_client.get(applications, {"q": uuid}).status_code == 200


def test_every_list_the_tenant_page_links_to_opens_filtered(support_client, tenant_a, tenant_b):
    import re

    populate(tenant_a, name="Ada Lovelace")
    populate(tenant_b, name="Bea Bravo")
    html = support_client.get(reverse("admin:tenants_tenant_change", args=[tenant_a.pk])).content
    links = set(re.findall(r'href="(/admin/[a-z_]+/[a-z]+/\?[^"]+)"', html.decode()))
    assert len(links) >= 14
    for link in links:
        url = link.replace("&amp;", "&")
        response = support_client.get(url)
        assert response.status_code == 200, url  # an invalid filter redirects to ?e=1
        cl = response.context["cl"]
        assert cl.result_count >= 1, url
        assert cl.result_count < cl.model.objects.count() or cl.model.__name__ == "Tenant", url
