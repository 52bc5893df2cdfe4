"""Fixtures of the support console tests (the fixed cast lives in tests/conftest.py):
a superuser, a staff user in the Support group, and a connection with a known key."""

from __future__ import annotations

import pytest
import responses
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from integrations import connect
from integrations.ashby.client import AshbyClient
from integrations.models import AshbyConnection
from tests.integrations.fake_ashby import BASE, GOOD_KEY, FakeAshby

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
def fake_ashby(settings, monkeypatch):
    """Ashby faked over HTTP (`responses`); key checks never sleep between retries."""
    settings.ASHBY_API_URL = BASE
    monkeypatch.setattr(
        connect,
        "make_client",
        lambda key: AshbyClient(key, retry=connect.CONNECT_RETRY, sleep=lambda s: None),
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeAshby(mock)


@pytest.fixture
def queued_syncs(monkeypatch) -> list[tuple[int, dict]]:
    """The request_sync calls the support actions (and the key check) made."""
    from integrations import support

    calls: list[tuple[int, dict]] = []
    monkeypatch.setattr(support, "request_sync", lambda cid, **kw: calls.append((cid, kw)))
    monkeypatch.setattr(connect, "request_sync", lambda cid, **kw: calls.append((cid, kw)))
    return calls


def run_action(client, model_admin_url: str, action: str, *pks: int, follow: bool = True):
    """Post an admin action on the list page, as ticking rows and pressing Go does."""
    return client.post(
        model_admin_url,
        {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"},
        follow=follow,
    )
