"""The shared request budget to the ATS, when it lives in the database (no REDIS_URL, or Redis
unreachable): pauses, the global token bucket's next free slot, a tenant's calls in flight
and what a waiting tenant waits for. integrations/budget.py explains the rules; times are
seconds since the Unix epoch (floats), as in the Redis store, so both read the same."""

from __future__ import annotations

from django.db import models

__all__ = ["BudgetLease", "BudgetState"]


class BudgetState(models.Model):
    """One scope of the budget: "partner" (every tenant), "bucket" (the global token bucket)
    or an account ("tenant:<id>", "key:<fingerprint>")."""

    scope = models.CharField(max_length=80, primary_key=True)
    paused_until = models.FloatField(default=0.0, help_text="No call before this time.")
    next_slot = models.FloatField(default=0.0, help_text="The bucket's next free send time.")
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    waiting_since = models.FloatField(null=True, blank=True)
    waiting_until = models.FloatField(null=True, blank=True)
    waiting_for = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = "request budget scope"

    def __str__(self) -> str:
        return self.scope


class BudgetLease(models.Model):
    """A call in flight for an account (the per-tenant concurrency cap); it lapses at
    `expires_at` should its process die before handing it back."""

    token = models.CharField(max_length=40, primary_key=True)
    scope = models.CharField(max_length=80, db_index=True)
    expires_at = models.FloatField()

    def __str__(self) -> str:
        return f"{self.scope} until {self.expires_at}"
