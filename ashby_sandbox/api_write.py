"""customField.list, customField.setValue and candidate.createNote: `(ctx, body) -> results`,
raising ApiError; listed in ENDPOINTS (ashby_sandbox/api_handlers.py), their permissions read
from the spec like every endpoint's (customField.list: hiringProcessMetadataRead; the two
writes: candidatesWrite).

[SPEC] customField.setValue: {objectId, objectType (Application|Candidate|Job|Opening),
fieldId, fieldValue} all required; String and LongText take a string. Results: the field with
its new `value`. candidate.createNote: {candidateId, note (a string, or {type: text/plain |
text/html, value})}, sendNotifications, isPrivate. Results: {id, createdAt, isPrivate,
content, author}. The sandbox stores candidate values only (the other object types are
refused with a sentence saying so).
"""

from __future__ import annotations

from django.utils import timezone

from ashby_sandbox import models as m
from ashby_sandbox import serializers as s
from ashby_sandbox.api_context import Context
from ashby_sandbox.api_input import bool_field, get_or_error, json_type, uuid_field
from ashby_sandbox.errors import invalid_input

OBJECT_TYPES = ("Application", "Candidate", "Job", "Opening")
TEXT_TYPES = ("String", "LongText", "Email", "Phone")
NOTE_TYPES = ("text/plain", "text/html")
NOTE_MAX = 100_000  # Ashby publishes no limit; the sandbox refuses absurd notes


def _field(f: m.CustomField) -> dict:
    return {
        "id": str(f.id),
        "isPrivate": f.is_private,
        "title": f.title,
        "objectType": f.object_type,
        "isArchived": f.is_archived,
        "fieldType": f.field_type,
        "isRequired": f.is_required,
    }


def custom_field_list(ctx: Context, body: dict) -> dict:
    """Every field in one page (an organisation has few)."""
    fields = m.CustomField.objects.all()
    if not bool_field(body, "includeArchived"):
        fields = fields.filter(is_archived=False)
    return {"success": True, "results": [_field(f) for f in fields], "moreDataAvailable": False}


def custom_fields_of(candidate_ids: list) -> dict:
    """candidate id -> its `customFields` ([SPEC] {id, title, value, isPrivate}), one query."""
    found: dict = {cid: [] for cid in candidate_ids}
    values = m.CustomFieldValue.objects.filter(object_id__in=candidate_ids).select_related("field")
    for v in values.order_by("field__created_at"):
        found[v.object_id].append(
            {"id": str(v.field_id), "title": v.field.title, "value": v.value, "isPrivate": False}
        )
    return found


def _storable(value: str, name: str) -> str:
    """Text the database can keep: valid UTF-8 (JSON may carry lone surrogates) without NUL
    characters (PostgreSQL's text refuses them)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid_input(f"{name} must be valid text: it holds a lone surrogate") from None
    if "\x00" in value:
        raise invalid_input(f"{name} must be text without NUL characters")
    return value


def _string_value(field: m.CustomField, value) -> str:
    if field.field_type not in TEXT_TYPES:
        raise invalid_input(
            f"The sandbox stores text fields only; {field.title} is a {field.field_type} field"
        )
    if not isinstance(value, str):
        raise invalid_input(
            f"fieldValue must be a string for a {field.field_type} field; got {json_type(value)}"
        )
    return _storable(value, "fieldValue")


def custom_field_set_value(ctx: Context, body: dict) -> dict:
    object_id = uuid_field(body, "objectId")
    field_id = uuid_field(body, "fieldId")
    object_type = body.get("objectType")
    if object_type not in OBJECT_TYPES:
        raise invalid_input(f"objectType must be one of {', '.join(OBJECT_TYPES)}")
    if "fieldValue" not in body:
        raise invalid_input("fieldValue is required")
    field = get_or_error(
        m.CustomField.objects, "custom_field_not_found", "custom field", id=field_id
    )
    if field.object_type != object_type:
        raise invalid_input(
            f"The field {field.title} belongs to {field.object_type}, not {object_type}"
        )
    if object_type != "Candidate":
        raise invalid_input("The sandbox stores custom field values on candidates only")
    get_or_error(
        m.Candidate.objects.filter(is_deleted=False),
        "candidate_not_found",
        "candidate",
        id=object_id,
    )
    value = _string_value(field, body["fieldValue"])
    m.CustomFieldValue.objects.update_or_create(
        field=field, object_id=object_id, defaults={"value": value}
    )
    return {
        "id": str(field.id),
        "isPrivate": field.is_private,
        "title": field.title,
        "value": value,
    }


def _note(body: dict) -> tuple[str, str]:
    note = body.get("note")
    if isinstance(note, str):
        return _storable(note, "note"), "text/plain"
    if not isinstance(note, dict):
        raise invalid_input(
            f"note must be a string or an object {{type, value}}; got {json_type(note)}"
        )
    if note.get("type") not in NOTE_TYPES or not isinstance(note.get("value"), str):
        raise invalid_input("note.type must be text/plain or text/html, and note.value a string")
    return _storable(note["value"], "note.value"), note["type"]


def candidate_create_note(ctx: Context, body: dict) -> dict:
    candidate_id = uuid_field(body, "candidateId")
    content, content_type = _note(body)
    if len(content) > NOTE_MAX:
        raise invalid_input(f"note is longer than {NOTE_MAX} characters")
    candidate = get_or_error(
        m.Candidate.objects.filter(is_deleted=False),
        "candidate_not_found",
        "candidate",
        id=candidate_id,
    )
    private = bool_field(body, "isPrivate")
    note = m.CandidateNote.objects.create(
        candidate=candidate,
        content=content,
        content_type=content_type,
        is_private=private,
        created_at=timezone.now(),
    )
    author = {"id": str(ctx.key.id), "firstName": "API", "lastName": ctx.key.title or "key"}
    return {
        "id": str(note.id),
        "createdAt": s.ts(note.created_at),
        "isPrivate": private,
        "content": content,
        "author": author,
    }


__all__ = ["candidate_create_note", "custom_field_list", "custom_field_set_value"]
