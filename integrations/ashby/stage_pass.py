"""The stages of the interview plans: interviewStage.list has no syncToken and no cursor, so
they are fetched one call per plan, once the plans pass is done. A plan Ashby says does not
exist is marked and not asked for again until interviewPlan.list returns it.

Like a resource's pass (sync_passes.py) it is fetched and stored a plan at a time, and saves
where it stands with each plan (the last plan done, plans going in the order of their ids),
so a slice's end or a killed worker resumes it at the next plan."""

from __future__ import annotations

from collections import deque
from typing import Any

from django.db import transaction
from django.utils import timezone

from guides import models as g
from guides.upsert import upsert_records
from integrations.ashby import errors, mapping
from integrations.ashby.resources import STAGES
from integrations.ashby.storing import Counts, mapped
from integrations.ashby.sync_passes import Engine
from integrations.models import SyncState


class StagePass:
    """The stages of every plan after a full pass of the plans, else of the plans that pass
    wrote (of every plan when it resumes a pass another run began). A stage its plan no
    longer lists is deleted."""

    name = STAGES

    def __init__(self, engine: Engine, counts: Counts, *, all_plans: bool) -> None:
        self.engine, self.counts = engine, counts
        self.run, self.ctx = engine.run, engine.ctx
        self.state, _ = SyncState.objects.get_or_create(
            connection=self.run.connection, resource=STAGES
        )
        after = self.state.cursor
        if after:
            all_plans = self.state.pass_full or self.state.pass_run_id != self.run.pk
        self.all_plans = all_plans
        # A plan Ashby answered "not found" for (a placeholder a webhook named) is not asked
        # again until interviewPlan.list returns it, which clears the mark.
        plans = g.InterviewPlan.objects.filter(tenant=self.ctx.tenant, not_found_at__isnull=True)
        if not all_plans:
            plans = plans.filter(synced_at__gte=self.run.started_at)
        if after:
            plans = plans.filter(external_id__gt=after)
        self.plans = deque(plans.order_by("external_id").values_list("external_id", "pk"))
        self.to_fetch = deque(self.plans)  # ahead of `plans` while a plan is being stored
        self.done = False
        if not self.plans:
            self._close()

    def fetch(self) -> tuple[str, int, Any]:
        """The next plan's stages, or the NotFound Ashby answered (no database work)."""
        plan_id, plan_pk = self.to_fetch[0]
        try:
            return (
                plan_id,
                plan_pk,
                self.ctx.client.call("interviewStage.list", {"interviewPlanId": plan_id}),
            )
        except errors.NotFound as exc:
            return plan_id, plan_pk, exc

    @property
    def more_to_fetch(self) -> bool:
        return bool(self.to_fetch)

    def fetched(self, fetched: tuple[str, int, Any]) -> None:
        self.to_fetch.popleft()

    def store(self, fetched: tuple[str, int, Any]) -> None:
        plan_id, plan_pk, results = fetched
        self.plans.popleft()
        found = not isinstance(results, errors.NotFound)
        with transaction.atomic():
            if found:
                self._store_stages(plan_id, plan_pk, results)
            else:
                self._not_found(plan_id, plan_pk, results)
            if not self.plans:
                self._close(page=found)
                return
            SyncState.objects.filter(pk=self.state.pk).update(
                cursor=plan_id, pass_full=self.all_plans, pass_run=self.run
            )
            self.engine.record(STAGES, self.counts, page=found)

    def recover(self, exc: errors.AshbyError) -> bool:
        return False  # no token, no cursor: nothing to start over with

    def _store_stages(self, plan_id: str, plan_pk: int, results: list) -> None:
        self.counts.fetched += len(results)
        rows = mapped(
            results, lambda s, p=plan_id: mapping.map_interview_stage(s, plan_id=p), self.counts
        )
        tenant = self.ctx.tenant
        self.counts.add(upsert_records(tenant, g.InterviewStage, rows))
        gone = g.InterviewStage.objects.filter(tenant=tenant, plan_id=plan_pk)
        self.counts.deleted += (
            gone.exclude(external_id__in=[r["external_id"] for r in rows])
            .delete()[1]
            .get(g.InterviewStage._meta.label, 0)
        )

    def _not_found(self, plan_id: str, plan_pk: int, exc: errors.NotFound) -> None:
        """The plan marked and a note on the run: one unknown reference never stops a sync."""
        g.InterviewPlan.objects.filter(pk=plan_pk).update(not_found_at=timezone.now())
        self.counts.skip(
            plan_id,
            f"Interview plan {plan_id}: Ashby says it does not exist ({exc.code}); its "
            "stages are not asked for again until Ashby lists the plan.",
        )

    def _close(self, *, page: bool = False) -> None:
        SyncState.objects.filter(pk=self.state.pk).update(
            cursor="", pass_full=False, pass_run=None, last_synced_at=timezone.now()
        )
        self.done = True
        self.engine.finished(STAGES, full=self.all_plans)
        self.engine.record(STAGES, self.counts, page=page)
