"""Route planning through the API: asked for at once, planned by the worker with progress, audited, dispatched,
waves without a human, the fleet for a day; and typed refusals that write nothing."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Callable

import pytest

from domain.app import Peisong
from tests.api.conftest import Api, code_of, error_of
from tests.api.test_subscriptions import connected, next_data, subscribe
from tests.routing.shop import CUSTOMER, HOME, WAREHOUSE, packed_order, ring_of_orders, routing_shop

pytestmark = pytest.mark.timeout(60)

REQUEST = """
mutation($input: RequestRoutePlanInput!) { requestRoutePlan(input: $input) { position plan orders couriers } }
"""
PLAN = """
query($id: String!, $atLeast: Int) {
  routePlan(id: $id, atLeast: $atLeast) {
    id status orders couriers worker routed leftOutCount
    progress { iterations bestObjective }
    solver { requestDigest seed solverVersion objective iterations { phase iterations } complete }
    routes { courier vehicle start startLoadKg distanceKm stops { seq kind ref arrivalAt loadKg onTime } }
    leftOut { order code reason }
  }
}
"""
PROGRESS = """
subscription($id: String!) { routePlanProgress(id: $id) { status iterations bestObjective position } }
"""
VERIFY = """
query($id: String!) { verifyPlan(id: $id) { identical sameRequest differences recordedObjective rerunObjective
  iterations { phase iterations } } }
