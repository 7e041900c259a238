"""A route plan's life: requested, claimed by one worker, planned, accepted or discarded, dispatched; and what is refused."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Callable

import pytest

from domain.app import Peisong
from domain.errors import InvalidInput, InvalidTransition, PreconditionFailed
from domain.planning import solve_recorded
from domain.routing import (
    ACCEPTED, DISCARDED, DISPATCHED, PLANNING, PRODUCED, REQUESTED, OrderAlreadyPlanned, PlanHasNoRoutes,
    PlanningAlreadyClaimed, PlanningNotYours, PlanNotAccepted, RoutePlan,
)
from tests.domain_couriers.staffing import event_names
from tests.routing.shop import WAREHOUSE, packed_order, plan_now, request_plan, ring_of_orders, routing_shop


def test_a_requested_plan_holds_its_orders_so_no_other_plan_takes_them(shop: Peisong) -> None:
    orders = ring_of_orders(shop, "H", 3)
    plan = request_plan(shop, orders)
    assert shop.existing_route_plan(plan).status == REQUESTED
    with pytest.raises(OrderAlreadyPlanned) as refused:
        request_plan(shop, [orders[1]])
    assert refused.value.field == "orders.0" and refused.value.ids["plan"] == plan
    wave = shop.request_route_plan(WAREHOUSE, orders, ["C-BIKE-1"], skip_unavailable=True, automatic=True)
    assert wave["plan"] is None and wave["skipped"] == orders


def test_only_packed_orders_of_the_warehouse_and_couriers_on_shift_with_a_vehicle_can_be_planned(
        shop: Peisong) -> None:
    ready = packed_order(shop, "READY-1")
    head = shop.head_position()
    now = shop.clock.now()
    shop.place_order("CUST-R1", [("RICE-5KG", 1)], {"label": "home", "text": "x", "lat": 31.24, "lon": 121.48},
                     now + timedelta(hours=1), now + timedelta(hours=3), number="PLACED-1")
    with pytest.raises(PreconditionFailed, match="PLACED, not packed") as refused:
        request_plan(shop, [ready, "PLACED-1"])
    assert refused.value.field == "orders.1"
    with pytest.raises(InvalidInput, match="no orders ready"):
        shop.request_route_plan(WAREHOUSE, [], ["C-BIKE-1"])
    shop.end_shift("C-BIKE-2")
    head = shop.head_position()
    with pytest.raises(PreconditionFailed, match="no shift with a vehicle") as refused:
        request_plan(shop, [ready], couriers=["C-BIKE-1", "C-BIKE-2"])
    assert refused.value.field == "couriers.1"
    assert shop.head_position() == head  # refusals record nothing


def test_a_plan_goes_from_requested_to_dispatched_only_in_order(shop: Peisong) -> None:
    plan = request_plan(shop, ring_of_orders(shop, "L", 4))
    with pytest.raises(InvalidTransition):
        shop.accept_route_plan(plan)
    route_plan = plan_now(shop, plan)
    assert route_plan.status == PRODUCED and route_plan.routes
    with pytest.raises(PlanNotAccepted):
        shop.dispatch_route_plan(plan)
    assert shop.accept_route_plan(plan)["status"] == ACCEPTED
    with pytest.raises(InvalidTransition, match="ACCEPTED and cannot be accepted"):
        shop.accept_route_plan(plan)
    assert shop.dispatch_route_plan(plan)["status"] == DISPATCHED
    with pytest.raises(InvalidTransition, match="DISPATCHED and cannot be discarded"):
        shop.discard_route_plan(plan, "too late")
    with pytest.raises(InvalidTransition):
        shop.dispatch_route_plan(plan)
    assert event_names(shop, RoutePlan.create_id(plan)) == [
        "RoutePlanRequested", "PlanningStarted", "RoutePlanned", "RoutePlanAccepted", "RoutePlanDispatched",
    ]


def test_a_discarded_plan_lets_its_orders_go_to_the_next_plan(shop: Peisong) -> None:
    orders = ring_of_orders(shop, "D", 3)
    plan = request_plan(shop, orders)
    plan_now(shop, plan)
    assert shop.discard_route_plan(plan, "the dispatcher wants fewer vans")["status"] == DISCARDED
    with pytest.raises(InvalidTransition):
        shop.accept_route_plan(plan)
    assert request_plan(shop, orders) != plan


def test_what_no_vehicle_can_carry_is_left_out_with_its_reason_and_freed(shop: Peisong) -> None:
    heavy = packed_order(shop, "HEAVY-1", lines=[("WATER-12", 130)])  # 884 kg: more than the biggest van
    light = packed_order(shop, "LIGHT-1")
    plan = plan_now(shop, request_plan(shop, [heavy, light]))
    assert plan.left_out == [{"order": heavy, "reason": "heavier than every vehicle (884 kg)", "code": "too_heavy"}]
    assert plan.routed_orders() == [light]
    assert shop.dispatch_board(WAREHOUSE).holder_of(heavy) is None
    assert shop.dispatch_board(WAREHOUSE).holder_of(light) == plan.plan


def test_a_plan_that_routes_nothing_cannot_be_accepted(shop: Peisong) -> None:
    plan = plan_now(shop, request_plan(shop, [packed_order(shop, "HEAVY-1", lines=[("WATER-12", 130)])]))
    with pytest.raises(PlanHasNoRoutes):
        shop.accept_route_plan(plan.plan)


def test_one_worker_claims_a_plan_and_another_may_take_over_only_when_the_lease_runs_out(shop: Peisong) -> None:
    plan = request_plan(shop, ring_of_orders(shop, "W", 2))
    shop.start_planning(plan, "worker-1")
    with pytest.raises(PlanningAlreadyClaimed):
        shop.start_planning(plan, "worker-2")
    shop.record_planning_progress(plan, "worker-1", "search", 1000, 12345, 1.5)
    shop.clock.advance(timedelta(seconds=shop.settings.planning_lease_seconds + 1))
    claim = shop.start_planning(plan, "worker-2")
    with pytest.raises(PlanningNotYours):
        shop.record_planning_progress(plan, "worker-1", "search", 2000, 12000, 3.0)
    result = solve_recorded(claim["request"], seed=claim["seed"], max_iterations=claim["maxIterations"])
    with pytest.raises(PlanningNotYours):
        shop.record_route_plan(plan, "worker-1", result)
    shop.record_route_plan(plan, "worker-2", result)
    assert shop.existing_route_plan(plan).attempts == 2


def test_a_result_is_recorded_only_for_the_request_it_answers(shop: Peisong) -> None:
    first = request_plan(shop, [packed_order(shop, "A-1")])
    second = request_plan(shop, [packed_order(shop, "B-1", north=-0.02)])
    claim = shop.start_planning(first, "w")
    shop.start_planning(second, "w")
    result = solve_recorded(claim["request"], seed=claim["seed"], max_iterations=claim["maxIterations"])
    with pytest.raises(PreconditionFailed, match="answers request"):
        shop.record_route_plan(second, "w", result)
    assert shop.existing_route_plan(second).status == PLANNING


def test_two_processes_racing_for_the_same_plans_each_plan_once(make_app: Callable[[], Peisong]) -> None:
    first = routing_shop(make_app())
    plans = [request_plan(first, [packed_order(first, f"R-{i}", north=0.002 * i)]) for i in range(6)]
    second = make_app()
    for plan in plans:  # both processes have every plan in their cache before the race
        first.existing_route_plan(plan)
        second.existing_route_plan(plan)
    won: dict[str, list[str]] = {"first": [], "second": []}
    start = threading.Barrier(2)

    def claim_all(app: Peisong, name: str) -> None:
        start.wait()
        for plan in plans:
            try:
                app.start_planning(plan, name)
            except PlanningAlreadyClaimed:
                continue
            won[name].append(plan)

    threads = [threading.Thread(target=claim_all, args=(app, name)) for app, name in ((first, "first"),
                                                                                       (second, "second"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(won["first"] + won["second"]) == sorted(plans)
    for plan in plans:
        assert event_names(first, RoutePlan.create_id(plan)).count("PlanningStarted") == 1
