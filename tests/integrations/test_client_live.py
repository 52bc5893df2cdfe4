"""The Ashby client and the Connect flow against the sandbox, over real HTTP (live_server).

The sandbox is reached only through its URL and its management commands, as Guide would
reach Ashby: nothing here imports ashby_sandbox."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.urls import reverse

from integrations.ashby import connect, errors, key_check
from integrations.ashby.client import AshbyClient, RetryPolicy
from integrations.ashby.key_check import ConnectError
from integrations.ashby.permissions import can_manage_webhooks
from integrations.models import AshbyConnection


def sandbox_key(name: str, permissions: str = "guide", *extra: str) -> str:
    out = io.StringIO()
    call_command("sandbox_key", "--name", name, "--permissions", permissions, *extra, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def sandbox_activity(*args: str) -> str:
    """Run a sandbox operation; returns the id it printed last."""
    out = io.StringIO()
    call_command("sandbox_activity", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def deactivate_in_sandbox(title: str) -> None:
    """Deactivate a key the way an Ashby admin would: its Deactivate button."""
    browser = Client()
    page = browser.get(reverse("ashby_sandbox:api_keys")).content.decode()
    row = next(r for r in page.split("<tr>") if f"<td>{title} " in r)
    action = re.search(r'action="([^"]+/deactivate)"', row).group(1)
    assert browser.post(action).status_code == 302


@pytest.fixture
def sandbox(live_server, settings, monkeypatch) -> str:
    """The sandbox's API URL, which Guide now calls."""
    # The live server answers each request in a new thread; with persistent connections
    # (CONN_MAX_AGE) those threads' PostgreSQL sessions outlive them and block the test
    # database's teardown.
    monkeypatch.setitem(connections.databases["default"], "CONN_MAX_AGE", 0)
    settings.ASHBY_API_URL = f"{live_server.url}/sandbox/ashby/api"
    settings.SANDBOX_WEBHOOK_SENDER = "manual"  # no background sender thread in these tests
    return settings.ASHBY_API_URL


@pytest.fixture
def seeded(sandbox) -> str:
    call_command("sandbox_seed", "--candidates", "7", "--seed", "4", stdout=io.StringIO())
    return sandbox


