"""Receiving a webhook delivery: what the receiver (integrations/views/receiver.py) does with
a request to a subscription's URL.

`record_delivery`: check the signature with the row's secret (integrations/ashby/signature.py)
or, for a while after a rotation, its previous secret (the grace period), parse, answer a
ping, store the delivery (the outbox) in one statement; the receiver answers, then queues its
processing (integrations.deliveries.enqueue_after_commit). It never calls Ashby and never
processes anything itself, so Ashby gets its answer in milliseconds. Processing is in
integrations/deliveries.py; docs/webhooks.md says what each request gets and what a delivery
costs.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.models import F, Q
from django.utils import timezone

from integrations import registry
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhook_secrets import (
    Guard,
    Signed,
    confirm_new_secret,
    guard_for,
    guard_sql,
    secrets_of,
    signed_with,
)
from tenants import sql

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # 1 MB: Ashby's payloads are a few KB
# Connected rows are stamped at most this often, so a burst of deliveries does not queue
# up behind one row lock.
STAMP_EVERY_SECONDS = 5
# Never kept with a delivery.
_SECRET_HEADERS = {"ashby-signature", "authorization", "cookie", "proxy-authorization"}


class DeliveryRejected(Exception):
    """A request the receiver refuses; `status` is the HTTP answer, the message says why."""

    status = 400


class BadSignature(DeliveryRejected):
    status = 401


class MalformedPayload(DeliveryRejected):
    status = 400


class UnknownWebhook(DeliveryRejected):
    status = 404


class Outcome(enum.StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    PING = "ping"


@dataclass(frozen=True)
class Receipt:
    """What the receiver did with a request (for which event), and the stored delivery to
    process, if any."""

    outcome: Outcome
    to_process: int | None = None
    event: str = ""


def lookup_subscription(token: str) -> WebhookSubscription | None:
    """The row whose URL carries `token`: this process's copy from the last few seconds, or
    loaded. A remembered copy is never trusted for anything that matters: see record_delivery.
    """
    remembered = _remembered.get(token)
    if remembered is not None and remembered.until > time.monotonic():
        return remembered.subscription
    subscription = find_subscription(token)
    if subscription is not None:
        _remember(subscription)
    return subscription


def record_delivery(
    subscription: WebhookSubscription, body: bytes, headers: Mapping[str, str]
) -> Receipt:
    """Check, parse and durably store one request to `subscription`'s URL.

    Raises BadSignature (counted on the row), MalformedPayload, or UnknownWebhook (the row was
    deleted meanwhile); a database failure propagates (the receiver answers 503 so Ashby
    retries). A repeat of a stored delivery is a DUPLICATE and is not processed again. The
    caller queues the processing of `Receipt.to_process` (deliveries.enqueue_after_commit).

    The row's current secret is accepted, and its previous one until the grace period after a
    rotation ends (integrations/webhook_secrets.py). With a remembered copy of the row
    (lookup_subscription) an ordinary event is stored in one statement that inserts only if
    the row still accepts the secret it was checked with. Anything else, or any doubt (no
    match, a ping, a repeat, a changed or deleted row), is decided again on the row loaded now,
    so a secret replaced twice or revoked is refused at once, as without the copy.
    """
    remembered = _remembered.get(subscription.token)
    if remembered is not None and remembered.subscription is subscription:
        receipt = _record_with_remembered(remembered, body, headers)
        if receipt is not None:
            return receipt
        subscription = find_subscription(subscription.token)
        if subscription is None:
            raise UnknownWebhook("Unknown webhook URL.")
        _remember(subscription)
    signed = _check_signature(subscription, *secrets_of(subscription), body, headers)
    payload = _parse(body)
    action = payload["action"]
    if action == registry.PING:
        _stamp_valid(subscription, signed)
        return Receipt(Outcome.PING, event=action)
    ignored = action != subscription.event
    # The delivery commits on its own, first: a concurrent copy waits on the unique index,
    # not on the row stamp, and the answer needs as few round trips as possible. One signed
    # with the previous secret is inserted only while the row still accepts it.
    guard = guard_for(subscription, signed) if signed is Signed.PREVIOUS else None
    stored = _store(subscription, payload, body, headers, ignored=ignored, guard=guard)
    if stored is None and guard is not None:
        _refuse_unless_still_accepted(subscription.token, body, headers)
    _stamp_valid(subscription, signed)
    return _receipt(stored, ignored, payload["action"])


def _check_signature(
    subscription: WebhookSubscription,
    secret: str,
    previous: str | None,
    body: bytes,
    headers: Mapping[str, str],
) -> Signed:
    """Which secret signed the body; BadSignature (counted on the row) when neither did."""
    signed = signed_with(subscription, secret, previous, body, headers)
    if signed is None:
        _count_signature_failure(subscription)
        raise BadSignature(f"Missing or wrong {registry.SIGNATURE_HEADER}.")
    return signed


def _refuse_unless_still_accepted(token: str, body: bytes, headers: Mapping[str, str]) -> None:
    """The guarded INSERT stored nothing: a repeat, or the previous secret was revoked or
    replaced meanwhile. Decided on the row as it is now."""
    now = find_subscription(token)
    if now is None:
        raise UnknownWebhook("Unknown webhook URL.")
    _check_signature(now, *secrets_of(now), body, headers)


def _record_with_remembered(
    remembered: _Remembered, body: bytes, headers: Mapping[str, str]
) -> Receipt | None:
    """Store an event checked against the remembered row; None when that is not conclusive."""
    subscription = remembered.subscription
    signed = signed_with(subscription, remembered.secret, remembered.previous, body, headers)
    if signed is None:
        return None  # perhaps the secret was rotated since: decided on the row as it is now
    try:
        payload = _parse(body)
    except MalformedPayload:
        return None
    if payload["action"] == registry.PING:
        return None  # rare, and it must turn the row green at once
    ignored = payload["action"] != subscription.event
    guard = guard_for(subscription, signed)
    stored = _store(subscription, payload, body, headers, ignored=ignored, guard=guard)
    if stored is None:
        return None  # a repeat, or the row changed or went: decided on the row as it is now
    _stamp_valid(subscription, signed)
    return _receipt(stored, ignored, payload["action"])


def _receipt(stored: int | None, ignored: bool, event: str) -> Receipt:
    if stored is None:
        return Receipt(Outcome.DUPLICATE, event=event)
    if ignored:
        return Receipt(Outcome.IGNORED, event=event)
    return Receipt(Outcome.STORED, to_process=stored, event=event)


# Rows the receiver loaded in the last few seconds, by token, in this process. The copy saves
# a SELECT on every delivery; it can be out of date only in its stamps (a row another process
# just counted a bad signature on turns green again up to this long later).
REMEMBER_SECONDS = 5
_REMEMBER_AT_MOST = 10_000


@dataclass(frozen=True)
class _Remembered:
    until: float
    subscription: WebhookSubscription
    secret: str = field(repr=False)  # decrypted once, not on every delivery
    previous: str | None = field(repr=False)  # while accepted (the grace period)


_remembered: dict[str, _Remembered] = {}


def _remember(subscription: WebhookSubscription) -> None:
    if len(_remembered) >= _REMEMBER_AT_MOST:
        _remembered.clear()
    until = time.monotonic() + REMEMBER_SECONDS
    _remembered[subscription.token] = _Remembered(until, subscription, *secrets_of(subscription))


def forget_remembered() -> None:
    """Drop this process's remembered rows (tests)."""
    _remembered.clear()


