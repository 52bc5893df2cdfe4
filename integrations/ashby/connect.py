"""The Connect flow's services: store a checked key (or replace it), disconnect, check the
stored key again. What Ashby is asked, and the words for what it answers, are in
integrations/ashby/key_check.py."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.ashby.client import AshbyClient
from integrations.ashby.key_check import (
    ConnectError,
    KeyCheck,
    attention_reason,
    check_key,
    clean_api_key,
)
from integrations.models import AshbyConnection, AuditEvent, TenantErasure
from integrations.sync_runs import request_sync
from integrations.tenant_erasure import start_tenant_erasure
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def connect_ashby(
    tenant: Tenant, *, api_key: str, user, client: AshbyClient | None = None
) -> AshbyConnection:
    """Check `api_key` with Ashby, then store it encrypted (replacing any previous key),
    record who did it, and queue a sync once committed. Raises ConnectError, storing
    nothing, when the key cannot be used."""
    key = clean_api_key(api_key)
    check = check_key(key, client=client)
    with transaction.atomic():
        connection, replaced = _locked_connection(tenant)
        _store(connection, key, check, user)
        AuditEvent.record(
            tenant,
            user,
            AuditEvent.Action.ASHBY_KEY_REPLACED if replaced else AuditEvent.Action.ASHBY_CONNECTED,
            key_title=connection.key_title,
            key_last4=connection.key_last4,
        )
        reason = "key replaced" if replaced else "connected"
        transaction.on_commit(lambda: request_sync(connection.id, reason=reason))
    logger.info("Tenant %s %s Ashby (key …%s)", tenant.pk, reason, connection.key_last4)
    return connection


def _locked_connection(tenant: Tenant) -> tuple[AshbyConnection, bool]:
    """The tenant's connection row, locked; a new row when there is none. Two admins
    connecting at once: the unique tenant column makes the second insert wait or fail,
    and the second then replaces the first's key."""
    existing = AshbyConnection.objects.select_for_update().filter(tenant=tenant).first()
    if existing is not None:
        return existing, True
    connection = AshbyConnection(tenant=tenant, api_key_encrypted="", key_last4="")
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError:
        return AshbyConnection.objects.select_for_update().get(tenant=tenant), True
    return connection, False


def _store(connection: AshbyConnection, key: str, check: KeyCheck, user) -> None:
    now = timezone.now()
    connection.api_key = key
    connection.key_title = check.title[:255]
    connection.scopes = check.scopes
    connection.permissions = check.permissions
    connection.status = AshbyConnection.Status.CONNECTED
    connection.status_reason = ""
    connection.connected_by = user
    connection.connected_at = now
    connection.last_checked_at = now
    connection.save()


def disconnect_ashby(tenant: Tenant, *, user, delete_data: bool = False) -> TenantErasure | None:
    """Delete the tenant's connection and its stored key; with `delete_data`, also start
    deleting everything Guide holds for the tenant (hiring rows, guides, deliveries, webhook
    rows...; its audit trail stays) in the background, and return that erasure."""
    with transaction.atomic():
        connection = AshbyConnection.objects.select_for_update().get(tenant=tenant)
        detail = {"key_title": connection.key_title, "key_last4": connection.key_last4}
        connection.delete()
        AuditEvent.record(tenant, user, AuditEvent.Action.ASHBY_DISCONNECTED, **detail)
        erasure = start_tenant_erasure(tenant, user=user) if delete_data else None
    logger.info("Tenant %s disconnected Ashby (data deleted: %s)", tenant.pk, delete_data)
    return erasure


def check_connection(
    connection: AshbyConnection, *, client: AshbyClient | None = None
) -> AshbyConnection:
    """Check the stored key again. All good: Connected, permissions refreshed. Rejected or
    missing a permission: Needs attention with the reason. Ashby unreachable or limiting:
    ConnectError, and nothing changes. A connection that was paused queues a sync."""
    try:
        check = check_key(connection.api_key, client=client)
    except ConnectError as exc:
        if exc.code not in ("rejected", "deactivated", "missing_permissions"):
            raise
        connection.last_checked_at = timezone.now()
        connection.save(update_fields=["last_checked_at", "updated_at"])
        connection.mark_needs_attention(attention_reason(exc))
        return connection
    was_paused = not connection.is_usable
    connection.key_title = check.title[:255] or connection.key_title
    connection.scopes, connection.permissions = check.scopes, check.permissions
    connection.status, connection.status_reason = AshbyConnection.Status.CONNECTED, ""
    connection.last_checked_at = timezone.now()
    connection.save()
    if was_paused:  # syncing stopped while the key needed attention: catch up now
        transaction.on_commit(lambda: request_sync(connection.id, reason="key checked"))
    return connection
