"""Webhook subscriptions and deliveries in the support console.

Subscriptions: state, last delivery, signature failures, deliveries failing lately, the
secret as its last four characters; actions Rotate secret, Revoke the previous secret now
(both confirmed first) and Replay the last delivery. Deliveries (a table that grows to
millions): the raw body pretty-printed, the headers received, status, error, and every
processing attempt; actions Replay and Mark ignored. Secrets never reach a page.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.contrib import admin
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.timezone import localtime

from integrations import delivery_history, registry, support, webhook_rows
from integrations.admin.base import SupportActionsAdmin, confirm
from integrations.admin.delivery_history import AttemptInline
from integrations.crypto import DecryptionError
from integrations.models import DeletedCandidate, WebhookDelivery, WebhookSubscription
from tenants.admin_kit import (
    UUID,
    BigTableAdmin,
    HasErrorFilter,
    ReadOnlyAdmin,
    change_link,
    changelist_url,
    masked,
)
from tenants.models import Tenant

# The dedupe key of a payload without an action id: "sha256:" + the body's hash.
DEDUPE_HASH = re.compile(r"(sha256:)?[0-9a-f]{64}")


def secret_hint(subscription: WebhookSubscription) -> str:
    """The secret's last four characters (decrypted here only to cut them)."""
    try:
        return masked(subscription.secret[-4:])
    except DecryptionError:
        return "cannot be decrypted (see rotate_encryption_keys)"


def state_of(subscription: WebhookSubscription, others_last_valid: Any) -> str:
    """The row's state as the Configure Webhooks page computes it (the model's rule, and
    Failing when its deliveries are not applied: `_failing`, from with_others_last_valid)."""
    failing = getattr(subscription, "_failing", 0)
    event = registry.EVENTS.get(subscription.event)
    if event is None:
        return "Unknown event"
    state = subscription.state(quiet_after=event.quiet_after, others_last_valid=others_last_valid)
    return WebhookSubscription.State(delivery_history.row_state(state, failing)).label


def with_others_last_valid(queryset: QuerySet) -> QuerySet:
    """Each row with what its state needs, as subqueries (not one query per row): its
    tenant's other rows' latest valid delivery (for Quiet) and its deliveries failing lately
    (`_failing`, for Failing)."""
    others = (
        WebhookSubscription.objects.filter(tenant=OuterRef("tenant"))
        .exclude(pk=OuterRef("pk"))
        .values("tenant")
        .annotate(latest=Max("last_valid_delivery_at"))
        .values("latest")
    )
    return queryset.annotate(
        _others_last_valid=Subquery(others[:1]),
        _failing=delivery_history.failing_count_subquery(),
    )


