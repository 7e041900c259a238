"""Acting on the forecasts: a supervisor adopts a staffing recommendation; thresholds follow the stock forecast."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.analytics.reorder_review import review_day, threshold_changes
from api.analytics.types import (
    AdoptStaffingPlanInput, AdoptStaffingPlanPayload, ReorderPointChange, ReviewReorderPointsPayload,
)
from api.arguments import IdempotencyKey
from api.context import Context
from api.errors import PRECONDITION_FAILED, ApiError
from projections.forecasts import business_today
from projections.staffing import staffing_recommendation


@strawberry.type
class AnalyticsMutations:
    @strawberry.mutation(description="Adopt the staffing recommendation read for a day (pass its `digest`): the "
                         "decision is recorded, and a later adoption for the same day and zone revises it.")
    async def adopt_staffing_plan(
        self, info: Info[Context, None], input: AdoptStaffingPlanInput, idempotency_key: IdempotencyKey = None,
    ) -> AdoptStaffingPlanPayload:
        now = info.context.application.clock.now()
        day = input.date or business_today(now, info.context.settings.business_timezone)
        recommendation = await info.context.read(staffing_recommendation, now, day, input.zone)
        if not recommendation.ready:
            raise ApiError(PRECONDITION_FAILED, recommendation.note or "there is no recommendation yet", field="date")
        result = await info.context.command(
            "adopt_staffing_plan", day, input.zone, recommendation.slots(), recommendation.demand_band,
            recommendation.digest, accepted=input.digest, idempotency_key=idempotency_key,
        )
        return AdoptStaffingPlanPayload(
            position=result.position, repeated=result.repeated, date=day, zone=result["zone"],
            digest=result["digest"], version=result["version"], courier_hours=result["courierHours"],
        )

    @strawberry.mutation(description="Set each stock item's reorder threshold (of one warehouse, or all) to its "
                         "forecast reorder point, so the low-stock warning fires with lead-time days of cover left. "
                         "Items with less than a week of demand history are left alone. The worker does this "
                         "periodically too.")
    async def review_reorder_points(
        self, info: Info[Context, None], warehouse: str | None = None,
    ) -> ReviewReorderPointsPayload:
        context = info.context
        review = await context.read(threshold_changes, context.application.clock.now(), warehouse)
        day = review_day(context.application, context.services.db)
        position = await context.head()
        for change in review.changes:
            result = await context.command(
                "set_reorder_threshold", change.warehouse, change.sku, change.threshold,
                idempotency_key=change.idempotency_key(day),
            )
            position = max(position, result.position)
        return ReviewReorderPointsPayload(
            position=position, reviewed=review.reviewed,
            changed=[
                ReorderPointChange(warehouse=c.warehouse, sku=c.sku, previous=c.previous, threshold=c.threshold,
                                   reorder_point=c.reorder_point, daily_demand=c.daily_demand)
                for c in review.changes
            ],
        )
