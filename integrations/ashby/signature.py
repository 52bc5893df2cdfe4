"""Ashby's webhook signature: the `Ashby-Signature` header the receiver checks on every
delivery (docs/ashby.md §5)."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Ashby-Signature"


def delivery_id(payload: dict) -> str:
    """The id Ashby gives a delivery (`webhookActionId`, shared by related deliveries of one
    change, docs/ashby.md), or "" when it is missing or unusable."""
    value = payload.get("webhookActionId")
    return value if isinstance(value, str) and 0 < len(value) <= 100 else ""


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """Ashby's scheme: `sha256=` + the hex HMAC-SHA256 of the raw body, keyed by the secret."""
    if not header or not secret:
        return False
    algorithm, _, digest = header.strip().partition("=")
    if algorithm != "sha256" or not digest:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest.lower())
