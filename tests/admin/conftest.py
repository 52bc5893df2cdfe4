"""Fixtures of the support console tests (the fixed cast lives in tests/conftest.py):
a superuser, a staff user in the Support group, and a connection with a known key."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from integrations.ashby import connect
from integrations.models import AshbyConnection
from tests.integrations.fake_ashby import (
    GOOD_KEY,
    fake_ashby,  # noqa: F401 (a fixture)
)

SECRET_KEY_TAIL = GOOD_KEY[-4:]


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def support_user(db):
    user = get_user_model().objects.create_user(
        "sam_support", "sam@example.com", "pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Support"))
    return user


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def support_client(client_class_, support_user):
    client = client_class_()
    client.force_login(support_user)
    return client


@pytest.fixture
def connection(tenant_a) -> AshbyConnection:
    conn = AshbyConnection(
        tenant=tenant_a, key_title="Guide integration", permissions=["candidatesRead"]
    )
    conn.api_key = GOOD_KEY
    conn.permissions = [
        "apiKeysRead",
        "candidatesRead",
        "jobsRead",
        "interviewsRead",
        "organizationRead",
    ]
    conn.save()
    return AshbyConnection.objects.get(pk=conn.pk)


@pytest.fixture
def queued_syncs(monkeypatch) -> list[tuple[int, dict]]:
    """The request_sync calls the support actions (and the key check) made."""
    from integrations import support

    calls: list[tuple[int, dict]] = []
    monkeypatch.setattr(support, "request_sync", lambda cid, **kw: calls.append((cid, kw)))
    monkeypatch.setattr(connect, "request_sync", lambda cid, **kw: calls.append((cid, kw)))
    return calls


def run_action(
    client,
    model_admin_url: str,
    action: str,
    *pks: int,
    follow: bool = True,
    confirmed: bool = False,
):
    """Post an admin action on the list page, as ticking rows and pressing Go does; with
    `confirmed`, as pressing Confirm on a disruptive action's confirmation page does."""
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(model_admin_url, data, follow=follow)
