"""The handlers of apiKey.info and the webhook.* endpoints: `(ctx, body) -> results dict`,
raising ApiError. Listed in ENDPOINTS (ashby_sandbox/api_handlers.py)."""

from __future__ import annotations

from ashby_sandbox import conf, webhook_sender
from ashby_sandbox import models as m
from ashby_sandbox import serializers as s
from ashby_sandbox.api_context import Context
from ashby_sandbox.api_input import (
    get_or_error,
    json_type,
    text_field,
    uuid_field,
)
from ashby_sandbox.errors import ApiError, invalid_input
from ashby_sandbox.spec import permission_to_scope, webhook_create_types

# The lengths of the sandbox's Webhook columns (Ashby publishes none).
URL_MAX_LENGTH = m.Webhook._meta.get_field("request_url").max_length
SECRET_MAX_LENGTH = m.Webhook._meta.get_field("secret_token").max_length


# --- apiKey, webhooks --------------------------------------------------------------------


def api_key_info(ctx: Context, body: dict) -> dict:
    return {
        "title": ctx.key.title,
        "createdAt": s.ts(ctx.key.created_at),
        "scopes": [permission_to_scope(p) for p in ctx.key.permissions],
    }


def _webhook(body: dict) -> m.Webhook:
    webhook_id = uuid_field(body, "webhookId")
    return get_or_error(m.Webhook.objects, "webhook_not_found", "webhook", id=webhook_id)


def webhook_create(ctx: Context, body: dict) -> dict:
    webhook_type = text_field(body, "webhookType", 40, required=True)
    request_url = text_field(body, "requestUrl", URL_MAX_LENGTH, required=True)
    secret_token = text_field(body, "secretToken", SECRET_MAX_LENGTH, required=True)
    # The spec's enum leaves out jobCreate, jobUpdate, openingCreate and
    # signatureRequestUpdate (the UI offers them); whether the API takes them is unconfirmed.
    if webhook_type not in webhook_create_types() and not conf.get("SANDBOX_WEBHOOK_API_ALL_TYPES"):
        raise invalid_input(
            f"webhookType must be one of {', '.join(webhook_create_types())}; "
            f"{webhook_type} can be set up in Admin > Webhooks only"
        )
    try:
        hook = webhook_sender.create_webhook(
            webhook_type=webhook_type, request_url=request_url, secret_token=secret_token
        )
    except webhook_sender.WebhookInputError as exc:
        raise ApiError(exc.code, str(exc)) from None
    return s.webhook(hook, with_secret=True)


def webhook_info(ctx: Context, body: dict) -> dict:
    return s.webhook(_webhook(body), with_secret=False)


def webhook_update(ctx: Context, body: dict) -> dict:
    hook = _webhook(body)
    enabled = body.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise invalid_input(f"enabled must be true or false; got {json_type(enabled)}")
    request_url = text_field(body, "requestUrl", URL_MAX_LENGTH)
    secret_token = text_field(body, "secretToken", SECRET_MAX_LENGTH)
    if enabled is None and request_url is None and secret_token is None:
        raise invalid_input("One of enabled, requestUrl or secretToken must be provided")
    try:
        hook = webhook_sender.update_webhook(
            hook, enabled=enabled, request_url=request_url, secret_token=secret_token
        )
    except webhook_sender.WebhookInputError as exc:
        raise ApiError(exc.code, str(exc)) from None
    return s.webhook(hook, with_secret=True)


def webhook_delete(ctx: Context, body: dict) -> dict:
    hook = _webhook(body)
    webhook_id = str(hook.id)
    hook.delete()
    return {"webhookId": webhook_id}
