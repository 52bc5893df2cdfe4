from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_console_link_from_before_the_move_still_opens_the_tenant(superuser_client, tenant_a):
    response = superuser_client.get(f"/admin/guides/tenant/{tenant_a.pk}/change/?x=1")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/tenants/tenant/{tenant_a.pk}/change/?x=1"
    assert superuser_client.get(response["Location"]).status_code == 200


def test_the_members_list_moved_too(superuser_client):
    response = superuser_client.get("/admin/guides/membership/")
    assert response["Location"] == "/admin/tenants/membership/"