class FailingFilter(admin.SimpleListFilter):
    title = "signatures"
    parameter_name = "failing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("yes", "Failing (wrong signatures since the last good one)"),
            ("never", "Never received a signed delivery"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() == "yes":
            return queryset.filter(last_signature_failure_at__isnull=False).filter(
                Q(last_valid_delivery_at__isnull=True)
                | Q(last_signature_failure_at__gt=F("last_valid_delivery_at"))
            )
        if self.value() == "never":
            return queryset.filter(last_valid_delivery_at__isnull=True)
        return None


class NotAppliedFilter(admin.SimpleListFilter):
    """Rows whose deliveries were not applied lately (`_failing`, from with_others_last_valid)."""

    title = "deliveries"
    parameter_name = "not_applied"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Not applied in the last 24 hours")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        return queryset.filter(_failing__gt=0) if self.value() == "yes" else None


class EventFilter(admin.SimpleListFilter):
    """The webhook events Guide subscribes to, from the handler table (no DISTINCT query over
    a million rows)."""

    title = "event"
    parameter_name = "event"
    field = "event"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(action, action) for action in registry.EVENTS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        return queryset.filter(**{self.field: self.value()}) if self.value() else None


class DeliveryEventFilter(EventFilter):
    field = "action"


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(SupportActionsAdmin, ReadOnlyAdmin):
    list_display = [
        "event",
        "tenant",
        "state",
        "failing_deliveries",
        "secret",
        "last_delivery_at",
        "last_valid_delivery_at",
        "signature_failures",
        "deliveries",
    ]
    list_filter = [EventFilter, FailingFilter, NotAppliedFilter, "tenant"]
    search_fields = ["tenant__name", "event", "=ashby_webhook_id"]
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant"]
    fields = [
        "tenant",
        "event",
        "state",
        "secret",
        "secret_rotated_at",
        "previous_secret",
        "secret_confirmed_at",
        "last_delivery_at",
        "last_valid_delivery_at",
        "signature_failures",
        "last_signature_failure_at",
        "ashby_webhook_id",
        "created_at",
        "failing_deliveries",
        "deliveries",
    ]
    readonly_fields = fields
    actions = ["rotate_secret", "revoke_previous_secret", "replay_last_delivery"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return with_others_last_valid(super().get_queryset(request))

    @admin.display(description="state")
    def state(self, subscription: WebhookSubscription) -> str:
        return state_of(subscription, getattr(subscription, "_others_last_valid", None))

    @admin.display(description="not applied (24 h)")
    def failing_deliveries(self, subscription: WebhookSubscription) -> str:
        """Deliveries that could not be applied lately (as the customer's page counts them),
        linking to the row's deliveries with an error."""
        failing = getattr(subscription, "_failing", 0)
        if not failing:
            return "0"
        url = changelist_url(
            WebhookDelivery, subscription__id__exact=subscription.pk, has_error="yes"
        )
        return format_html('<a href="{}">{}</a>', url, failing)

    @admin.display(description="secret")
    def secret(self, subscription: WebhookSubscription) -> str:
        return secret_hint(subscription)

    @admin.display(description="previous secret")
    def previous_secret(self, subscription: WebhookSubscription) -> str:
        """Whether the secret before the last rotation is still accepted, and until when
        (never the secret)."""
        if not subscription.accepts_previous_secret():
            return "not accepted"
        until = subscription.previous_secret_expires_at
        return f"accepted until {localtime(until):%Y-%m-%d %H:%M %Z}"

    @admin.display(description="deliveries")
    def deliveries(self, subscription: WebhookSubscription) -> str:
        url = changelist_url(WebhookDelivery, subscription__id__exact=subscription.pk)
        return format_html('<a href="{}">Deliveries</a>', url)

    @admin.action(description="Rotate secret", permissions=["support"])
    @confirm(webhook_rows.rotation_consequence)
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(request, [support.rotate_secret(s, user=request.user) for s in queryset])

    @admin.action(description="Revoke the previous secret now", permissions=["support"])
    @confirm(
        "Guide refuses deliveries signed with the previous secret from now on, without waiting "
        "for the end of the grace period. If the tenant has not pasted the new secret into "
        "Ashby yet, their real-time updates stop until they do (scheduled syncs go on)."
    )
    def revoke_previous_secret(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(
            request, [support.revoke_previous_secret(s, user=request.user) for s in queryset]
        )

    @admin.action(description="Replay the last delivery", permissions=["support"])
    def replay_last_delivery(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(request, [support.replay_last_delivery(s, user=request.user) for s in queryset])


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SupportActionsAdmin, BigTableAdmin, ReadOnlyAdmin):
    list_display = [
        "id",
        "received_at",
        "tenant",
        "action",
        "status",
        "attempt_count",
        "outcome",
        "short_error",
    ]
    list_filter = [
        "status",
        HasErrorFilter,
        DeliveryEventFilter,
        ("received_at", admin.DateFieldListFilter),
        "tenant",
    ]
    search_fields = ["=webhook_action_id", "=dedupe_key", "=action", "tenant__name"]
    list_select_related = ["tenant"]
    raw_id_fields = ["tenant", "subscription"]
    ordering = ["-id"]  # the primary key index: newest first without sorting a million rows
    fields = [
        "tenant",
        "subscription_link",
        "action",
        "webhook_action_id",
        "dedupe_key",
        "status",
        "attempts",
        "attempts_total",
        "replay_requested_by",
        "received_at",
        "started_at",
        "next_attempt_at",
        "processed_at",
        "outcome",
        "error",
        "headers_received",
        "pretty_body",
    ]
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["replay", "mark_ignored"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Every kind of term is answered from an index, never by scanning a million rows:
        an action id (webhook_action_id, a UUID), an event name, a dedupe key (probed per
        tenant and event through the unique constraint), or else a tenant's name or slug."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if UUID.fullmatch(term):
            match = Q(webhook_action_id__in={term, term.lower()})
        elif term in registry.EVENTS:
            match = Q(action=term)
        elif DEDUPE_HASH.fullmatch(term):
            key = term if term.startswith("sha256:") else f"sha256:{term}"
            match = Q(
                tenant__in=Tenant.objects.values("pk"),
                action__in=list(registry.EVENTS),
                dedupe_key=key,
            )
        else:
            match = Q(
                tenant__in=Tenant.objects.filter(Q(name__icontains=term) | Q(slug=term)).values(
                    "pk"
                )
            )
        return queryset.filter(match), False

    @admin.display(description="subscription")
    def subscription_link(self, delivery: WebhookDelivery) -> str:
        return change_link(delivery.subscription)

    @admin.display(description="attempts")
    def attempt_count(self, delivery: WebhookDelivery) -> int:
        """Every processing attempt, replays included (its page lists them)."""
        return delivery.attempts_total

    @admin.display(description="error")
    def short_error(self, delivery: WebhookDelivery) -> str:
        error = delivery.error or ""
        return (error[:80] + "…") if len(error) > 80 else error

    @admin.display(description="headers received")
    def headers_received(self, delivery: WebhookDelivery) -> str:
        text = json.dumps(delivery.headers or {}, indent=2, sort_keys=True)
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)

    @admin.display(description="body (as received, pretty-printed)")
    def pretty_body(self, delivery: WebhookDelivery) -> str:
        try:
            text = json.dumps(json.loads(delivery.body), indent=2, ensure_ascii=False)
        except ValueError:
            text = delivery.body  # not JSON: shown as received
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)

    @admin.action(description="Replay", permissions=["support"])
    def replay(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(request, [support.replay(d, user=request.user) for d in queryset])

    @admin.action(description="Mark ignored", permissions=["support"])
    def mark_ignored(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.report(request, [support.mark_ignored(d, user=request.user) for d in queryset])


@admin.register(DeletedCandidate)
class DeletedCandidateAdmin(ReadOnlyAdmin):
    """Tombstones of candidates Ashby deleted or merged away: a late delivery about one of
    them is ignored instead of bringing the candidate back. Support can look one up by id."""

    list_display = ["external_id", "tenant", "deleted_at"]
    list_filter = ["tenant"]
    list_select_related = ["tenant"]
    search_fields = ["=external_id", "tenant__name"]
    date_hierarchy = "deleted_at"
