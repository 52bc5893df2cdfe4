"""What Guide asks Ashby about an API key before storing it, and the words it shows when Ashby
refuses a key (at Connect, or later during a sync or a webhook setup: `handle_rejected_key`).
The Connect flow's services that use it are in integrations/ashby/connect.py.

A key is checked before anything is stored: `apiKey.info` for its title and scopes (it needs
the optional API Keys read permission, so a key without it is still fine), then one cheap
call per module Guide reads (`limit: 1`), since only a real call proves a permission. The
API Keys write permission (for automatic webhook setup) cannot be probed with a harmless
write, so Guide asks `webhook.update` to change a webhook that cannot exist (the nil UUID):
`webhook_not_found` means the permission check passed, `missing_endpoint_permission` that it
did not. Nothing is changed in Ashby either way.
"""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass, field

from integrations.ashby import errors
from integrations.ashby import permissions as perms
from integrations.ashby.client import AshbyClient, RetryPolicy
from integrations.models import AshbyConnection

logger = logging.getLogger(__name__)

# One cheap read per module Guide needs; each proves its permission.
PROBES: tuple[tuple[str, str], ...] = (
    ("candidatesRead", "candidate.list"),
    ("jobsRead", "job.list"),
    ("interviewsRead", "interviewSchedule.list"),
    ("organizationRead", "user.list"),
)
NO_SUCH_WEBHOOK = "00000000-0000-0000-0000-000000000000"
# Someone is waiting on the page: one quick retry, then say what happened.
CONNECT_RETRY = RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=2.0, max_total=3.0)
MIN_KEY_LENGTH, MAX_KEY_LENGTH = 16, 512
_KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation) - {":"}


class ConnectError(Exception):
    """Why a key cannot be used, as a message for the admin. Never holds the key.

    `code` is one of: malformed, rejected, deactivated, missing_permissions, unreachable,
    rate_limited, ashby_error. `missing` lists missing permission names."""

    def __init__(self, code: str, message: str, *, missing: list[str] | None = None) -> None:
        self.code = code
        self.message = message
        self.missing = missing or []
        super().__init__(message)

    @property
    def missing_details(self) -> list[dict[str, str]]:
        return [{"label": perms.describe(p), "how": perms.box_to_tick(p)} for p in self.missing]


@dataclass(frozen=True)
class KeyCheck:
    """What Ashby said about a key that Guide can use."""

    title: str = ""
    scopes: list[str] = field(default_factory=list)
    permissions: list[str] = field(default_factory=list)


def make_client(api_key: str) -> AshbyClient:
    """The client used while an admin waits (tests replace it to avoid real sleeps)."""
    return AshbyClient(api_key, retry=CONNECT_RETRY)


def clean_api_key(raw: str) -> str:
    """The key without surrounding blanks, or ConnectError("malformed") saying what is wrong."""
    key = (raw or "").strip()
    if not key:
        raise ConnectError("malformed", "Paste the API key you created in Ashby.")
    if any(ch.isspace() for ch in key):
        raise ConnectError(
            "malformed",
            "That is not an Ashby API key: it contains spaces or line breaks. "
            "Copy the key again from Ashby, without anything around it.",
        )
    if not set(key) <= _KEY_CHARACTERS:
        raise ConnectError(
            "malformed",
            "That is not an Ashby API key: it contains characters API keys never have.",
        )
    if len(key) < MIN_KEY_LENGTH:
        raise ConnectError(
            "malformed",
            "That is too short to be an Ashby API key. Copy the whole key: Ashby shows it "
            "only once, when the key is created.",
        )
    if len(key) > MAX_KEY_LENGTH:
        raise ConnectError("malformed", "That is too long to be an Ashby API key.")
    return key


def check_key(api_key: str, *, client: AshbyClient | None = None) -> KeyCheck:
    """Ask Ashby what the key may do. Raises ConnectError unless every permission Guide
    needs is granted."""
    client = client or make_client(api_key)
    try:
        title, scopes, granted = _key_info(client)
        missing = []
        for permission, endpoint in PROBES:
            if _probe(client, endpoint, {"limit": 1}):
                granted.append(permission)
            else:
                missing.append(permission)
    except errors.AshbyError as exc:
        raise connect_error_for(exc) from None
    if missing:
        raise ConnectError("missing_permissions", _missing_message(missing), missing=missing)
    if _can_write_webhooks(client):
        granted.append("apiKeysWrite")
    granted += perms.from_scopes(scopes)
    return KeyCheck(title=title, scopes=scopes, permissions=granted)


