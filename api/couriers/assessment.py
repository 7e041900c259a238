"""Closing a period: the assessment and the month's incentives, judged on the figures the projections computed.

The domain takes KPIs as input and never computes them; these mutations read the period's
figures from projections/performance.py once the read models have caught up with the log,
for every courier who ever held a grade, and hand them over in one command.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.context import Context
from api.couriers.types import (
    AssessmentPayload, AssessmentThresholdsInput, Grade, IncentiveClosePayload, IncentiveRulesInput, Promotion,
)
from domain.assessment import CourierKpis, clean_period
from domain.incentives import BonusTier, IncentiveRules
from projections.couriers import graded_couriers
from projections.performance import month_span, period_kpis
from projections.views import CourierKpisView


def as_kpis(view: CourierKpisView, period: str) -> CourierKpis:
    """The projection's figures as the domain reads them: no deliveries is an on-time rate of nought."""
    return CourierKpis(
        courier=view.courier, period=period, deliveries=view.deliveries,
        on_time_rate=view.on_time_rate if view.on_time_rate is not None else Decimal(0),
        average_lateness_minutes=view.average_lateness_minutes, failed_attempts=view.failed_attempts,
        distance_km=view.distance_km, rating=view.rating, complaints=view.complaints,
    )


async def figures_for(context: Context, period: str, months: int) -> list[CourierKpis]:
    """Every graded courier's figures for the period, from read models that have seen the whole log."""
    head = await context.head()
    couriers = await context.read(graded_couriers, at_least=head)
    views = await context.read(period_kpis, month_span(period, months), couriers)
    return [as_kpis(view, period) for view in views]


def incentive_rules(given: IncentiveRulesInput | None) -> IncentiveRules:
    if given is None:
        return IncentiveRules()
    rules: dict[str, Any] = {}
    if given.commission_by_grade is not None:
        rules["commission_by_grade"] = tuple((c.grade.value, c.per_delivery) for c in given.commission_by_grade)
    if given.bonus_tiers is not None:
        rules["bonus_tiers"] = tuple(BonusTier(t.min_on_time_rate, t.bonus) for t in given.bonus_tiers)
    for name in ("bonus_min_rating", "bonus_min_deliveries", "complaint_deduction", "currency"):
        if getattr(given, name) is not None:
            rules[name] = getattr(given, name)
    return IncentiveRules(**rules)


@strawberry.type
class AssessmentMutations:
    @strawberry.mutation(
        description="Judge a finished period once, on its computed figures: flag who fell short (retraining before the "
        "next shift), propose offboarding on repeated flags, promote who met the criteria."
    )
    async def run_courier_assessment(
        self, info: Info[Context, None], period: str, thresholds: AssessmentThresholdsInput | None = None,
        idempotency_key: IdempotencyKey = None,
    ) -> AssessmentPayload:
        context = info.context
        rules = context.application.assessment_rules()
        if thresholds is not None:
            rules = replace(rules, **thresholds.given())
        month = clean_period(period, "period", rules.period_months)
        kpis = await figures_for(context, month, rules.period_months)
        result = await context.command("assess_couriers", month, kpis, rules=rules, idempotency_key=idempotency_key)
        return AssessmentPayload(
            position=result.position, repeated=result.repeated, period=result["period"],
            assessed=result["assessed"], flagged=list(result["flagged"]),
            offboarding_proposed=list(result["offboardingProposed"]),
            promoted=[Promotion(courier=c, grade=Grade(g)) for c, g in sorted(result["promoted"].items())],
        )

    @strawberry.mutation(
        description="Pay out a finished month once, on its computed figures: one itemised award per courier, "
        "at the grade each held that month. Re-closing is refused."
    )
    async def close_incentive_month(
        self, info: Info[Context, None], period: str, rules: IncentiveRulesInput | None = None,
        idempotency_key: IdempotencyKey = None,
    ) -> IncentiveClosePayload:
        context = info.context
        pay_rules = incentive_rules(rules)
        month = clean_period(period)
        kpis = await figures_for(context, month, 1)
        result = await context.command(
            "close_incentive_month", month, kpis, rules=pay_rules, idempotency_key=idempotency_key,
        )
        return IncentiveClosePayload(
            position=result.position, repeated=result.repeated, period=result["period"],
            couriers=result["couriers"], total=Decimal(str(result["total"])), currency=result["currency"],
        )
