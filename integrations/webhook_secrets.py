"""A webhook subscription's secrets as the receiver (integrations/receiving.py) uses them:
which one signed a delivery, and what the row must still hold for the delivery to be stored.

After a rotation (webhook_rows.rotate_secret) the previous secret is accepted until
`previous_secret_expires_at` (GUIDE_WEBHOOK_SECRET_GRACE_HOURS), so Ashby, which signs with
the old one until someone pastes the new one, keeps being heard. The first delivery signed
with the new secret confirms the rotation (`secret_confirmed_at`): the row leaves "Secret
rotated". A revoke (webhook_rows.revoke_previous_secret) ends the window at once.

The receiver may check a signature against a copy of the row loaded a few seconds ago; its
INSERT then carries a `Guard`, a condition on the row as it is at that moment, so a rotation
or a revoke between the check and the INSERT is never missed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone

from integrations import registry
from integrations.models import WebhookSubscription
from tenants import sql


class Signed(enum.Enum):
    """Which of the row's secrets a delivery's signature was made with."""

    CURRENT = "current"
    PREVIOUS = "previous"  # accepted until previous_secret_expires_at (the grace period)


def signed_with(
    subscription: WebhookSubscription,
    secret: str,
    previous: str | None,
    body: bytes,
    headers: Mapping[str, str],
) -> Signed | None:
    """Which secret signed `body`: the current one, or the previous one while it is accepted
    (the grace period after a rotation); None when neither did."""
    signature = headers.get(registry.SIGNATURE_HEADER)
    if registry.signature_matches(secret, body, signature):
        return Signed.CURRENT
    if (
        previous is not None
        and subscription.accepts_previous_secret()
        and registry.signature_matches(previous, body, signature)
    ):
        return Signed.PREVIOUS
    return None


def secrets_of(subscription: WebhookSubscription) -> tuple[str, str | None]:
    """The row's secret and, while it is accepted, the previous one (decrypted)."""
    previous = subscription.previous_secret if subscription.accepts_previous_secret() else None
    return subscription.secret, previous


def confirm_new_secret(subscription: WebhookSubscription, now: datetime) -> None:
    """Ashby signs with the new secret: the row leaves "Secret rotated" (the previous secret
    stays accepted until its window ends, for deliveries signed before the change). Only for
    the rotation this copy knows: a newer one is not confirmed by the secret it replaced."""
    WebhookSubscription.objects.filter(
        pk=subscription.pk,
        secret_rotated_at=subscription.secret_rotated_at,
        secret_confirmed_at__isnull=True,
    ).update(secret_confirmed_at=now)
    subscription.secret_confirmed_at = now


@dataclass(frozen=True)
class Guard:
    """What the subscription row must still hold for a delivery to be inserted: the secret
    the signature was checked with (its encrypted form as loaded), or, for the previous
    secret, the same rotation and a grace period not over (a revoke ends it)."""

    signed: Signed
    params: tuple


def guard_for(subscription: WebhookSubscription, signed: Signed) -> Guard:
    """The guard of a delivery checked against `subscription` as loaded."""
    if signed is Signed.CURRENT:
        return Guard(signed, (subscription.pk, subscription.secret_encrypted.token))
    fields = WebhookSubscription._meta
    rotated = fields.get_field("secret_rotated_at").get_db_prep_value(
        subscription.secret_rotated_at, connection
    )
    now = fields.get_field("previous_secret_expires_at").get_db_prep_value(
        timezone.now(), connection
    )
    return Guard(signed, (subscription.pk, rotated, now))


def guard_sql(count: int, signed: Signed) -> str:
    """The current secret: the row holds it still (as loaded: not rotated nor re-encrypted).
    The previous one: the row's rotation is the one checked and its window is not over (a
    revoke empties previous_secret_expires_at; comparing with NULL is never true)."""
    sub = WebhookSubscription._meta
    if signed is Signed.CURRENT:
        secret = sub.get_field("secret_encrypted").column
        return sql.values_if_sql(count, sub.db_table, [sub.pk.column, secret])
    rotated = sub.get_field("secret_rotated_at").column
    expires = sub.get_field("previous_secret_expires_at").column
    return sql.values_if_sql(count, sub.db_table, [sub.pk.column, rotated], [expires])
