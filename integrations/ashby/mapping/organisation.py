"""Departments, locations and users (interviewers) from Ashby."""

from __future__ import annotations

import logging

from integrations.ashby.mapping.payload_fields import (
    Payload,
    Row,
    base_row,
    email_address,
    flag,
    ref,
    said,
    text,
)

logger = logging.getLogger(__name__)


def map_department(obj: Payload) -> Row:
    """department.list / department.info item -> Department."""
    return said(
        base_row(obj, "department"),
        obj,
        {
            "name": ("name", text(255)),
            "is_archived": ("isArchived", flag),
            "parent_external_id": ("parentId", lambda value: ref(value) or ""),
        },
    )


def map_location(obj: Payload) -> Row:
    """location.list / location.info item -> Location (Ashby gives locations no updatedAt)."""
    return said(
        base_row(obj, "location"),
        obj,
        {
            "name": ("name", text(255)),
            "is_archived": ("isArchived", flag),
            "workplace_type": ("workplaceType", text(20)),
        },
    )


def map_user(obj: Payload) -> Row:
    """user.list item (or a user embedded in an interview event) -> Interviewer.

    Only what Ashby knows; the profile candidates see is edited in Guide and never synced.
    """
    return said(
        base_row(obj, "user"),
        obj,
        {
            "first_name": ("firstName", text(150)),
            "last_name": ("lastName", text(150)),
            "email": ("email", email_address),
            "is_enabled": ("isEnabled", lambda value: value is not False),
        },
    )
