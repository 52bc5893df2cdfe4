"""Ashby API key permissions: which endpoint needs which, what Guide needs, and how to say so.

Ashby grants permissions per module, read and/or write. The spec names them in camelCase
("candidatesRead"); apiKey.info reports scopes as "candidates:read". `normalize` maps both
to the camelCase form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Endpoint -> permission, from each endpoint's "Requires the `...` permission" in openapi.json.
ENDPOINT_PERMISSIONS: dict[str, str] = {
    "apiKey.info": "apiKeysRead",
    "application.info": "candidatesRead",
    "application.list": "candidatesRead",
    "candidate.info": "candidatesRead",
    "candidate.list": "candidatesRead",
    "candidate.createNote": "candidatesWrite",
    "customField.list": "hiringProcessMetadataRead",
    "customField.setValue": "candidatesWrite",
    "department.list": "organizationRead",
    "interview.info": "interviewsRead",
    "interview.list": "interviewsRead",
    "interviewEvent.list": "interviewsRead",
    "interviewPlan.list": "interviewsRead",
    "interviewSchedule.list": "interviewsRead",
    "interviewStage.info": "interviewsRead",
    "interviewStage.list": "interviewsRead",
    "job.info": "jobsRead",
    "job.list": "jobsRead",
    "jobInterviewPlan.info": "jobsRead",
    "location.list": "organizationRead",
    "user.info": "organizationRead",
    "user.list": "organizationRead",
    "webhook.create": "apiKeysWrite",
    "webhook.delete": "apiKeysWrite",
    "webhook.info": "apiKeysRead",
    "webhook.update": "apiKeysWrite",
}


@dataclass(frozen=True)
class Permission:
    name: str  # Ashby's identifier, e.g. "candidatesRead"
    module: str  # the module's label in Ashby's admin, e.g. "Candidates"
    access: str  # "Read" or "Write"
    why: str  # what Guide uses it for

    @property
    def label(self) -> str:
        return f"{self.module} {self.access.lower()}"


# What Guide reads, in the order the Integrations page lists them.
REQUIRED = (
    Permission("candidatesRead", "Candidates", "Read", "candidates and their applications"),
    Permission("jobsRead", "Jobs", "Read", "jobs and their interview plans"),
    Permission("interviewsRead", "Interviews", "Read", "interview schedules, events and stages"),
    Permission("organizationRead", "Organization", "Read", "interviewers, departments, locations"),
)
# Optional: apiKey.info (the key's title), the automatic webhook setup, and the guide link
# written onto each candidate's Ashby profile (integrations/ashby/write_back.py).
WRITE_WHY = (
    "writing each candidate's guide link onto their Ashby profile, only if an admin turns it "
    "on; Guide writes nothing else"
)
OPTIONAL = (
    Permission("apiKeysRead", "API Keys", "Read", "showing the key's name"),
    Permission("apiKeysWrite", "API Keys", "Write", "setting up webhooks automatically"),
    Permission("candidatesWrite", "Candidates", "Write", WRITE_WHY),
    Permission(
        "hiringProcessMetadataRead",
        "Hiring Process Metadata",
        "Read",
        "listing your custom fields, to pick the one the guide link goes into",
    ),
)
# Known only from apiKey.info's scopes: probing a write endpoint would write.
FROM_SCOPES = ("candidatesWrite", "hiringProcessMetadataRead")
BY_NAME = {p.name: p for p in REQUIRED + OPTIONAL}

ADMIN_PATH = 'Admin > Integrations > API Keys (called "Ashby API" in older accounts)'


def normalize(scope: str) -> str:
    """ "candidates:read" -> "candidatesRead"; camelCase names are returned unchanged."""
    match = re.fullmatch(r"\s*([A-Za-z]+)[:._ ]([A-Za-z]+)\s*", scope)
    if match:
        return f"{match.group(1)[0].lower()}{match.group(1)[1:]}{match.group(2).capitalize()}"
    return scope.strip()


def describe(name: str) -> str:
    """A readable name: "Candidates read" for "candidatesRead"."""
    permission = BY_NAME.get(name)
    return permission.label if permission else name


def box_to_tick(name: str) -> str:
    """The control in Ashby's key form: "the Read box of the Candidates module"."""
    permission = BY_NAME.get(name)
    if permission is None:
        return f"the {name} permission"
    return f"the {permission.access} box of the {permission.module} module"


def how_to_enable(name: str) -> str:
    """Where in Ashby's admin to grant a permission, as a sentence for messages."""
    return f"In Ashby, open {ADMIN_PATH}, edit the key, and tick {box_to_tick(name)}."


def missing_from(granted: list[str]) -> list[str]:
    """The required permissions not among `granted` (a connection's stored permissions)."""
    return [p.name for p in REQUIRED if p.name not in granted]


def can_manage_webhooks(granted: list[str]) -> bool:
    """Whether `granted` (a connection's stored permissions) lets Guide create webhooks."""
    return "apiKeysWrite" in granted


def can_write_guide_links(granted: list[str]) -> bool:
    """Whether `granted` lets Guide write guide links (customField.setValue, createNote)."""
    return "candidatesWrite" in granted


def from_scopes(scopes: list[str]) -> list[str]:
    """The optional permissions apiKey.info's `scopes` grant that no probe can tell."""
    named = {normalize(s) for s in scopes}
    return [name for name in FROM_SCOPES if name in named]
