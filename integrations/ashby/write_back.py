"""The guide link written onto each candidate's Ashby profile (issue 20 point 5; docs/ashby.md
§10). Off by default; an admin turns it on (integrations/ashby/views/write_back.py) and picks
a Candidate custom field of type String or LongText, or a note on the candidate.

A guide is due when it has no GuideLinkWrite row, when its link differs from the row's value
(the token or PUBLIC_BASE_URL changed), or when its last attempt failed and the backoff has
passed. So a link is written once per guide and again only when it changes. `sweep` runs on
the bulk queue (integrations/tasks.py, every few minutes) through the shared request budget;
after MAX_ATTEMPTS failures the row is FAILED and stays shown until the link changes or an
admin asks to try again.

[SPEC] customField.setValue needs `candidatesWrite`; body {objectId, objectType, fieldId,
fieldValue}; String and LongText take a string. candidate.createNote needs `candidatesWrite`;
body {candidateId, note: {type: "text/plain"|"text/html", value}, sendNotifications}.
customField.list needs `hiringProcessMetadataRead`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone

from guides.models import Guide
from guides.views_public import public_url
from integrations.ashby import errors
from integrations.ashby import permissions as perms
from integrations.ashby.client import AshbyClient, RetryPolicy
from integrations.models import AshbyConnection, GuideLinkWrite

logger = logging.getLogger(__name__)

Status = GuideLinkWrite.Status
NOTE = AshbyConnection.NOTE
NOTE_LABEL = "a note on the candidate"
FIELD_TYPES = ("String", "LongText")  # [SPEC] the field types that take a plain string
MAX_ATTEMPTS = 5
BATCH = 200  # guides written per sweep and tenant; the next sweep takes the rest
SWEEP_RETRY = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=10.0, max_total=30.0)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 5, 10, 20, 40 minutes."""
    return timedelta(minutes=5 * 2 ** max(0, attempts - 1))


def is_on(connection: AshbyConnection | None) -> bool:
    return bool(
        connection
        and connection.guide_link_target
        and perms.can_write_guide_links(connection.permissions)
    )


def target_label(connection: AshbyConnection) -> str:
    if connection.guide_link_target == NOTE:
        return NOTE_LABEL
    return f"the custom field “{connection.guide_link_field_title}”"


def candidate_fields(client: AshbyClient) -> list[dict]:
    """The custom fields a guide link can go into: Candidate, String/LongText, not archived.
    Raises MissingPermission without hiringProcessMetadataRead."""
    return [
        {"id": str(f["id"]), "title": str(f.get("title") or f["id"])}
        for page in client.paginate("customField.list", {})
        for f in page.results
        if f.get("objectType") == "Candidate"
        and f.get("fieldType") in FIELD_TYPES
        and not f.get("isArchived")
    ]


def _link_of_token() -> tuple[str, str]:
    """The guide link around its token: (before, after), as public_url builds it."""
    from django.conf import settings

    marker = "TOKEN"
    path = reverse("guides:public", args=[marker])
    before, after = path.split(marker, 1)
    return settings.PUBLIC_BASE_URL + before, after


def due_guides(connection: AshbyConnection, now: datetime) -> QuerySet[Guide]:
    """The tenant's guides whose link is not written as it is now, failed ones after backoff."""
    before, after = _link_of_token()
    current = Concat(Value(before), F("token"), Value(after))
    changed = Q(link_write__isnull=True) | ~Q(link_write__value=current)
    retry = Q(link_write__status=Status.RETRYING, link_write__next_attempt_at__lte=now)
    return (
        Guide.objects.filter(tenant_id=connection.tenant_id)
        .filter(changed | retry)
        .select_related("candidate")
        .order_by("pk")
    )


def write_link(client: AshbyClient, connection: AshbyConnection, guide: Guide, url: str) -> None:
    """One write to Ashby: the custom field's value, or a new note."""
    candidate_id = guide.candidate.external_id
    if connection.guide_link_target == NOTE:
        note = {"type": "text/plain", "value": f"Guide link for this candidate: {url}"}
        body = {"candidateId": candidate_id, "note": note, "sendNotifications": False}
        client.call("candidate.createNote", body)
        return
    body = {
        "objectId": candidate_id,
        "objectType": "Candidate",
        "fieldId": connection.guide_link_target,
        "fieldValue": url,
    }
    client.call("customField.setValue", body)


def _failure(exc: errors.AshbyError) -> tuple[str, bool]:
    """What went wrong, said for an admin, and whether retrying can help."""
    if isinstance(exc, errors.MissingPermission):
        return (
            "Ashby refused: the key lacks Candidates write. "
            + perms.how_to_enable("candidatesWrite"),
            False,
        )
    if isinstance(exc, errors.NotFound):
        return f"Ashby does not know this candidate or field any more ({exc.message}).", False
    return f"Ashby did not accept the write: {exc.message}", True


def record(connection, guide, url, now, exc: errors.AshbyError | None) -> GuideLinkWrite:
    """Store how writing `url` ended; attempts count failures of this same value."""
    row = GuideLinkWrite.objects.filter(guide=guide).first() or GuideLinkWrite(
        tenant_id=connection.tenant_id, guide=guide
    )
    attempts = row.attempts if row.value == url and row.status != Status.WRITTEN else 0
    row.value, row.target = url, target_label(connection)[:255]
    if exc is None:
        row.status, row.attempts, row.last_error = Status.WRITTEN, 0, ""
        row.written_at, row.next_attempt_at = now, None
    else:
        message, retry = _failure(exc)
        row.attempts, row.last_error = attempts + 1, message
        retry = retry and row.attempts < MAX_ATTEMPTS
        row.status = Status.RETRYING if retry else Status.FAILED
        row.next_attempt_at = now + backoff(row.attempts) if retry else None
    row.save()
    return row


def write_due(connection: AshbyConnection, *, client: AshbyClient | None = None, now=None) -> int:
    """Write the due guide links of one tenant (at most BATCH); returns how many were tried."""
    if not is_on(connection) or not connection.is_usable:
        return 0
    now = now or timezone.now()
    client = client or AshbyClient(
        connection.api_key, retry=SWEEP_RETRY, tenant_id=connection.tenant_id
    )
    guides = list(due_guides(connection, now)[:BATCH])
    for guide in guides:
        url = public_url(guide)
        try:
            write_link(client, connection, guide, url)
        except errors.AshbyError as exc:
            logger.info("Guide link of guide %s not written: %s", guide.pk, exc.code)
            record(connection, guide, url, now, exc)
        else:
            record(connection, guide, url, now, None)
    return len(guides)


def sweep() -> int:
    """Every connected tenant with write-back on (the bulk queue's task)."""
    connections = AshbyConnection.objects.exclude(guide_link_target="").filter(
        status=AshbyConnection.Status.CONNECTED
    )
    return sum(write_due(c) for c in connections)


def retry_failed(tenant) -> int:
    """An admin's "try again": failed rows are due at the next sweep."""
    return GuideLinkWrite.objects.filter(tenant=tenant, status=Status.FAILED).update(
        status=Status.RETRYING, attempts=0, next_attempt_at=timezone.now()
    )


def counts(tenant) -> dict[str, int]:
    """How many links are written, retrying and failed, for the panels."""
    rows = GuideLinkWrite.objects.filter(tenant=tenant)
    return {status.value: rows.filter(status=status).count() for status in Status}
