"""Whether the tenant's Ashby key sees confidential jobs, and what it hides when it does not.

Ashby's facts (docs/ashby.md §11): by default an API key cannot read confidential jobs, "job
considerations, and candidates for confidential jobs"; the key's "Allow access to confidential
jobs and projects" setting changes that. No endpoint says whether a key has it, so Guide
reads the evidence its own data holds:

- a candidate whom application.list names but candidate.list does not return (the sync keeps
  them as a placeholder, `external_updated_at` empty) is one Ashby hides because they applied
  to a confidential job: each stands for at least one application Guide cannot see;
- a job marked confidential that Guide holds was read with a key that sees them.

Candidates who applied only to confidential jobs leave no trace at all, so the count is a
floor and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from guides import models as g
from integrations.ashby.permissions import ADMIN_PATH

SETTING = "Allow access to confidential jobs and projects"
HIDDEN, SEES, UNKNOWN = "hidden", "sees", "unknown"


@dataclass(frozen=True)
class ConfidentialState:
    state: str  # HIDDEN, SEES or UNKNOWN
    hidden_candidates: int = 0  # each hides at least one application
    confidential_jobs: int = 0

    @property
    def hides_candidates(self) -> bool:
        return self.state == HIDDEN

    @property
    def how_to_change(self) -> str:
        return (
            f"In Ashby, open {ADMIN_PATH}, edit the key Guide uses, tick “{SETTING}”, save, "
            "then press Sync now on Guide's Settings › Integrations page."
        )

    @property
    def summary(self) -> str:
        if self.state == HIDDEN:
            n = self.hidden_candidates
            return (
                f"Your Ashby key cannot see confidential jobs. Ashby hides at least {n} "
                f"application{'s' if n != 1 else ''} from Guide: {n} candidate"
                f"{' has' if n == 1 else 's have'} applied to a confidential job, and candidates "
                "who applied only to confidential jobs cannot be counted. None of them gets a "
                "guide for those applications."
            )
        if self.state == SEES:
            n = self.confidential_jobs
            return (
                f"Your Ashby key sees confidential jobs: {n} confidential job"
                f"{'s are' if n != 1 else ' is'} synced, with their candidates."
            )
        return (
            "Guide has seen no confidential job. If some of your jobs are confidential in "
            f"Ashby, their candidates get a guide only when the key has “{SETTING}”."
        )


def confidential_state(tenant) -> ConfidentialState:
    """What Guide can tell about the key and confidential jobs (two queries)."""
    has_applications = Exists(g.Application.objects.filter(candidate_id=OuterRef("pk")))
    hidden = g.Candidate.objects.filter(
        has_applications, tenant=tenant, external_updated_at__isnull=True
    ).count()
    if hidden:
        return ConfidentialState(HIDDEN, hidden_candidates=hidden)
    jobs = g.Job.objects.filter(tenant=tenant, confidential=True).count()
    return ConfidentialState(SEES if jobs else UNKNOWN, confidential_jobs=jobs)
