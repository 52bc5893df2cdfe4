"""A delivery's history (one DeliveryAttempt per processing run), and which webhook rows
have deliveries failing lately.

integrations/deliveries.py records an attempt when a run ends, in the transaction that saves
the delivery's new status; the sweep records the attempt of a run whose worker died.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from integrations.models import DeliveryAttempt, WebhookDelivery, WebhookSubscription

Kind = DeliveryAttempt.Kind
Status = WebhookDelivery.Status

# A row is "failing" while deliveries it received could not be applied in this window: failed
# for good, or retrying after failing twice (one retry is routine: a schedule's event can
# arrive before its application's).
FAILING_WINDOW = timedelta(hours=24)
FAILING_AFTER_ATTEMPTS = 2


def kind_of(delivery: WebhookDelivery) -> str:
    """Why the run now ending ran: a retry after a failure, a replay someone asked for, or
    the delivery's first processing."""
    if delivery.attempts > 1:
        return Kind.RETRY
    if delivery.replay_requested_by:
        return Kind.REPLAY
    return Kind.FIRST


def attempt_of(
    delivery: WebhookDelivery, result: str, message: str, details: str = "", *, finished_at=None
) -> DeliveryAttempt:
    """The attempt row of the run now ending (not saved). Its number is the delivery's
    running count, which the claim raised, so a replay never overwrites an earlier one."""
    kind = kind_of(delivery)
    return DeliveryAttempt(
        delivery=delivery,
        tenant_id=delivery.tenant_id,
        number=max(delivery.attempts_total, 1),
        kind=kind,
        started_at=delivery.started_at,
        finished_at=finished_at or timezone.now(),
        result=result,
        message=message[:4000],
        details=details[:4000],
        requested_by=delivery.replay_requested_by if kind == Kind.REPLAY else "",
    )


def record(delivery: WebhookDelivery, result: str, message: str, details: str = "") -> None:
    """Store the attempt of the run now ending: one INSERT."""
    attempt_of(delivery, result, message, details).save(force_insert=True)


def latest(delivery_id: int) -> DeliveryAttempt | None:
    return DeliveryAttempt.objects.filter(delivery_id=delivery_id).order_by("-number").first()


# --- failing rows ---------------------------------------------------------------------------


def failing_deliveries(now: datetime | None = None) -> Q:
    """Deliveries that could not be applied lately (the partial index delivery_failing)."""
    since = (now or timezone.now()) - FAILING_WINDOW
    return Q(status__in=[Status.FAILED, Status.RETRYING], started_at__gte=since) & (
        Q(status=Status.FAILED) | Q(attempts__gte=FAILING_AFTER_ATTEMPTS)
    )


def failing_counts(subscriptions: list[WebhookSubscription]) -> dict[int, int]:
    """{subscription id: its deliveries failing lately}, for all the rows in one query."""
    if not subscriptions:
        return {}
    rows = (
        WebhookDelivery.objects.filter(subscription__in=[s.pk for s in subscriptions])
        .filter(failing_deliveries())
        .order_by()
        .values("subscription_id")
        .annotate(n=Count("pk"))
    )
    return {row["subscription_id"]: row["n"] for row in rows}


def failing_count_subquery() -> Coalesce:
    """The same count as a column of a subscription queryset (the console's list)."""
    count = (
        WebhookDelivery.objects.filter(subscription=OuterRef("pk"))
        .filter(failing_deliveries())
        .order_by()
        .values("subscription")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


def row_state(state: str, failing: int) -> str:
    """A webhook row's state once its failing deliveries count: a Connected or Quiet row
    whose deliveries are not applied is Failing (Waiting and Failing rows stay as they are:
    their own problem comes first)."""
    S = WebhookSubscription.State
    return S.FAILING if failing and state in (S.CONNECTED, S.QUIET) else state


def failing_note(count: int) -> str:
    """What a row with failing deliveries says, on the customer's page and in the console."""
    plural = "delivery" if count == 1 else "deliveries"
    verb = "was" if count == 1 else "were"
    return (
        f"Ashby's events reach Guide, but {count} {plural} {verb} not applied in the last "
        "24 hours; Guide support sees this too. Recent deliveries below say why."
    )
