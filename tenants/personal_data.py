"""Where Guide holds a person's data: a registry of "holders", one per kind of copy.

Each app that keeps personal data registers a holder in its AppConfig.ready(): the hiring rows
and guides (guides), the webhook deliveries, their attempts and the audit trail
(integrations), and later the sent-email log. Erasure, access requests and a tenant's offboarding
(integrations/erasure.py, integrations/tenant_erasure.py) ask every registered holder, so a
new copy of personal data is reached by registering it here, not by editing those flows.

A holder is three functions of plain values:
- `export(person) -> list[dict]`: everything it holds about the person, as JSON-ready dicts;
- `erase(person) -> dict[str, int]`: erase it (delete, or replace by a note), the counts;
- `erase_tenant(tenant, batch) -> int`: delete up to `batch` rows of the tenant's data and
  return how many went (0: nothing left), so a tenant's offboarding runs in bounded steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tenants.models import Tenant


@dataclass
class Person:
    """A person as a tenant's records know them: their ATS ids, email addresses, and the
    names and phone numbers found in what Guide holds (to find them in free text)."""

    tenant: Tenant
    external_ids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    # Their applications' ATS ids: some deliveries name only the application.
    application_ids: set[str] = field(default_factory=set)
    # A request by email address (support's, outside the ATS) also finds the records with
    # that address; an ATS deletion names one record and never widens to others.
    match_emails: bool = False
    # Why the data is erased, in words kept with what is left ("deleted in Ashby").
    reason: str = ""

    @property
    def subjects(self) -> set[str]:
        """What a record about them may be keyed by: their ATS ids, "application:<id>"."""
        return {*self.external_ids, *(f"application:{a}" for a in self.application_ids)}

    @property
    def terms(self) -> list[str]:
        """What identifies the person in free text, longest first; never shorter than 3."""
        words = {*self.emails, *self.names, *self.phones}
        return sorted((w for w in words if len(w.strip()) >= 3), key=len, reverse=True)

    def learn(self, *, names=(), emails=(), phones=()) -> None:
        """Add what a copy of their data says (blank values ignored)."""
        self.names.update(n.strip() for n in names if n and n.strip())
        self.emails.update(e.strip().lower() for e in emails if e and e.strip())
        self.phones.update(p.strip() for p in phones if p and p.strip())


@dataclass(frozen=True)
class Holder:
    """One kind of copy of personal data (see the module's docstring)."""

    label: str
    export: Callable[[Person], list[dict[str, Any]]]
    erase: Callable[[Person], dict[str, int]]
    erase_tenant: Callable[[Tenant, int], int] | None = None
    # Run before erasure to learn more of the person (names, emails) from this holder.
    describe: Callable[[Person], None] | None = None
    order: int = 100


_holders: dict[str, Holder] = {}


def register(holder: Holder) -> None:
    """Add (or replace, by label) a holder; apps call this from AppConfig.ready()."""
    _holders[holder.label] = holder


def holders() -> list[Holder]:
    """Every registered holder, in erasure order (lower `order` first)."""
    return sorted(_holders.values(), key=lambda h: (h.order, h.label))


def row_dict(obj: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row's own columns as JSON-ready values (times in ISO 8601 UTC, ids as they are),
    for an export: what is stored, under the field's name."""
    values: dict[str, Any] = {"model": obj._meta.label}
    for f in obj._meta.concrete_fields:
        if f.name in exclude:
            continue
        value = getattr(obj, f.attname)
        values[f.attname] = value.isoformat() if hasattr(value, "isoformat") else value
    return values
