from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    ["home", "guides:list", "guides:interviewers", "guides:jobs", "integrations:integrations"],
)
def test_pages_that_only_show_refuse_a_post(tenant_admin_client, name):
    assert tenant_admin_client.get(reverse(name)).status_code in (200, 302)
    assert tenant_admin_client.post(reverse(name)).status_code == 405
