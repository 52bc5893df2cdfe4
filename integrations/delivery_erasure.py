"""Replacing what a webhook delivery holds of a person: its body and headers become a note
(the row stays, a tombstone with its action, times and status), and, for an erasure, the
person's names, email addresses and phone numbers are taken out of its outcome, its error and
its attempts' sentences, and the attempts' exception texts are dropped.

Used by an erasure (integrations/erasure.py), by the processing of a late delivery about an
erased candidate, and by retention (integrations/retention.py), which keeps the texts.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from integrations import registry
from integrations.models import DeletedCandidate, DeliveryAttempt, WebhookDelivery
from tenants.personal_data import Person

logger = logging.getLogger(__name__)

ERASED = "[erased]"
NOT_NOTED = WebhookDelivery.CANDIDATE_NOT_NOTED


def note(why: str, when: datetime | None = None) -> str:
    """What an erased body says instead: when and why (never whose)."""
    when = (when or timezone.now()).astimezone(UTC)
    return f"Body erased {when:%Y-%m-%d %H:%M} UTC: {why}"


def of_person(person: Person) -> QuerySet:
    """The person's deliveries, by the candidate id noted at receipt (an index); rows received
    before ids were noted (until retention's pass notes them) are read for the ids. A request
    by email address also reads the tenant's kept bodies for it (kept only
    GUIDE_DELIVERY_BODY_DAYS): support's rare request, not an ATS deletion."""
    subjects = person.subjects
    match = Q(candidate_id__in=subjects) if subjects else Q(pk__in=[])
    for external_id in person.external_ids:
        match |= Q(candidate_id=NOT_NOTED, body__contains=external_id)
    # The kept bodies' own index (delivery_body_kept) bounds the read to the body window.
    kept = Q(body_erased_at__isnull=True, received_at__gte=timezone.now() - _body_window())
    for email in person.emails if person.match_emails else ():
        match |= kept & Q(body__icontains=email)
    return WebhookDelivery.objects.filter(match, tenant=person.tenant)


def _body_window() -> timedelta:
    # A day's slack: retention runs hourly and may be behind.
    return timedelta(days=int(settings.GUIDE_DELIVERY_BODY_DAYS) + 1)


def learn_from_bodies(person: Person, deliveries: QuerySet) -> None:
    """Add to `person` what their deliveries' kept bodies say of them (names, phones, ids)."""
    kept = deliveries.filter(body_erased_at__isnull=True).values_list("candidate_id", "body")
    for candidate_id, body in kept.iterator():
        said = registry.person_in(_payload(body))
        emails = {e.lower() for e in said["emails"]}
        if candidate_id in person.subjects or (person.match_emails and emails & person.emails):
            person.learn(**said)
            if candidate_id and ":" not in candidate_id:
                person.external_ids.add(candidate_id)


def _payload(body: str) -> dict:
    try:
        payload = json.loads(body)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def erase_bodies(ids: Sequence[int], why: str) -> int:
    """Replace the bodies and headers of these deliveries by a note (retention, erasure)."""
    now = timezone.now()
    changed = WebhookDelivery.objects.filter(pk__in=ids).update(
        body=note(why, now), headers={}, body_erased_at=now
    )
    DeliveryAttempt.objects.filter(delivery_id__in=ids).exclude(details="").update(details="")
    return changed


def erase_texts(ids: Sequence[int], terms: Iterable[str]) -> None:
    """Take `terms` out of these deliveries' outcome and error and their attempts' sentences."""
    pattern = _pattern(terms)
    if pattern is None:
        return
    for delivery in WebhookDelivery.objects.filter(pk__in=ids).only("outcome", "error"):
        outcome, error = pattern.sub(ERASED, delivery.outcome), pattern.sub(ERASED, delivery.error)
        if (outcome, error) != (delivery.outcome, delivery.error):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(outcome=outcome, error=error)
    for attempt in DeliveryAttempt.objects.filter(delivery_id__in=ids).only("message"):
        message = pattern.sub(ERASED, attempt.message)
        if message != attempt.message:
            DeliveryAttempt.objects.filter(pk=attempt.pk).update(message=message)


def scrub(text: str, terms: Iterable[str]) -> str:
    """`text` with every term (case-insensitive) replaced by [erased]."""
    pattern = _pattern(terms)
    return pattern.sub(ERASED, text) if pattern is not None and text else text


def _pattern(terms: Iterable[str]) -> re.Pattern | None:
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def erase_late_delivery(delivery_id: int) -> bool:
    """erase_late_deliveries for one delivery: True when it lost its body."""
    return bool(erase_late_deliveries([delivery_id]))


def erase_late_deliveries(delivery_ids: Sequence[int]) -> int:
    """Deliveries about a candidate erased earlier (a retry, a replay, a late arrival) lose
    their body and what they said of them, once processed; how many did. One query (no body
    read) for the usual batch, about nobody erased."""
    tombstone = DeletedCandidate.objects.filter(
        tenant=OuterRef("tenant"), external_id=OuterRef("candidate_id")
    )
    rows = WebhookDelivery.objects.filter(pk__in=list(delivery_ids), body_erased_at__isnull=True)
    late = list(rows.filter(Exists(tombstone)).values_list("pk", "body"))
    for delivery_id, body in late:
        said = registry.person_in(_payload(body))
        erase_texts([delivery_id], [*said["names"], *said["emails"], *said["phones"]])
        erase_bodies([delivery_id], "it is about a candidate whose data was erased")
        logger.info("Delivery %s about an erased candidate: body erased", delivery_id)
    return len(late)
