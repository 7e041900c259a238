"""Planning just past midnight: the solver's clock starts at the business day's midnight, so a shift or a promised
window begun the evening before counts from midnight, and a warehouse open round the clock never closes on a route."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.planning import CourierAtWork, DepotSite, OrderToDeliver, PlanningRules, VehicleKind, build_request
from domain.settings import Settings
from solver import NO_LIMIT, plan_routes

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 13, 0, 30, tzinfo=SHANGHAI)
BIKE = VehicleKind("e-bike", Decimal("40"), Decimal("120"), 18.0, Decimal("0.05"), Decimal("25"), Decimal("3"), ())


def night_request(opens: str, closes: str):  # type: ignore[no-untyped-def]
    depot = DepotSite("WH-NIGHT", 31.2231, 121.5440, None, opens, closes)
    order = OrderToDeliver("N-1", 31.2300, 121.5300, None, Decimal("2"), Decimal("3"),
                           NOW - timedelta(minutes=50), NOW + timedelta(minutes=70), frozenset())
    since = NOW - timedelta(hours=2)  # on shift and free since 22:30
    courier = CourierAtWork("C-NIGHT", "沪A-N0001", BIKE, (), since, NOW + timedelta(hours=7), since)
    return build_request(depot, [order], [courier], {}, NOW, PlanningRules.from_settings(Settings()), seed=1,
                         time_limit_s=None, max_iterations=20)


def test_a_shift_and_a_window_begun_before_midnight_count_from_midnight() -> None:
    request = night_request("00:00", "00:00")
    (vehicle,) = request.vehicles
    (stop,) = request.stops
    assert request.day_origin == "2026-03-13T00:00:00+08:00"
    assert vehicle.shift == (0, 7 * 3600 + 30 * 60)
    assert stop.window == (0, 30 * 60 + 70 * 60)
    plan = plan_routes(request)
    assert [visit.ref for route in plan.routes for visit in route.visits if visit.kind == "delivery"] == ["N-1"]


def test_a_warehouse_open_round_the_clock_never_closes_and_one_open_overnight_runs_past_midnight() -> None:
    assert night_request("00:00", "00:00").depots[0].window == (0, NO_LIMIT)
    assert night_request("07:00", "07:00").depots[0].window == (0, NO_LIMIT)
    assert night_request("20:00", "06:00").depots[0].window == (20 * 3600, 30 * 3600)
    assert night_request("07:00", "23:00").depots[0].window == (7 * 3600, 23 * 3600)