def quick_client(key: str, **kwargs) -> AshbyClient:
    kwargs.setdefault("retry", RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02))
    return AshbyClient(key, sleep=lambda s: None, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_api_key_info_names_the_key_and_its_scopes(sandbox):
    key = sandbox_key("Guide live test")

    info = quick_client(key).call("apiKey.info")

    assert info["title"] == "Guide live test"
    assert info["scopes"]


@pytest.mark.django_db(transaction=True)
def test_paginate_walks_every_page_and_ends_with_a_sync_token(seeded):
    client = quick_client(sandbox_key("pager"))

    (whole,) = client.paginate("candidate.list", {"limit": 100})
    pages = list(client.paginate("candidate.list", {"limit": 2}))

    ids = [c["id"] for page in pages for c in page.results]
    assert len(ids) >= 5
    assert sorted(ids) == sorted(c["id"] for c in whole.results)  # none lost, none repeated
    assert len(pages) == (len(ids) + 1) // 2
    assert all(p.sync_token is None for p in pages[:-1])
    assert pages[-1].sync_token and not pages[-1].more_data_available

    # Nothing changed since: an incremental pass finds nothing and hands back a new token.
    (again,) = client.paginate("candidate.list", sync_token=pages[-1].sync_token)
    assert again.results == [] and again.sync_token


@pytest.mark.django_db(transaction=True)
def test_an_unknown_key_is_rejected(sandbox):
    with pytest.raises(errors.InvalidApiKey) as caught:
        quick_client("f" * 64).call("apiKey.info")
    assert caught.value.status == 403
    assert not caught.value.deactivated


@pytest.mark.django_db(transaction=True)
def test_a_deactivated_key_is_told_apart(sandbox):
    key = sandbox_key("old key")
    deactivate_in_sandbox("old key")

    with pytest.raises(errors.InvalidApiKey) as caught:
        quick_client(key).call("apiKey.info")

    assert caught.value.deactivated


@pytest.mark.django_db(transaction=True)
def test_a_missing_permission_is_named(sandbox):
    key = sandbox_key("no candidates", "jobsRead,apiKeysRead")

    with pytest.raises(errors.MissingPermission) as caught:
        quick_client(key).call("candidate.list", {"limit": 1})

    assert caught.value.permission == "candidatesRead"


@pytest.mark.django_db(transaction=True)
def test_a_rate_limited_key_gets_the_wait_from_retry_after(sandbox):
    key = sandbox_key("slow", "guide", "--rate-limit-per-minute", "1")
    client = quick_client(key, retry=RetryPolicy(max_attempts=1))
    client.call("apiKey.info")

    with pytest.raises(errors.RateLimited) as caught:
        client.call("apiKey.info")

    assert caught.value.status == 429
    assert 0 < caught.value.retry_after <= 60


@pytest.mark.django_db(transaction=True)
def test_server_errors_are_retried_then_reported_as_transient(sandbox, caplog):
    key = sandbox_key("flaky", "guide", "--error-rate", "1.0")
    caplog.set_level(logging.DEBUG)

    with pytest.raises(errors.TransientError) as caught:
        quick_client(key).call("job.list", {"limit": 1})

    assert caught.value.status in (500, 502, 503)
    assert caplog.text.count("Ashby job.list failed") == 2  # 3 attempts, 2 retries
    assert key not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_incremental_pass_returns_what_changed_since_the_token(seeded):
    client = quick_client(sandbox_key("incremental"))
    token = list(client.paginate("job.list"))[-1].sync_token

    job_id = sandbox_activity("create-job", "--title", "Staff Engineer")
    pages = list(client.paginate("job.list", sync_token=token))

    assert [j["id"] for p in pages for j in p.results] == [job_id]
    assert pages[-1].sync_token not in (None, token)


@pytest.mark.django_db(transaction=True)
def test_an_expired_sync_token_is_typed(seeded, settings):
    client = quick_client(sandbox_key("expiry"))
    token = list(client.paginate("candidate.list"))[-1].sync_token
    settings.SANDBOX_SYNC_TOKEN_LIFETIME_SECONDS = -1

    with pytest.raises(errors.SyncTokenExpired):
        list(client.paginate("candidate.list", sync_token=token))


@pytest.mark.django_db(transaction=True)
def test_an_expired_cursor_is_typed(seeded, settings):
    settings.SANDBOX_CURSOR_LIFETIME_SECONDS = -1
    pages = quick_client(sandbox_key("cursor")).paginate("candidate.list", {"limit": 1})

    next(pages)
    with pytest.raises(errors.CursorExpired):
        next(pages)


@pytest.mark.django_db(transaction=True)
def test_a_too_large_incremental_pass_is_typed(seeded, settings):
    client = quick_client(sandbox_key("large"))
    token = list(client.paginate("job.list"))[-1].sync_token
    sandbox_activity("create-job", "--title", "Another")
    settings.SANDBOX_INCREMENTAL_SYNC_MAX_RECORDS = 0

    with pytest.raises(errors.IncrementalSyncTooLarge):
        list(client.paginate("job.list", sync_token=token))


@pytest.mark.django_db(transaction=True)
def test_an_invalid_sync_token_is_typed(seeded):
    with pytest.raises(errors.SyncTokenInvalid):
        list(quick_client(sandbox_key("tok")).paginate("candidate.list", sync_token="garbage"))


# --- the Connect flow against the sandbox ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_connecting_a_key_with_guides_permissions(sandbox, tenant_a, admin_user, queued_syncs):
    key = sandbox_key("Guide", "guide")

    conn = connect.connect_ashby(tenant_a, api_key=key, user=admin_user)

    assert conn.key_title == "Guide"
    assert sorted(conn.permissions) == sorted(
        [
            "apiKeysRead",
            "apiKeysWrite",
            "candidatesRead",
            "jobsRead",
            "interviewsRead",
            "organizationRead",
        ]
    )
    assert AshbyConnection.objects.get().api_key == key


@pytest.mark.django_db(transaction=True)
def test_the_webhook_probe_tells_read_only_keys_apart(sandbox, tenant_a, admin_user, queued_syncs):
    key = sandbox_key("read only", "candidatesRead,jobsRead,interviewsRead,organizationRead")

    conn = connect.connect_ashby(tenant_a, api_key=key, user=admin_user)

    assert conn.key_title == ""  # no apiKeysRead: apiKey.info is refused, the key still works
    assert not can_manage_webhooks(conn.permissions)


@pytest.mark.django_db(transaction=True)
def test_connecting_a_key_without_jobs_read_names_it(sandbox, tenant_a, admin_user):
    key = sandbox_key("no jobs", "candidatesRead,interviewsRead,organizationRead,apiKeysRead")

    with pytest.raises(ConnectError) as caught:
        connect.connect_ashby(tenant_a, api_key=key, user=admin_user)

    assert caught.value.missing == ["jobsRead"]
    assert not AshbyConnection.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_connect_page_against_the_sandbox(sandbox, tenant_admin_client, queued_syncs):
    key = sandbox_key("Guide page")

    response = tenant_admin_client.post(
        reverse("integrations:connect"), {"api_key": key, "via": "dialog"}, follow=True
    )

    content = response.content.decode()
    assert "Ashby is linked" in content
    assert "Guide page" in content
    assert key not in content


@pytest.mark.django_db(transaction=True)
def test_connecting_a_deactivated_key_says_so(sandbox, tenant_a, admin_user):
    key = sandbox_key("retired")
    deactivate_in_sandbox("retired")

    with pytest.raises(ConnectError) as caught:
        connect.connect_ashby(tenant_a, api_key=key, user=admin_user)

    assert caught.value.code == "deactivated"


@pytest.mark.django_db(transaction=True)
def test_a_key_deactivated_after_connecting_turns_needs_attention(
    sandbox, tenant_a, admin_user, queued_syncs, tenant_admin_client
):
    key = sandbox_key("Guide prod")
    conn = connect.connect_ashby(tenant_a, api_key=key, user=admin_user)
    deactivate_in_sandbox("Guide prod")

    # What a sync does when a call fails with the stored key.
    with pytest.raises(errors.InvalidApiKey) as caught:
        quick_client(conn.api_key).call("candidate.list", {"limit": 1})
    key_check.handle_rejected_key(conn, caught.value)

    conn.refresh_from_db()
    assert conn.status == AshbyConnection.Status.NEEDS_ATTENTION
    content = tenant_admin_client.get(reverse("integrations:integrations")).content.decode()
    assert "Needs attention" in content
    assert "has been deactivated" in content
    assert key not in content
