"""The Guides page's stage filter: stages grouped by job, only the chosen job's stages once a
job is named; the share link in one line behind a Copy button."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.guides import factories as f

pytestmark = pytest.mark.django_db

LIST = reverse("guides:list")


def _groups(html: str) -> dict[str, list[str]]:
    select = html.split('id="id_stage"')[1].split("</select>")[0]
    return {
        label: re.findall(r">([^<]+)</option>", body)
        for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    }


def test_stages_are_grouped_by_job_with_their_own_names(tenant_admin_client, tenant_a):
    f.candidate_with_guide(tenant_a, "Ada Lovelace")
    sales = f.job(
        tenant_a, "Account Executive", plan=f.plan_with_stages(tenant_a, [("Pitch", "Active")])
    )
    f.application(tenant_a, f.candidate(tenant_a, "Sam Sales"), sales, stage_title="Pitch")
    groups = _groups(tenant_admin_client.get(LIST).content.decode())
    assert groups["Account Executive"] == ["Pitch"]
    assert groups["Backend Engineer"][:3] == ["New lead", "Application review", "Recruiter screen"]
    assert "·" not in str(groups)  # no "Plan · Stage" labels any more


def test_naming_a_job_keeps_only_its_stages(tenant_admin_client, tenant_a):
    _, app = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    f.job(tenant_a, "Account Executive", plan=f.plan_with_stages(tenant_a, [("Pitch", "Active")]))
    groups = _groups(tenant_admin_client.get(LIST, {"job": app.job.pk}).content.decode())
    assert list(groups) == ["Backend Engineer"]


def test_the_share_link_is_one_read_only_field_behind_a_copy_button(tenant_admin_client, tenant_a):
    guide, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    html = tenant_admin_client.get(LIST).content.decode()
    field = re.search(
        rf'<input class="share-url" id="share-{guide.pk}" type="text" value="([^"]+)" readonly>',
        html,
    )
    assert field and field.group(1).endswith(f"/g/{guide.token}/")
    assert (
        f'<label class="visually-hidden" for="share-{guide.pk}">Guide link of Ada Lovelace</label>'
        in html
    )
    assert f'data-copy-target="share-{guide.pk}" hidden>Copy link' in html
    assert "guide-filters.js" in html
