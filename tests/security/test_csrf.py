"""CSRF protection on every URL of the project, found by walking the URL resolver: a POST
without the token is refused (403) before any view runs, signed in or not; only the machine
endpoints are exempt, and every form a page renders carries the token."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.conftest import PLACEHOLDERS, all_urls, params_of

# Called by machines that cannot hold a CSRF token; each authenticates another way.
CSRF_EXEMPT = {
    "ashby_sandbox:api": "the sandbox's Ashby API: HTTP Basic auth with an API key",
    "integrations:receiver": "Ashby's webhook deliveries: the Ashby-Signature HMAC",
    "emails:unsubscribe": "RFC 8058 one-click unsubscribe: mail providers POST with no cookie; "
    "the signed token in the URL is the proof",
}
# The Django admin's URLs are checked through its registered models (test_admin_pages.py,
# and the sandbox's admin site in tests/admin/test_sandbox_admin.py); their regex routes
# cannot be filled with placeholders.
ADMIN_SITES = ("admin:", "sandbox_admin:")
URLS = sorted(
    (name, pattern)
    for name, _route, pattern in all_urls()
    if not name.startswith(ADMIN_SITES) and name not in CSRF_EXEMPT
)
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
POST_FORM = re.compile(r"<form\b[^>]*method=[\"']?post", re.I)


def placeholder_url(name: str, pattern) -> str:
    kwargs = {param: PLACEHOLDERS[kind] for param, kind in params_of(pattern).items()}
    return reverse(name, kwargs=kwargs)


def test_only_the_machine_endpoints_are_csrf_exempt():
    exempt = {
        name for name, _route, pattern in all_urls() if getattr(pattern.callback, "csrf_exempt", 0)
    }
    assert exempt <= set(CSRF_EXEMPT)
    assert "ashby_sandbox:api" in exempt


@pytest.mark.parametrize(("name", "pattern"), URLS, ids=[n for n, _ in URLS])
def test_a_post_without_the_csrf_token_is_refused(admin_user, name, pattern):
    signed_in, signed_out = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    signed_in.force_login(admin_user)
    url = placeholder_url(name, pattern)
    for client in (signed_in, signed_out):
        response = client.post(url, {"api_key": "x" * 20, "name": "x"})
        assert response.status_code == 403, f"{name}: {response.status_code}"
        assert b"CSRF verification failed" in response.content, name


def test_a_post_with_the_token_gets_through(admin_user, tenant_a):
    """The check above fails for the right reason: with the token the same POST passes."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    page = client.get(reverse("integrations:connect"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("integrations:connect"), {"api_key": "short", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200
    assert b"too short to be an Ashby API key" in response.content


def _pages_with_forms(world) -> list[str]:
    from tests.security.test_tenant_urls import OBJECT_PARAMS

    urls = []
    for name, _route, pattern in all_urls():
        params = params_of(pattern)
        if name.startswith(ADMIN_SITES) or name in CSRF_EXEMPT:
            continue
        if not params:
            urls.append(reverse(name))
        elif name in OBJECT_PARAMS:
            kwargs = {p: world.objects[kind].pk for p, kind in OBJECT_PARAMS[name].items()}
            urls.append(reverse(name, kwargs=kwargs))
    urls.append(reverse("guides:public", kwargs={"token": world.objects["guide"].token}))
    return urls


def test_every_post_form_on_every_page_carries_the_token(tenant_admin_client, client, world):
    checked = 0
    for url in _pages_with_forms(world):
        for visitor in (tenant_admin_client, client):
            response = visitor.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in FORM.findall(response.content.decode()):
                if POST_FORM.search(form):
                    checked += 1
                    assert 'name="csrfmiddlewaretoken"' in form, f"{url}: {form[:200]}"
    assert checked >= 10  # the walk really found the forms (connect, disconnect, sign in, ...)
