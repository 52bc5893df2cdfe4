"""The fixed cast every tenant-scoped test uses.

- `admin_user`: an admin of tenant A ("Acme")
- `member_user`: a read-only member of tenant A
- `outsider_user`: an admin of tenant B ("Bravo") only
and a signed-in test client for each.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from tenants.models import Membership, Tenant

PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres` tests need PostgreSQL's locking; they skip, saying so, on SQLite."""
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(
                pytest.mark.skipif(
                    "sqlite" in _engine(), reason="needs PostgreSQL (runs in the PostgreSQL pass)"
                )
            )


def _engine() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"]


@pytest.fixture(autouse=True)
def _no_remembered_webhook_rows():
    """The receiver remembers rows per process for a few seconds; each test starts without."""
    from integrations.receiving import forget_remembered

    forget_remembered()
    yield
    forget_remembered()


@pytest.fixture(autouse=True)
def _no_enqueue_failure():
    """A failed enqueue makes the process's next one queue a sweep; each test starts without."""
    from integrations.deliveries import forget_enqueue_failure

    forget_enqueue_failure()
    yield
    forget_enqueue_failure()


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _user(username: str, **extra):
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.com", **extra
    )


@pytest.fixture
def tenant_a(db) -> Tenant:
    return Tenant.objects.create(name="Acme", slug="acme", default_timezone="America/New_York")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return Tenant.objects.create(name="Bravo", slug="bravo", default_timezone="Europe/Paris")


@pytest.fixture
def admin_user(tenant_a):
    user = _user("alice")
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def member_user(tenant_a):
    user = _user("mallory_member")
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def outsider_user(tenant_b):
    user = _user("oscar")
    Membership.objects.create(user=user, tenant=tenant_b, role=Membership.Role.ADMIN)
    return user


def _client_for(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
def tenant_admin_client(client_class_, admin_user):
    return _client_for(client_class_, admin_user)


@pytest.fixture
def member_client(client_class_, member_user):
    return _client_for(client_class_, member_user)


@pytest.fixture
def outsider_client(client_class_, outsider_user):
    return _client_for(client_class_, outsider_user)


@pytest.fixture
def client_class_():
    from django.test import Client

    return Client
