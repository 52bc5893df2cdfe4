"""API keys: creation (the secret is returned once), lookup, deactivation."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.utils import timezone

from ashby_sandbox.models import ApiKey

logger = logging.getLogger(__name__)

# The modules of Ashby's API key form (docs/ashby.md §2) and their read / write permissions.
MODULES: list[tuple[str, str, str]] = [
    ("Jobs", "jobsRead", "jobsWrite"),
    ("Candidates", "candidatesRead", "candidatesWrite"),
    ("Interviews", "interviewsRead", "interviewsWrite"),
    ("Hiring Process", "hiringProcessMetadataRead", "hiringProcessMetadataWrite"),
    ("Organization", "organizationRead", "organizationWrite"),
    ("Offers", "offersRead", "offersWrite"),
    ("API Keys", "apiKeysRead", "apiKeysWrite"),
    ("Approvals", "approvalsRead", "approvalsWrite"),
    ("Reports", "reportsRead", "reportsWrite"),
]
ALL_PERMISSIONS = [p for _, read, write in MODULES for p in (read, write)]
# What Guide needs (docs/ashby.md §2): read hiring data, read its key, manage its webhooks.
GUIDE_PERMISSIONS = [
    "candidatesRead",
    "jobsRead",
    "interviewsRead",
    "organizationRead",
    "apiKeysRead",
    "apiKeysWrite",
]


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass
class NewKey:
    key: ApiKey
    secret: str  # shown once, never stored


def create_key(
    title: str,
    permissions: list[str],
    *,
    partner: str = "",
    allow_confidential: bool = False,
    error_rate: float = 0.0,
    rate_limit_rate: float = 0.0,
    latency_ms: int = 0,
    rate_limit_per_minute: int | None = None,
) -> NewKey:
    """Create an API key and return it with its secret (which only this call ever sees)."""
    unknown = sorted(set(permissions) - set(ALL_PERMISSIONS))
    if unknown:
        raise ValueError(f"Unknown permissions: {', '.join(unknown)}")
    for name, rate in (("error rate", error_rate), ("rate-limit rate", rate_limit_rate)):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"The {name} must be between 0 and 1")
    secret = secrets.token_hex(32)
    key = ApiKey.objects.create(
        title=title,
        partner=partner,
        key_hash=hash_key(secret),
        key_hint=secret[-4:],
        permissions=[p for p in ALL_PERMISSIONS if p in permissions],
        allow_confidential=allow_confidential,
        error_rate=error_rate,
        rate_limit_rate=rate_limit_rate,
        latency_ms=latency_ms,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    logger.info("Sandbox API key %s created (%s)", key.pk, title)
    return NewKey(key, secret)


def find_key(secret: str) -> ApiKey | None:
    """The key with this secret, active or not."""
    return ApiKey.objects.filter(key_hash=hash_key(secret)).first()


def deactivate_key(key: ApiKey) -> None:
    """Deactivate a key: it answers 403 from now on."""
    if key.is_active:
        key.is_active = False
        key.deactivated_at = timezone.now()
        key.save(update_fields=["is_active", "deactivated_at"])
