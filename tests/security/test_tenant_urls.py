"""Every tenant-scoped URL, found by walking the URL resolver (so a new page is checked the
day it is added), requested by the fixed cast: signed out, the outsider (Bravo's admin) with
Acme's objects in the URL, and Acme's read-only member.

A URL of the `guides` or `integrations` namespace is tenant-scoped unless listed in PUBLIC.
A URL that takes an object needs an entry in OBJECT_PARAMS saying which of Acme's rows to use.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.security.conftest import (
    ACME_CANDIDATE,
    ACME_KEY,
    World,
    all_urls,
    params_of,
    snapshot,
)

NAMESPACES = ("guides:", "integrations:")
# Reached without signing in, by design; each has its own tests.
PUBLIC = {
    "guides:public": "the candidate's guide, reached by its unguessable token",
    "guides:calendar_ics": "the guide's calendar feed, by the same token",
    "guides:event_ics": "one interview's calendar file, by the same token",
    "integrations:receiver": "Ashby's webhook deliveries, authenticated by signature",
    "guides:own_profile": "an interviewer's profile page, reached by a signed single-use link",
    "guides:media": "uploaded photos shown on guides, under random names",
}
# Acts on the signed-in user, not on a tenant's data: any member may use it.
USER_SCOPED = {"guides:switch_tenant": "choosing which of one's own tenants to act for"}
# Pages that only read: a POST renders the page like a GET and must change nothing.
READ_PAGES = {
    "integrations:integrations",
    "guides:list",
    "guides:preview",
    "guides:interviewers",
    "guides:jobs",
}
# URL name -> {parameter: which of Acme's rows (World.objects key) fills it}.
OBJECT_PARAMS = {
    "guides:preview": {"pk": "guide"},
    "guides:interviewer_edit": {"pk": "interviewer"},
    "guides:invite_one": {"pk": "interviewer"},
    "guides:invite_revoke": {"pk": "profile_invite"},
    "guides:job_stages": {"pk": "job"},
    "integrations:webhooks_rotate": {"pk": "subscription"},
    "integrations:webhooks_replay": {"pk": "delivery"},
}

TENANT_URLS = sorted(
    (name, pattern)
    for name, _route, pattern in all_urls()
    if name.startswith(NAMESPACES) and name not in PUBLIC and name not in USER_SCOPED
)
IDS = [name for name, _ in TENANT_URLS]


def url_for(name: str, pattern, world: World) -> str:
    params = params_of(pattern)
    if not params:
        return reverse(name)
    if name not in OBJECT_PARAMS or set(OBJECT_PARAMS[name]) != set(params):
        pytest.fail(f"{name} takes {sorted(params)}: say in OBJECT_PARAMS which rows fill them")
    kwargs = {param: world.objects[kind].pk for param, kind in OBJECT_PARAMS[name].items()}
    return reverse(name, kwargs=kwargs)


def test_the_walk_finds_the_tenant_pages():
    names = {name for name, _ in TENANT_URLS}
    assert {"integrations:integrations", "integrations:connect", "guides:list"} <= names
    assert "guides:public" not in names


@pytest.mark.parametrize(("name", "pattern"), TENANT_URLS, ids=IDS)
def test_signed_out_visitors_are_sent_to_sign_in(client, world, name, pattern):
    """Sent to sign in, or told the method is not allowed (require_POST / require_GET answer
    before the sign-in check); never shown anything."""
    url = url_for(name, pattern, world)
    answers = [client.get(url), client.post(url)]
    for response in answers:
        assert response.status_code in (302, 405), name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), name
    assert any(r.status_code == 302 for r in answers), f"{name}: never asks to sign in"


@pytest.mark.parametrize(("name", "pattern"), TENANT_URLS, ids=IDS)
def test_the_outsider_gets_404_for_our_objects_and_never_sees_or_changes_our_data(
    outsider_client, world, name, pattern
):
    url = url_for(name, pattern, world)
    before = snapshot(world.tenant_a)

    got, posted = outsider_client.get(url), outsider_client.post(url)

    if params_of(pattern):
        # 404 for our object; 405 for the method the URL does not take (no object looked up)
        answers = (got.status_code, posted.status_code)
        assert set(answers) <= {404, 405} and 404 in answers, f"{name}: {answers}"
    for response in (got, posted):
        assert response.status_code < 500, name
        content = response.content.decode()
        for ours in (ACME_CANDIDATE, "Acme key", ACME_KEY, ACME_KEY[-4:]):
            assert ours not in content, f"{name} shows Acme's {ours!r} to Bravo's admin"
    assert snapshot(world.tenant_a) == before, f"{name}: Bravo's admin changed Acme's data"


@pytest.mark.parametrize(("name", "pattern"), TENANT_URLS, ids=IDS)
def test_the_read_only_member_cannot_change_anything(member_client, world, name, pattern):
    url = url_for(name, pattern, world)
    before = snapshot()

    response = member_client.post(url, {"api_key": "x" * 20, "data": "delete"})

    assert snapshot() == before, f"{name}: a read-only member changed data"
    if name in READ_PAGES:
        assert response.status_code in (200, 403, 405), name
    else:
        assert response.status_code in (403, 405), f"{name}: {response.status_code}"


@pytest.mark.parametrize(("name", "pattern"), TENANT_URLS, ids=IDS)
def test_write_urls_answer_the_member_403_not_405(
    member_client, tenant_admin_client, world, name, pattern
):
    """A URL the admin may POST to (anything but 405) is refused to the member with 403."""
    url = url_for(name, pattern, world)
    member = member_client.post(url).status_code
    admin = tenant_admin_client.post(url).status_code
    if admin != 405 and name not in READ_PAGES:
        assert member == 403, f"{name}: admin {admin}, member {member}"