def _parse(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedPayload("The body is not JSON.")
    if not isinstance(payload, dict):
        raise MalformedPayload("The body is not a JSON object.")
    action = payload.get("action")
    if not isinstance(action, str) or not action or len(action) > 60:
        raise MalformedPayload("The payload has no action.")
    return payload


def _count_signature_failure(subscription: WebhookSubscription) -> None:
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        signature_failures=F("signature_failures") + 1,
        last_signature_failure_at=now,
        last_delivery_at=now,
    )
    subscription.last_signature_failure_at = now  # failing, also in a remembered copy
    logger.warning(
        "Webhook with a wrong signature: tenant %s, event %s",
        subscription.tenant_id,
        subscription.event,
    )


def _stamp_valid(subscription: WebhookSubscription, signed: Signed) -> None:
    """Mark the row as receiving correctly signed deliveries (at most every few seconds,
    unless it was waiting or failing, which must turn green at once), and a rotation as
    done once a delivery signed with the new secret arrives."""
    now = timezone.now()
    if signed is Signed.CURRENT and subscription.rotation_pending:
        confirm_new_secret(subscription, now)
    recent = now - timedelta(seconds=STAMP_EVERY_SECONDS)
    last = subscription.last_valid_delivery_at
    if last is not None and last >= recent and not subscription.is_failing:
        return  # stamped a moment ago (as loaded with the row): spare the query
    WebhookSubscription.objects.filter(pk=subscription.pk).filter(
        Q(last_valid_delivery_at__isnull=True)
        | Q(last_valid_delivery_at__lt=recent)
        | Q(last_signature_failure_at__gte=F("last_valid_delivery_at"))
    ).update(last_valid_delivery_at=now, last_delivery_at=now)
    subscription.last_valid_delivery_at = now  # a remembered copy is not stamped again at once


