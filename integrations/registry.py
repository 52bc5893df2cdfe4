"""The one door from Guide's generic code to the ATS integration.

Generic modules (the Integrations page, the support console and its actions, the sync, the
delivery loop, the receiver, the webhook rows) reach the integration only through the names
below: `from integrations import registry`, then `registry.handler_for(...)`. Each name is the
dotted path of what the integration provides, resolved on first use and cached, the way Django
resolves its pluggable backends from settings. So the generic code has no import of the
integration at all: the integration depends on the generic code (its Connect flow queues a
sync, its pages use the delivery outbox), never the other way round, and no import cycle
exists between them (import-linter's `ashby-behind-the-registry` and `no-cycles` contracts,
tests/test_import_cycles.py).

Ashby is the only integration today, so every path is Ashby's; a second ATS provides the same
names (docs/architecture.md, "What a second ATS provides") and this table becomes one per
provider.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string

_A = "integrations.ashby."

PROVIDED: dict[str, str] = {
    # Pages: the panel on the Integrations page, (request) -> context with "panel_template".
    "panel_context": _A + "views.connect.panel_context",
    # Connect and the connection.
    "ConnectError": _A + "key_check.ConnectError",  # a refused key, with the admin's message
    "check_connection": _A + "connect.check_connection",  # (connection), raises ConnectError
    "disconnect": _A + "connect.disconnect_ashby",  # (tenant, *, user, delete_data=False)
    "describe_permission": _A + "permissions.describe",  # (name) -> "Candidates read"
    "missing_permissions": _A + "permissions.missing_from",  # (granted) -> names not granted
    # A sync.
    "make_client": _A + "client.AshbyClient",  # (api_key, *, tenant_id) -> a sync's client
    "sync_engine": _A + "sync_engine.Engine",  # (run, client) -> .sync_slice(clock), .sync_all()
    "RESOURCE_NAMES": _A + "resources.RESOURCE_NAMES",  # in the order a sync fetches them
    "ProviderError": _A + "errors.AshbyError",  # any refusal of the ATS's API
    "InvalidKey": _A + "errors.InvalidApiKey",
    "MissingPermission": _A + "errors.MissingPermission",
    "handle_rejected_key": _A + "key_check.handle_rejected_key",  # (connection, exc)
    # Webhooks.
    "EVENTS": _A + "events.EVENTS",  # action -> WebhookEvent, in the page's order
    "WebhookEvent": _A + "events.WebhookEvent",
    "PING": _A + "events.PING",  # the action of the ATS's test delivery
    "handler_for": _A + "events.handler_for",  # (action) -> handler(tenant, data, ...) or None
    "fetcher_for": _A + "events.fetcher_for",  # (action) -> fetch(tenant, data) or None
    "batch_for": _A + "events.batch_for",  # (action) -> .fetch / .apply for many, or None
    "SIGNATURE_HEADER": _A + "signature.SIGNATURE_HEADER",  # where a delivery is signed
    "signature_matches": _A + "signature.signature_matches",  # (secret, body, header) -> bool
    "delivery_id": _A + "signature.delivery_id",  # (payload) -> the ATS's id of a delivery
    "describe_failure": _A + "delivery_errors.describe",  # (exc) -> what was wrong, or None
    # Personal data (integrations/erasure.py).
    "candidate_in": _A + "mentions.candidate_in",  # (payload) -> the candidate's id, or ""
    "person_in": _A + "mentions.person_in",  # (payload) -> {"names", "emails", "phones"}
    # The guide link written onto the candidate's ATS profile: () -> writes tried, all tenants.
    "write_back_sweep": _A + "write_back.sweep",
    # What the key cannot see: (tenant) -> a state with .hides_candidates, .summary and
    # .how_to_change (the Integrations and Guides pages).
    "confidential_state": _A + "confidential.confidential_state",
}

# The integration's own pages (Connect, Disconnect, Check, Configure Webhooks), included by
# integrations/urls.py under the `integrations` namespace ("integrations:connect" still names
# the Connect page). A dotted path too: Django imports a URLconf when it first resolves a URL.
URLCONF = "integrations.ashby.urls"


def __getattr__(name: str) -> Any:
    """`registry.NAME`: what the integration provides under NAME, imported once."""
    try:
        path = PROVIDED[name]
    except KeyError:
        raise AttributeError(f"The integration registry provides no {name!r}.") from None
    value = import_string(path)
    globals()[name] = value  # later reads skip this function
    return value
