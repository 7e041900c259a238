"""The demand forecast, the staffing it calls for against the shifts planned, and the supervisor's adoption of it."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import AlreadyExists
from domain.staffing import RecommendationChanged, StaffingDayOver
from projections.forecasts import demand_forecast
from projections.staffing import staffing_recommendation
from projections.staffing_plans import adopted_plan
from tests.analytics.conftest import MONDAY, SHANGHAI, TOMORROW, staffed_zone


def at(hour: int) -> datetime:
    return datetime.combine(TOMORROW, datetime.min.time(), SHANGHAI) + timedelta(hours=hour)


def test_the_forecast_and_its_bands_follow_three_weeks_of_history(
    app: Peisong, clock: ManualClock, read_models: Any,
) -> None:
    staffed_zone(app, clock)
    forecast = demand_forecast(read_models(app), clock.now(), "Z1", days=2)

    assert forecast.ready and forecast.history_days == 21 and forecast.start == MONDAY
    [zone] = forecast.zones
    assert zone.zone == "Z1" and len(zone.hours) == 48
    ten = zone.hours[24 + 10]
    assert ten.hour == at(10) and ten.expected == pytest.approx(3, rel=0.1)
    assert ten.lower95 <= ten.lower80 <= ten.expected <= ten.upper80 <= ten.upper95 and ten.upper95 > ten.upper80
    assert zone.hours[24 + 3].expected < 0.5  # nobody orders at three in the morning
    assert zone.expected_orders == pytest.approx(2 * 37, rel=0.1)


def test_the_recommendation_covers_the_forecast_and_flags_where_the_roster_falls_short(
    app: Peisong, clock: ManualClock, read_models: Any,
) -> None:
    staffed_zone(app, clock)
    plan = staffing_recommendation(read_models(app), clock.now(), TOMORROW, "Z1")

    assert plan.ready and plan.planned_shifts == 1
    assert [(r.zone, r.vehicle_type, r.deliveries_per_hour, r.measured) for r in plan.rates] == [
        ("Z1", "e-bike", 2.0, True)]
    hours = {h.hour: h for h in plan.hours}
    assert len(hours) == 24
    for h in plan.hours:
        assert h.capacity >= h.demand - 1e-9 and h.total_couriers == math.ceil(h.demand / 2 - 1e-9)  # e-bikes: 2/h
    gaps = {g.hour: g for g in plan.gaps}
    ten, five_pm = gaps[at(10)], gaps[at(17)]
    assert (ten.status, ten.planned_couriers, ten.planned_capacity) == ("SHORT", 1.0, 2.0)
    assert ten.recommended_couriers == hours[at(10)].total_couriers >= 2 and ten.orders == ten.demand - 2
    assert (five_pm.status, five_pm.planned_couriers, five_pm.orders) == ("SHORT", 0.0, five_pm.demand)
    assert hours[at(3)].demand < 0.5 and hours[at(3)].total_couriers == 1  # a quiet night still needs someone
    assert hours[at(10)].planned_couriers == 1.0 and hours[at(17)].planned_couriers == 0.0


def test_a_supervisor_adopts_what_they_read_and_the_plan_is_recorded(
    app: Peisong, clock: ManualClock, read_models: Any,
) -> None:
    staffed_zone(app, clock)
    plan = staffing_recommendation(read_models(app), clock.now(), TOMORROW, "Z1")
    head = app.head_position()

    with pytest.raises(RecommendationChanged) as changed:
        app.adopt_staffing_plan(TOMORROW, "Z1", plan.slots(), plan.demand_band, plan.digest, accepted="0" * 32)
    assert changed.value.field == "digest" and app.head_position() == head
    with pytest.raises(StaffingDayOver):
        app.adopt_staffing_plan(MONDAY.date() - timedelta(days=1), "Z1", plan.slots(), plan.demand_band, plan.digest)
    assert app.head_position() == head

    adopted = app.adopt_staffing_plan(TOMORROW, "Z1", plan.slots(), plan.demand_band, plan.digest,
                                      accepted=plan.digest)
    assert adopted["version"] == 1 and adopted["courierHours"] == plan.courier_hours
    with pytest.raises(AlreadyExists):
        app.adopt_staffing_plan(TOMORROW, "Z1", plan.slots(), plan.demand_band, plan.digest, accepted=plan.digest)

    recorded = adopted_plan(read_models(app), TOMORROW, "Z1")
    assert recorded is not None and recorded.digest == plan.digest and recorded.adopted_by == "system"
    assert recorded.courier_hours == plan.courier_hours and len(recorded.slots) == 24
    assert recorded.slots[10].hour == at(10) and recorded.slots[10].couriers == {
        c.vehicle_type: c.couriers for c in plan.hours[10].couriers}
    assert adopted_plan(read_models(app), TOMORROW, None) is None

    evening = [dict(slot, couriers={"e-bike": 4}) if slot["hour"] >= at(17) else slot for slot in plan.slots()]
    revised = app.adopt_staffing_plan(TOMORROW, "Z1", evening, plan.demand_band, "evening-reinforced")
    assert revised["version"] == 2
    recorded = adopted_plan(read_models(app), TOMORROW, "Z1")
    assert recorded is not None and recorded.version == 2 and recorded.slots[18].couriers == {"e-bike": 4}