def _store(
    subscription: WebhookSubscription,
    payload: Mapping[str, Any],
    body: bytes,
    headers: Mapping[str, str],
    *,
    ignored: bool,
    guard: Guard | None = None,
) -> int | None:
    """Insert the delivery and return its id; None when the same one is stored already (the
    database says so), or, with a `guard`, when the row no longer accepts the secret the
    signature was checked with."""
    action_id = registry.delivery_id(payload)
    values = {
        "tenant_id": subscription.tenant_id,
        "subscription_id": subscription.pk,
        "action": payload["action"],
        "webhook_action_id": action_id,
        "dedupe_key": action_id or "sha256:" + hashlib.sha256(body).hexdigest(),
        "body": body.decode("utf-8"),
        "headers": _safe_headers(headers),
        "candidate_id": registry.candidate_in(payload),  # finds a person's deliveries (erasure)
    }
    if ignored:
        values["status"] = WebhookDelivery.Status.IGNORED
        values["outcome"] = f"Sent to the {subscription.event} URL: not processed."
    return insert_delivery(values, guard=guard)


def find_subscription(token: str) -> WebhookSubscription | None:
    """The row whose URL carries `token`: one plain SELECT by the unique token (a raw query
    costs half what the ORM's query building does, and the receiver runs it on every request)."""
    return next(
        iter(WebhookSubscription.objects.raw(_select_sql(connection.vendor), [token])), None
    )


def insert_delivery(values: Mapping[str, Any], *, guard: Guard | None = None) -> int | None:
    """Store a WebhookDelivery with `values` (by attribute name; other fields take their
    defaults) and return its id, or None when (tenant, action, dedupe_key) is stored already:
    one INSERT ... ON CONFLICT DO NOTHING RETURNING id. With a `guard`, nothing is inserted
    either when the subscription row no longer accepts the secret the signature was checked
    with (rotated, revoked, re-encrypted), or is gone.

    Outside a transaction that one statement is its own transaction: a single round trip,
    durable when it returns (instead of BEGIN, INSERT, COMMIT). Two copies arriving at the same
    moment are decided by the unique index: the second waits for the first and inserts nothing.
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: `connection` looks it up on every attribute
    columns = sql.one_row_columns(WebhookDelivery, values)
    params = list(columns.values())
    if guard is not None:
        params += guard.params
    text = _insert_sql(db.vendor, tuple(columns), guard.signed if guard else None)
    try:
        return _insert(text, params)
    except DatabaseError:
        # No health check before the INSERT (a round trip on every delivery): a connection
        # that died since its last use (a database restart) fails here instead, and the
        # INSERT, which cannot store a delivery twice, runs once more on a new connection.
        if db.in_atomic_block or _usable(db):
            raise
        db.close()
        return _insert(text, params)


# A prepared statement lost or doubled on the server: the sign of a pooler in transaction mode
# that does not keep prepared statements (PgBouncer before 1.21, or max_prepared_statements 0).
_PREPARED_STATEMENT_LOST = {"26000", "42P05"}  # invalid_sql_statement_name, duplicate_pstatement


def storing_failure_hint(exc: DatabaseError) -> str:
    """What an operator can do about a database error while storing a delivery, when the
    error says ("" otherwise)."""
    if getattr(exc.__cause__, "sqlstate", None) in _PREPARED_STATEMENT_LOST:
        return (
            "; a connection pooler in transaction mode is losing prepared statements: set "
            "DATABASE_PREPARED_STATEMENTS=false, or PgBouncer's max_prepared_statements (1.21+)"
        )
    return ""


def _insert(text: str, params: list) -> int | None:
    with sql.cursor_binding_on_server() as cursor:
        cursor.execute(text, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def _usable(conn) -> bool:
    return conn.connection is not None and conn.is_usable()


@functools.cache
def _select_sql(vendor: str) -> str:
    return sql.select_sql(WebhookSubscription._meta.db_table, None, ["token"])


@functools.cache
def _insert_sql(vendor: str, columns: tuple[str, ...], guarded: Signed | None) -> str:
    """Built once per shape. Guarded: the values are SELECTed from the subscription row, so
    nothing is inserted when it no longer accepts the secret the signature was checked with."""
    meta = WebhookDelivery._meta
    return sql.insert_sql(
        meta.db_table,
        columns,
        source=guard_sql(len(columns), guarded) if guarded else None,
        conflict=[meta.get_field(n).column for n in ("tenant", "action", "dedupe_key")],
        returning=[meta.pk.column],
    )


def _safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    kept = {}
    for name, value in list(headers.items())[:50]:
        if name.lower() not in _SECRET_HEADERS:
            kept[name] = str(value)[:500]
    return kept
