"""The staff Guides page: the tenant's guides, search, filters, pagination, share links."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from guides.models import Candidate, Guide
from tests.guides import factories as f

pytestmark = pytest.mark.django_db

LIST = reverse("guides:list")


def test_an_empty_tenant_is_pointed_to_integrations(tenant_admin_client):
    html = tenant_admin_client.get(LIST).content.decode()
    assert "No guides yet" in html
    assert 'href="/settings/integrations/"' in html


@override_settings(PUBLIC_BASE_URL="https://guide.example.com")
def test_each_guide_has_its_absolute_share_link_a_copy_button_and_a_preview(
    tenant_admin_client, tenant_a
):
    guide, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    html = tenant_admin_client.get(LIST).content.decode()
    assert f"https://guide.example.com/g/{guide.token}/" in html
    assert f'data-copy-target="share-{guide.pk}"' in html
    assert "js/copy.js" in html
    assert reverse("guides:preview", args=[guide.pk]) in html
    assert "Ada Lovelace" in html and "Backend Engineer" in html and "Onsite" in html


def test_the_member_sees_the_guides_and_the_outsider_does_not(
    member_client, outsider_client, tenant_a
):
    guide, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    assert guide.token in member_client.get(LIST).content.decode()
    outsider_page = outsider_client.get(LIST).content.decode()
    assert guide.token not in outsider_page and "Ada Lovelace" not in outsider_page


def test_search_by_name_or_email(tenant_admin_client, tenant_a):
    f.candidate_with_guide(tenant_a, "Ada Lovelace", email="ada@math.test")
    f.candidate_with_guide(tenant_a, "Grace Hopper", email="grace@navy.test")
    by_name = tenant_admin_client.get(LIST, {"q": "lovel"}).content.decode()
    assert "Ada Lovelace" in by_name and "Grace Hopper" not in by_name
    by_email = tenant_admin_client.get(LIST, {"q": "NAVY.test"}).content.decode()
    assert "Grace Hopper" in by_email and "Ada Lovelace" not in by_email
    nothing = tenant_admin_client.get(LIST, {"q": "zzz"}).content.decode()
    assert "No guide matches these filters" in nothing


def test_filter_by_job_and_by_stage(tenant_admin_client, tenant_a):
    ada, ada_app = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    grace, grace_app = f.candidate_with_guide(tenant_a, "Grace Hopper")
    # Grace has a second application, on Ada's job, at another stage.
    f.application(tenant_a, grace.candidate, ada_app.job, stage_title="Recruiter screen")

    by_job = tenant_admin_client.get(LIST, {"job": ada_app.job.pk}).content.decode()
    assert "Ada Lovelace" in by_job and "Grace Hopper" in by_job

    onsite = f.stage(ada_app.job.interview_plan, "Onsite")
    both = tenant_admin_client.get(LIST, {"job": ada_app.job.pk, "stage": onsite.pk})
    assert "Ada Lovelace" in both.content.decode()
    assert "Grace Hopper" not in both.content.decode()

    screen = f.stage(ada_app.job.interview_plan, "Recruiter screen")
    by_stage = tenant_admin_client.get(LIST, {"stage": screen.pk}).content.decode()
    assert "Grace Hopper" in by_stage and "Ada Lovelace" not in by_stage


def test_another_tenants_job_is_not_a_valid_filter(tenant_admin_client, tenant_a, tenant_b):
    f.candidate_with_guide(tenant_a, "Ada Lovelace")
    _, bravo_app = f.candidate_with_guide(tenant_b, "Bob Bravo")
    response = tenant_admin_client.get(LIST, {"job": bravo_app.job.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "That job is not one of yours." in html
    assert "Bob Bravo" not in html and "Ada Lovelace" in html
    garbage = tenant_admin_client.get(LIST, {"stage": "x", "page": "zz"})
    assert garbage.status_code == 200
    assert "That stage is not one of yours." in garbage.content.decode()


def test_the_list_is_paginated_by_50(tenant_admin_client, tenant_a):
    candidates = Candidate.objects.bulk_create(
        Candidate(tenant=tenant_a, external_id=f"c{n}", name=f"Person {n:03d}") for n in range(51)
    )
    Guide.objects.bulk_create(Guide(tenant=tenant_a, candidate=c) for c in candidates)

    first = tenant_admin_client.get(LIST).content.decode()
    assert first.count('class="share-url"') == 50
    assert "Page 1 of 2" in first and "?page=2" in first
    second = tenant_admin_client.get(LIST, {"page": 2}).content.decode()
    assert second.count('class="share-url"') == 1


def test_the_list_query_count_does_not_grow_with_rows(
    tenant_admin_client, tenant_a, django_assert_max_num_queries
):
    for n in range(3):
        f.candidate_with_guide(tenant_a, f"Person {n}")
    tenant_admin_client.get(LIST)  # warm the session
    with django_assert_max_num_queries(12) as few:
        tenant_admin_client.get(LIST)
    for n in range(3, 30):
        f.candidate_with_guide(tenant_a, f"Person {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        tenant_admin_client.get(LIST)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preview_shows_the_guide_to_staff_of_the_tenant_only(
    tenant_admin_client, member_client, outsider_client, tenant_a
):
    guide, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    url = reverse("guides:preview", args=[guide.pk])
    for staff in (tenant_admin_client, member_client):
        response = staff.get(url)
        assert response.status_code == 200
        assert "Preview: this is what Ada Lovelace sees." in response.content.decode()
        assert "noindex" in response["X-Robots-Tag"]
    assert outsider_client.get(url).status_code == 404
