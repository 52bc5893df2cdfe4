"""The one door from Guide's generic code to the ATS integration.

Generic modules (the Integrations page, the support console and its actions, the sync engine,
the delivery loop, the webhook rows) reach the integration only through the names below, never
by importing `integrations.ashby` (import-linter's `ashby-behind-the-registry` contract). Ashby
is the only integration today, so each name is Ashby's; a second ATS provides the same names
(docs/architecture.md, "What a second ATS provides") and this module picks one per connection.

Generic modules import the module, `from integrations import registry`, and look names up when
they call them: Ashby's modules import generic ones back (its views use the delivery outbox, its
Connect flow queues a sync), and a module attribute read at call time is safe either way.
"""

from __future__ import annotations

from integrations.ashby import connect, errors, events, key_check, permissions
from integrations.ashby import sync as ashby_sync
from integrations.ashby.client import AshbyClient
from integrations.ashby.views.connect import panel_context

__all__ = [
    "URLCONF",
    "ConnectError",
    "InvalidKey",
    "MissingPermission",
    "ProviderError",
    "RunAbandoned",
    "EVENTS",
    "PING",
    "WebhookEvent",
    "RESOURCE_NAMES",
    "check_connection",
    "describe_permission",
    "disconnect",
    "fetcher_for",
    "handle_rejected_key",
    "handler_for",
    "make_client",
    "missing_permissions",
    "panel_context",
    "sync_engine",
]

# --- Pages -------------------------------------------------------------------------------------
# The integration's own pages (Connect, Disconnect, Check, Configure Webhooks), included by
# integrations/urls.py under the `integrations` namespace, so "integrations:connect" still names
# the Connect page. A dotted path: Django imports a URLconf when it first resolves a URL.
URLCONF = "integrations.ashby.urls"
# panel_context(request) -> the Integrations page's context for the integration's card,
# including "panel_template", the template the page includes.

# --- Connect and the connection ----------------------------------------------------------------
ConnectError = key_check.ConnectError  # a refused key, with a message for the admin
check_connection = connect.check_connection  # (connection) -> connection, raises ConnectError
disconnect = connect.disconnect_ashby  # (tenant, *, user, delete_data=False) -> deleted counts
describe_permission = permissions.describe  # (name) -> "Candidates read"
missing_permissions = permissions.missing_from  # (granted) -> required names not granted

# --- A sync ------------------------------------------------------------------------------------
ProviderError = errors.AshbyError  # any refusal of the ATS's API
InvalidKey = errors.InvalidApiKey
MissingPermission = errors.MissingPermission
RunAbandoned = ashby_sync.RunAbandoned
RESOURCE_NAMES = ashby_sync.RESOURCE_NAMES  # in the order a sync fetches them
handle_rejected_key = key_check.handle_rejected_key  # (connection, exc): pause, say why


def make_client(api_key: str) -> AshbyClient:
    """The API client a sync uses for a connection's key."""
    return AshbyClient(api_key)


def sync_engine(run, client: AshbyClient) -> ashby_sync.Engine:
    """The engine that pages through the ATS's records for `run` (`.sync_all()`)."""
    return ashby_sync.Engine(run, client)


# --- Webhooks ----------------------------------------------------------------------------------
EVENTS = events.EVENTS  # action -> WebhookEvent: the webhooks a tenant creates, in page order
WebhookEvent = events.WebhookEvent
PING = events.PING  # the action of the ATS's test delivery
handler_for = events.handler_for  # (action) -> handler(tenant, data) -> str, or None
fetcher_for = events.fetcher_for  # (action) -> fetch(tenant, data) for a thin payload, or None
