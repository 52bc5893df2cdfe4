"""The stages of the interview plans: interviewStage.list has no syncToken and no cursor, so
they are fetched one call per plan, right after the plans pass. A plan Ashby says does not
exist is marked and not asked for again until interviewPlan.list returns it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from guides import models as g
from guides.upsert import upsert_records
from integrations.ashby import errors, mapping
from integrations.ashby.resources import STAGES
from integrations.ashby.storing import Context, Counts, mapped


class StagePass:
    """The Engine's stage pass. Uses the engine's `ctx`, `run` and progress (`_begin`,
    `_record`)."""

    ctx: Context

    def sync_stages(self, *, all_plans: bool) -> None:
        """The stages of the plans (interviewStage.list has no syncToken and no cursor: one
        call per plan): of every plan after a full pass of the plans, else of the plans that
        pass wrote. A stage its plan no longer lists is deleted."""
        counts = Counts()
        self._begin(STAGES, counts)
        # A plan Ashby answered "not found" for (a placeholder a webhook named) is not asked
        # again until interviewPlan.list returns it, which clears the mark.
        plans = g.InterviewPlan.objects.filter(tenant=self.ctx.tenant, not_found_at__isnull=True)
        if not all_plans:
            plans = plans.filter(synced_at__gte=self.run.started_at)
        plans = list(plans.values_list("external_id", "pk"))
        try:
            for plan_id, plan_pk in plans:
                results = self._plan_stages(plan_id, plan_pk, counts)
                if results is None:
                    continue
                with transaction.atomic():
                    counts.fetched += len(results)
                    rows = mapped(
                        results,
                        lambda s, p=plan_id: mapping.map_interview_stage(s, plan_id=p),
                        counts,
                    )
                    counts.add(upsert_records(self.ctx.tenant, g.InterviewStage, rows))
                    gone = g.InterviewStage.objects.filter(tenant=self.ctx.tenant, plan_id=plan_pk)
                    counts.deleted += (
                        gone.exclude(external_id__in=[r["external_id"] for r in rows])
                        .delete()[1]
                        .get(g.InterviewStage._meta.label, 0)
                    )
                    self._record(STAGES, counts, page=True)
        except errors.AshbyError as exc:
            self._record(STAGES, counts, error=str(exc))
            raise

    def _plan_stages(self, plan_id: str, plan_pk: int, counts: Counts) -> list | None:
        """interviewStage.list of one plan; None (the plan marked, a note on the run) when
        Ashby says the plan does not exist: one unknown reference never stops a sync."""
        try:
            return self.ctx.client.call("interviewStage.list", {"interviewPlanId": plan_id})
        except errors.NotFound as exc:
            g.InterviewPlan.objects.filter(pk=plan_pk).update(not_found_at=timezone.now())
            counts.skip(
                plan_id,
                f"Interview plan {plan_id}: Ashby says it does not exist ({exc.code}); its "
                "stages are not asked for again until Ashby lists the plan.",
            )
            self._record(STAGES, counts)
            return None
