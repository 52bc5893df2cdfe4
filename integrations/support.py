"""The support console's actions (run from the Django admin), as typed service functions.

Each action calls the service that owns the behaviour (registry.check_connection,
sync_runs.request_sync, ...) and never reimplements it. `perform` wraps one action on one row:
it runs it in a transaction, turns a refusal into a message for support (never a stack
trace), and writes the audit trail row (who, what, when, which row, how it went), whatever
the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Model

from integrations import deliveries, delivery_history, registry, webhook_rows
from integrations import delivery_messages as says
from integrations.models import (
    AshbyConnection,
    AuditEvent,
    DeliveryAttempt,
    SyncRun,
    SyncState,
    WebhookDelivery,
    WebhookSubscription,
)
from integrations.sync_runs import reap_stale_runs, request_sync
from tenants.models import Tenant

logger = logging.getLogger(__name__)

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome


class Refused(Exception):
    """The action cannot be done on this row now; the message tells support why."""


@dataclass(frozen=True)
class Result:
    ok: bool
    message: str


def perform(
    action: str,
    obj: Model,
    *,
    tenant: Tenant,
    user,
    run: Callable[[], str],
    atomic: bool = True,
    sentences: bool = False,
) -> Result:
    """Run one support action on `obj` and audit it. `run` returns the message for support
    or raises Refused / ConnectError, which become a refused / failed outcome. `atomic=False`
    for an action that manages its own transactions (it calls the ATS); `sentences` when its
    messages name the row themselves (else they follow the row's name)."""
    target = f"{type(obj).__name__} {obj.pk}"
    try:
        with transaction.atomic() if atomic else nullcontext():
            message = run()
        outcome = Outcome.DONE
    except Refused as exc:
        outcome, message = Outcome.REFUSED, str(exc)
    except registry.ConnectError as exc:
        outcome, message = Outcome.FAILED, f"{tenant}: {exc.message}" if sentences else exc.message
    except Exception:  # one bad row must not hide the others' results
        logger.exception("Support action %s failed on %s", action, target)
        outcome, message = Outcome.FAILED, "Unexpected error; the details are in the server log."
        if sentences:
            message = f"{Action(action).label} failed for {tenant}: unexpected error; the details are in the server log."
    AuditEvent.record(
        tenant,
        user,
        action,
        source=AuditEvent.Source.ADMIN,
        target=target,
        outcome=outcome,
        message=message,
    )
    named = sentences and outcome != Outcome.FAILED
    return Result(ok=outcome == Outcome.DONE, message=message if named else f"{obj}: {message}")


# --- Connections --------------------------------------------------------------------------
# Messages are sentences that name the tenant: "Queued a sync for Acme (run 12)."


def _connection_action(action: str, connection: AshbyConnection, user, run) -> Result:
    return perform(action, connection, tenant=connection.tenant, user=user, run=run, sentences=True)


def _require_usable(connection: AshbyConnection) -> None:
    if not connection.is_usable:
        raise Refused(
            f"{connection.tenant}'s connection is {connection.get_status_display().lower()}: "
            "enable it or check the key first."
        )


def set_disabled(connection: AshbyConnection, *, user) -> Result:
    """Stop every sync of the connection until support enables it again."""

    def run() -> str:
        if connection.status == AshbyConnection.Status.DISABLED:
            raise Refused(f"{connection.tenant}'s connection is already disabled.")
        connection.status = AshbyConnection.Status.DISABLED
        connection.status_reason = "Disabled by Guide support. Contact support to resume syncing."
        connection.save(update_fields=["status", "status_reason", "updated_at"])
        return f"Disabled {connection.tenant}'s connection: syncs stop until it is enabled."

    return _connection_action(Action.CONNECTION_DISABLED, connection, user, run)


def enable(connection: AshbyConnection, *, user) -> Result:
    """Enable a disabled connection by checking its key again (registry.check_connection):
    a good key makes it Connected and queues a sync, a refused one Needs attention."""

    def run() -> str:
        if connection.status != AshbyConnection.Status.DISABLED:
            raise Refused(f"{connection.tenant}'s connection is not disabled: nothing to enable.")
        checked = registry.check_connection(connection)
        if checked.status == AshbyConnection.Status.NEEDS_ATTENTION:
            return (
                f"{connection.tenant}'s key checked: Ashby refused it, so the connection "
                f"needs attention. {checked.status_reason}"
            )
        return f"Enabled {connection.tenant}'s connection: Ashby accepts the key; a sync is queued."

    return _connection_action(Action.CONNECTION_ENABLED, connection, user, run)


def check_key(connection: AshbyConnection, *, user) -> Result:
    """Check the stored key against Ashby (registry.check_connection) and say the verdict."""

    def run() -> str:
        if connection.status == AshbyConnection.Status.DISABLED:
            raise Refused(
                f"{connection.tenant}'s connection is disabled: use Enable, which checks the "
                "key too."
            )
        checked = registry.check_connection(connection)
        if checked.status == AshbyConnection.Status.NEEDS_ATTENTION:
            return f"{connection.tenant}'s key checked: Ashby refused it. {checked.status_reason}"
        return f"{connection.tenant}'s key checked: Ashby accepts it; permissions refreshed."

    return _connection_action(Action.KEY_CHECKED, connection, user, run)


def sync_now(connection: AshbyConnection, *, user) -> Result:
    """Queue an incremental sync (sync_runs.request_sync folds it into a run under way)."""

    def run() -> str:
        _require_usable(connection)
        active = _active_run(connection)
        run = request_sync(connection.pk, reason="support: sync now")
        if active is not None and active.pk == run.pk:
            return (
                f"{connection.tenant}'s sync run {run.pk} is already "
                f"{run.get_status_display().lower()}; nothing more to do."
            )
        return f"Queued a sync for {connection.tenant} (run {run.pk})."

    return _connection_action(Action.SYNC_REQUESTED, connection, user, run)


def full_resync(connection: AshbyConnection, *, user) -> Result:
    """Drop the connection's sync tokens, then queue a full sync (every resource from
    scratch; records Ashby no longer returns are removed by the full pass). A queued run is
    upgraded to full; a running one is refused: it would save its tokens again."""

    def run() -> str:
        _require_usable(connection)
        reap_stale_runs(connection_id=connection.pk)
        if SyncRun.objects.filter(connection=connection, status=SyncRun.Status.RUNNING).exists():
            raise Refused(
                f"{connection.tenant} has a sync running: run Full resync again when it has "
                "finished."
            )
        dropped = (
            SyncState.objects.filter(connection=connection)
            .exclude(sync_token="")
            .update(sync_token="")
        )
        run = request_sync(connection.pk, full=True, reason="support: full resync")
        tokens = "1 sync token" if dropped == 1 else f"{dropped} sync tokens"
        return f"Queued a full sync for {connection.tenant} (run {run.pk}); {tokens} dropped."

    return _connection_action(Action.FULL_RESYNC_REQUESTED, connection, user, run)


def _active_run(connection: AshbyConnection) -> SyncRun | None:
    return SyncRun.objects.filter(connection=connection, status__in=SyncRun.ACTIVE).first()


# --- Webhooks -----------------------------------------------------------------------------


def rotate_secret(subscription: WebhookSubscription, *, user) -> Result:
    """A new secret for the row (webhook_rows.rotate_secret); the old one is accepted for the
    grace period, so the row keeps receiving. The message never holds a secret."""

    def run() -> str:
        webhook_rows.rotate_secret(subscription)
        if not webhook_rows.grace_period():
            return "new secret made; deliveries signed with the old one are refused at once."
        return (
            "new secret made; the old one is accepted for "
            f"{webhook_rows.grace_hours()} until the tenant pastes the new one into Ashby."
        )

    return perform(
        Action.WEBHOOK_SECRET_ROTATED, subscription, tenant=subscription.tenant, user=user, run=run
    )


def revoke_previous_secret(subscription: WebhookSubscription, *, user) -> Result:
    """End the grace period now (webhook_rows.revoke_previous_secret): deliveries signed with
    the previous secret are refused from here on."""

    def run() -> str:
        if not webhook_rows.revoke_previous_secret(subscription):
            raise Refused("no previous secret is accepted; nothing to revoke.")
        return "previous secret revoked; deliveries signed with it are refused from now on."

    return perform(
        Action.PREVIOUS_SECRET_REVOKED, subscription, tenant=subscription.tenant, user=user, run=run
    )


def replay_last_delivery(subscription: WebhookSubscription, *, user) -> Result:
    """Process the row's latest delivery again, now (see `replay`)."""
    seen: list[DeliveryAttempt | None] = []

    def run() -> str:
        latest = subscription.deliveries.select_related("tenant").order_by("-received_at", "-id")
        if not latest:
            event = says.event_name(subscription.event)
            raise Refused(
                f"Nothing to replay for the {event} webhook of {subscription.tenant}: "
                "no delivery received yet."
            )
        return _replay(latest[0], user, seen)

    result = perform(
        Action.DELIVERY_REPLAYED,
        subscription,
        tenant=subscription.tenant,
        user=user,
        run=run,
        atomic=False,
        sentences=True,
    )
    return _applied(result, seen)


def replay(delivery: WebhookDelivery, *, user) -> Result:
    """Process a stored delivery again from its raw body, now, so the message says how it
    went: a new attempt in its history (deliveries.replay_delivery, then apply_delivery,
    which may ask the ATS, so no transaction is held around it)."""
    seen: list[DeliveryAttempt | None] = []
    result = perform(
        Action.DELIVERY_REPLAYED,
        delivery,
        tenant=delivery.tenant,
        user=user,
        run=lambda: _replay(delivery, user, seen),
        atomic=False,
        sentences=True,
    )
    return _applied(result, seen)


def _replay(delivery: WebhookDelivery, user, seen: list) -> str:
    try:
        deliveries.replay_delivery(
            delivery.tenant, delivery.pk, requested_by=_name(user), queue=False
        )
    except deliveries.ReplayRefused as exc:
        raise Refused(says.not_replayed(delivery, _lower(str(exc)))) from None
    # Not queued: processed here. Were this request to die first, the sweep picks it up.
    status = deliveries.apply_delivery(delivery.pk)
    attempt = None if status == "not pending" else delivery_history.latest(delivery.pk)
    seen.append(attempt)
    return says.replayed(delivery, attempt)


def _applied(result: Result, seen: list[DeliveryAttempt | None]) -> Result:
    """A replay that ran but did not apply is reported as a warning, not a success."""
    failed = any(a is not None and a.result in DeliveryAttempt.FAILURES for a in seen)
    return replace(result, ok=result.ok and not failed)


def mark_ignored(delivery: WebhookDelivery, *, user) -> Result:
    """Stop a delivery from being retried or swept again: status Ignored, its error kept."""

    def run() -> str:
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status == WebhookDelivery.Status.PROCESSING:
            why = "it is being processed right now; try again in a moment."
            raise Refused(says.not_marked_ignored(delivery, why))
        if locked.status == WebhookDelivery.Status.IGNORED:
            raise Refused(says.not_marked_ignored(delivery, "it is already ignored."))
        locked.status = WebhookDelivery.Status.IGNORED
        locked.next_attempt_at = None
        locked.outcome = f"Marked ignored by support ({_name(user)})."[:255]
        locked.save(update_fields=["status", "next_attempt_at", "outcome"])
        return says.marked_ignored(delivery)

    return perform(
        Action.DELIVERY_IGNORED,
        delivery,
        tenant=delivery.tenant,
        user=user,
        run=run,
        sentences=True,
    )


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _name(user) -> str:
    return user.get_username() if user is not None else "system"