"""
STEP = """
mutation($plan: String!) { %s(plan: $plan) { status position } }
"""


@pytest.fixture
def routing_api(make_api: Callable[..., Api]) -> Api:
    """An API process whose worker plans quickly and reports every step; waves off unless a test turns them on."""
    api = make_api(planning_progress_seconds=0.0, planning_poll_seconds=0.05, wave_minutes=0)
    routing_shop(api.application)
    api.settle()
    return api


def until(predicate: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("gave up waiting")


def planned(api: Api, plan: str, status: str = "PRODUCED") -> dict[str, Any]:
    return until(lambda: (p := api.data(PLAN, {"id": plan, "atLeast": api.settle()})["routePlan"])["status"]
                 == status and p)


def request(api: Api, iterations: int = 400, **extra: Any) -> dict[str, Any]:
    return api.data(REQUEST, {"input": {"warehouse": WAREHOUSE, "maxIterations": iterations, **extra}},
                    role="dispatcher")["requestRoutePlan"]


def test_a_plan_is_answered_at_once_then_planned_by_the_worker_with_progress(routing_api: Api) -> None:
    orders = ring_of_orders(routing_api.application, "A", 8)
    asked = request(routing_api, iterations=3000)
    assert (asked["orders"], asked["couriers"]) == (8, 3)
    with connected(routing_api, routing_api.token("dispatcher")) as ws:
        subscribe(ws, PROGRESS, {"id": asked["plan"]})
        updates = [next_data(ws)["routePlanProgress"]]
        while updates[-1]["status"] != "PRODUCED":
            updates.append(next_data(ws)["routePlanProgress"])
    assert updates[0]["status"] == "REQUESTED"
    reports = [u for u in updates if u["status"] == "PLANNING" and u["iterations"] is not None]
    assert reports and reports[-1]["iterations"] >= 1000
    assert [u["position"] for u in updates] == sorted(u["position"] for u in updates)

    plan = planned(routing_api, asked["plan"])
    assert plan["routed"] + plan["leftOutCount"] == 8 and not plan["leftOut"]
    assert sorted(stop["ref"] for route in plan["routes"] for stop in route["stops"] if stop["kind"] == "delivery") \
        == sorted(orders)
    assert plan["solver"]["iterations"] == [{"phase": "search", "iterations": 3000}]
    assert plan["solver"]["complete"] and plan["progress"]["iterations"] == 3000


def test_an_audit_reruns_a_plan_and_finds_it_identical(routing_api: Api) -> None:
    ring_of_orders(routing_api.application, "V", 6)
    plan = request(routing_api, iterations=500, seed=7)["plan"]
    recorded = planned(routing_api, plan)
    verdict = routing_api.data(VERIFY, {"id": plan}, role="auditor")["verifyPlan"]
    assert verdict == {
        "identical": True, "sameRequest": True, "differences": [],
        "recordedObjective": recorded["solver"]["objective"], "rerunObjective": recorded["solver"]["objective"],
        "iterations": [{"phase": "search", "iterations": 500}],
    }


def test_dispatching_through_the_api_gives_the_orders_to_their_couriers(routing_api: Api) -> None:
    app = routing_api.application
    orders = ring_of_orders(app, "D", 5)
    plan = request(routing_api)["plan"]
    planned(routing_api, plan)
    refused = routing_api.gql(STEP % "dispatchRoutePlan", {"plan": plan}, role="dispatcher")
    assert code_of(refused) == "PRECONDITION_FAILED" and error_of(refused)["extensions"]["field"] == "plan"
    assert routing_api.data(STEP % "acceptRoutePlan", {"plan": plan}, role="dispatcher")["acceptRoutePlan"][
        "status"] == "ACCEPTED"
    assert code_of(routing_api.gql(STEP % "acceptRoutePlan", {"plan": plan}, role="dispatcher")) \
        == "INVALID_TRANSITION"
    routing_api.data(STEP % "dispatchRoutePlan", {"plan": plan}, role="dispatcher")
    routing_api.settle()
    couriers = {app.existing_order(n).assigned_courier for n in orders}
    assert None not in couriers and couriers <= {"C-BIKE-1", "C-BIKE-2", "C-COLD"}


def test_bad_requests_are_typed_errors_that_record_nothing(routing_api: Api) -> None:
    app = routing_api.application
    packed_order(app, "B-1")
    head = routing_api.settle()
    cases = [
        (REQUEST, {"input": {"warehouse": "WH-NOWHERE", "orders": ["B-1"], "couriers": ["C-BIKE-1"]}},
         "dispatcher", "NOT_FOUND", "warehouse"),
        (REQUEST, {"input": {"warehouse": WAREHOUSE, "orders": ["B-1"], "couriers": ["C-BIKE-1"],
                             "maxIterations": 0}}, "dispatcher", "BAD_INPUT", "maxIterations"),
        (REQUEST, {"input": {"warehouse": WAREHOUSE, "orders": ["B-1", "NO-SUCH"], "couriers": ["C-BIKE-1"]}},
         "dispatcher", "NOT_FOUND", "orders.1"),
        (REQUEST, {"input": {"warehouse": WAREHOUSE, "zones": ["NOWHERE"]}}, "dispatcher", "BAD_INPUT", "orders"),
        (REQUEST, {"input": {"warehouse": WAREHOUSE}}, "customer", "FORBIDDEN", None),
        ("""mutation { reportTraffic(input: {zone: "Z", factor: 2}) { factor } }""", {}, "dispatcher",
         "NOT_FOUND", "zone"),
        (VERIFY, {"id": "RP-NOPE"}, "auditor", "NOT_FOUND", "id"),
    ]
    for query, variables, role, code, field in cases:
        result = routing_api.gql(query, variables, role=role, subject=CUSTOMER if role == "customer" else None)
        assert code_of(result) == code, (variables, result)
        assert error_of(result)["extensions"]["field"] == field, (variables, result)
    assert routing_api.head() == head


def test_a_courier_reaches_only_the_stops_of_their_own_route(routing_api: Api) -> None:
    app = routing_api.application
    orders = ring_of_orders(app, "R", 4)
    plan = request(routing_api)["plan"]
    planned(routing_api, plan)
    routing_api.data(STEP % "acceptRoutePlan", {"plan": plan}, role="dispatcher")
    routing_api.data(STEP % "dispatchRoutePlan", {"plan": plan}, role="dispatcher")
    route = app.existing_route_plan(plan).routes[0]
    stop = app.existing_route_plan(plan).routed_orders(route)[0]
    other = next(c for c in ("C-BIKE-1", "C-BIKE-2", "C-COLD") if c != route["courier"])
    reach = """mutation($plan: String!, $order: String!) { reachStop(input: {plan: $plan, order: $order}) { order } }"""
    assert code_of(routing_api.gql(reach, {"plan": plan, "order": stop}, role="courier", subject=other)) \
        == "NOT_FOUND"
    assert routing_api.data(reach, {"plan": plan, "order": stop}, role="courier",
                            subject=route["courier"])["reachStop"]["order"] == stop
    assert set(orders) >= {stop}


def test_waves_plan_and_dispatch_ready_orders_without_a_human(make_api: Callable[..., Api]) -> None:
    api = make_api(planning_max_iterations=300, planning_poll_seconds=0.05, wave_minutes=3, wave_check_seconds=0.05)
    app = api.application
    routing_shop(app)
    orders = ring_of_orders(app, "W", 5)
    api.settle()
    api.clock.advance(timedelta(minutes=3))
    plans = """query { routePlans(warehouse: "WH-A") { nodes { id status automatic autoDispatch } } }"""
    plan = until(lambda: next((p for p in api.data(plans)["routePlans"]["nodes"]
                               if p["status"] == "DISPATCHED"), None))
    assert plan["automatic"] and plan["autoDispatch"]
    assert until(lambda: api.settle() and all(app.existing_order(n).assigned_plan == plan["id"] for n in orders))
    api.clock.advance(timedelta(minutes=3))
    time.sleep(0.3)
    assert len(api.data(plans)["routePlans"]["nodes"]) == 1  # nothing left to plan: no new wave


def test_the_fleet_for_a_day_covers_the_orders_expected_from_the_same_weekday_before(routing_api: Api) -> None:
    app: Peisong = routing_api.application
    clock = routing_api.clock
    today = clock.now()
    for weeks_back, count in ((1, 12), (2, 8)):  # on average 3.5, 3.5 and 3 orders due at 18, 19 and 20 h
        clock.set(today - timedelta(days=7 * weeks_back))
        for i in range(count):
            start = clock.now() + timedelta(hours=2 + i % 3)  # due 18:00, 19:00 and 20:00 Shanghai time
            app.place_order(CUSTOMER, [("RICE-5KG", 1)], {"label": "home", "text": "x", "lat": HOME[0] + 0.02,
                                                          "lon": HOME[1]}, start, start + timedelta(hours=2),
                            number=f"HIST-{weeks_back}-{i}")
    clock.set(today)
    query = """query($date: Date!, $atLeast: Int) {
      fleetRecommendation(date: $date, warehouse: "WH-A", atLeast: $atLeast) { weeksOfHistory orderKg covered hours { hour expectedOrders capacityOrders vehicles { vehicleType count } } } }"""
    result = routing_api.data(query, {"date": "2026-11-25", "atLeast": routing_api.head()})["fleetRecommendation"]
    assert result["weeksOfHistory"] == 2 and result["orderKg"] == 5.0 and result["covered"]
    expected = {h["hour"]: h for h in result["hours"] if h["expectedOrders"]}
    assert {hour: h["expectedOrders"] for hour, h in expected.items()} == {18: 3.5, 19: 3.5, 20: 3.0}
    for hour in expected.values():
        assert hour["vehicles"] and hour["capacityOrders"] >= hour["expectedOrders"]