def _key_info(client: AshbyClient) -> tuple[str, list[str], list[str]]:
    try:
        info = client.call("apiKey.info")
    except errors.MissingPermission:
        return "", [], []
    scopes = [str(s) for s in info.get("scopes") or []] if isinstance(info, dict) else []
    title = str(info.get("title") or "") if isinstance(info, dict) else ""
    return title, scopes, ["apiKeysRead"]


def _probe(client: AshbyClient, endpoint: str, body: dict) -> bool:
    """True when the call is allowed (MissingPermission means it is not)."""
    try:
        client.call(endpoint, body)
    except errors.MissingPermission:
        return False
    return True


def _can_write_webhooks(client: AshbyClient) -> bool:
    """The webhook.update trick (see the module docstring). Unknown counts as no."""
    try:
        client.call("webhook.update", {"webhookId": NO_SUCH_WEBHOOK, "enabled": False})
    except errors.NotFound:
        return True
    except errors.MissingPermission:
        return False
    except errors.AshbyError as exc:
        logger.info("Could not tell whether the key may manage webhooks: %s", exc.code)
        return False
    return True


def connect_error_for(exc: errors.AshbyError) -> ConnectError:
    """The admin-facing ConnectError for an Ashby failure."""
    if isinstance(exc, errors.InvalidApiKey):
        if exc.deactivated:
            return ConnectError(
                "deactivated",
                "This API key has been deactivated in Ashby. Create a new key in "
                f"{perms.ADMIN_PATH} and paste it here.",
            )
        return ConnectError(
            "rejected",
            "Ashby does not accept this API key. Check that you copied the whole key, "
            "and that it has not been deleted in Ashby.",
        )
    if isinstance(exc, errors.MissingPermission):
        missing = [exc.permission or "an unnamed permission"]
        return ConnectError("missing_permissions", _missing_message(missing), missing=missing)
    if isinstance(exc, errors.RateLimited):
        wait = f"in {int(exc.retry_after)} seconds" if exc.retry_after else "in a minute"
        return ConnectError(
            "rate_limited",
            f"Ashby is limiting requests for this key right now. Nothing was saved; try again {wait}.",
        )
    if isinstance(exc, errors.TransientError):
        return ConnectError(
            "unreachable",
            f"Guide could not reach Ashby just now ({exc.message}) Nothing was saved; "
            "try again in a few minutes.",
        )
    reference = f" (request id {exc.request_id})" if exc.request_id else ""
    return ConnectError(
        "ashby_error",
        f"Ashby answered with an unexpected error: {exc.message}{reference}. Nothing was saved.",
    )


def _missing_message(missing: list[str]) -> str:
    names = ", ".join(perms.describe(p) for p in missing)
    return (
        f"This key is missing permissions Guide needs: {names}. In Ashby, open "
        f"{perms.ADMIN_PATH}, edit the key, tick the boxes listed below, save, and connect again."
    )


def handle_rejected_key(connection: AshbyConnection, exc: errors.AshbyError) -> None:
    """Call when Ashby refuses the stored key during any call (a sync, a webhook setup):
    the connection turns Needs attention with a clear reason, and syncs stop until an admin
    replaces the key or checks it again. Other errors are not the key's fault: ignored."""
    if not isinstance(exc, errors.InvalidApiKey | errors.MissingPermission):
        return
    reason = attention_reason(connect_error_for(exc))
    if connection.status == AshbyConnection.Status.NEEDS_ATTENTION and (
        connection.status_reason == reason
    ):
        return
    logger.warning("Ashby refused the stored key of tenant %s (%s)", connection.tenant_id, exc.code)
    connection.mark_needs_attention(reason)


def attention_reason(error: ConnectError) -> str:
    if error.code == "deactivated":
        return (
            "Ashby says the stored API key has been deactivated. Create a new key in Ashby "
            "and use Replace key to paste it here; syncing is paused until then."
        )
    if error.code == "missing_permissions":
        names = ", ".join(d["label"] for d in error.missing_details)
        boxes = " and ".join(d["how"] for d in error.missing_details)
        return (
            f"The stored API key no longer has the {names} permission. In Ashby, open "
            f"{perms.ADMIN_PATH}, edit the key, tick {boxes}, then use Check again; "
            "syncing is paused until then."
        )
    return (
        "Ashby no longer accepts the stored API key (it may have been revoked or deleted). "
        "Create a new key in Ashby and use Replace key; syncing is paused until then."
    )
