"""Dispatch: a plan on the road gives its orders to its couriers, publishes their routes and ends stop by stop."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.app import Peisong
from domain.errors import InvalidTransition
from domain.orders import PACKED
from domain.routing import COMPLETED, DISPATCHED, StopNotOnRoute
from domain.planning import day_origin
from projections.runner import ProjectionRunner
from tests.routing.shop import WAREHOUSE, claimed_request, plan_now, request_plan, ring_of_orders


def dispatched(app: Peisong, orders: list[str], runner: ProjectionRunner, **kw) -> str:  # type: ignore[no-untyped-def]
    plan = request_plan(app, orders, **kw)
    plan_now(app, plan)
    app.accept_route_plan(plan)
    app.dispatch_route_plan(plan)
    runner.catch_up()
    return plan


def test_dispatch_assigns_each_order_to_its_couriers_route_and_publishes_the_route(
        shop: Peisong, runner: ProjectionRunner) -> None:
    plan = dispatched(shop, ring_of_orders(shop, "D", 6), runner)
    route_plan = shop.existing_route_plan(plan)
    assert route_plan.status == DISPATCHED
    for route in route_plan.routes:
        for number in route_plan.routed_orders(route):
            order = shop.existing_order(number)
            assert (order.assigned_courier, order.assigned_plan, order.status) == (route["courier"], plan, PACKED)
        track = shop.courier_track(route["courier"], shop.business_day(shop.clock.now()))
        assert track.plan == plan
        assert len(track.stops) == len(route_plan.routed_orders(route))
        assert track.route[0] == list(route_plan.depot_point()) == track.route[-1]
    board = shop.dispatch_board(WAREHOUSE)
    assert list(board.on_road) == [plan] and not board.held
    assert set(board.commitments) == set(route_plan.route_couriers())


def test_an_order_cancelled_while_the_plan_was_made_is_not_assigned(shop: Peisong, runner: ProjectionRunner) -> None:
    orders = ring_of_orders(shop, "C", 4)
    plan = request_plan(shop, orders)
    plan_now(shop, plan)
    shop.cancel_order(orders[0], "customer changed their mind")
    shop.accept_route_plan(plan)
    shop.dispatch_route_plan(plan)
    runner.catch_up()
    assert shop.existing_order(orders[0]).assigned_plan is None
    assert all(shop.existing_order(n).assigned_plan == plan for n in orders[1:])
    assert orders[0] in shop.existing_route_plan(plan).completed  # its stop ends as cancelled


def test_deliveries_complete_stops_then_routes_then_the_plan(shop: Peisong, runner: ProjectionRunner) -> None:
    plan = dispatched(shop, ring_of_orders(shop, "E", 3), runner)
    route_plan = shop.existing_route_plan(plan)
    for route in route_plan.routes:
        for number in route_plan.routed_orders(route):
            shop.hand_order_to_courier(number, route["courier"])
            shop.send_order_out_for_delivery(number)
            shop.reach_stop(plan, number, courier=route["courier"])
            shop.deliver_order(number, "photo", f"pod/{number}.jpg")
    runner.catch_up()
    route_plan = shop.existing_route_plan(plan)
    assert route_plan.status == COMPLETED
    assert set(route_plan.completed.values()) == {"delivered"}
    assert sorted(route_plan.routes_done) == sorted(route_plan.route_couriers())
    assert plan not in shop.dispatch_board(WAREHOUSE).on_road


def test_only_the_routes_own_courier_reaches_its_stops(shop: Peisong, runner: ProjectionRunner) -> None:
    plan = dispatched(shop, ring_of_orders(shop, "S", 4), runner)
    route = shop.existing_route_plan(plan).routes[0]
    number = shop.existing_route_plan(plan).routed_orders(route)[0]
    stranger = next(c for c in ("C-BIKE-1", "C-BIKE-2", "C-COLD") if c != route["courier"])
    with pytest.raises(StopNotOnRoute):
        shop.reach_stop(plan, number, courier=stranger)
    shop.reach_stop(plan, number, courier=route["courier"])
    with pytest.raises(InvalidTransition):
        shop.reach_stop(plan, number, courier=route["courier"])


def test_the_next_plan_counts_on_a_courier_only_between_their_routes_on_the_road(
        shop: Peisong, runner: ProjectionRunner) -> None:
    """A route dispatched for later leaves its courier free until it starts; once it is under way, the courier
    is next free when they are back."""
    first = dispatched(shop, ring_of_orders(shop, "F", 4, window=(2, 4)), runner, couriers=["C-BIKE-1"])
    starts, back = shop.existing_route_plan(first).route_span(shop.existing_route_plan(first).routes[0])
    origin = day_origin(shop.clock.now(), shop.settings.business_timezone)

    def seconds(moment):  # type: ignore[no-untyped-def]
        return int((moment - origin).total_seconds())

    assert starts > shop.clock.now()
    request, _ = claimed_request(shop, request_plan(shop, ring_of_orders(shop, "G", 2), couriers=["C-BIKE-1"]))
    assert request.vehicles[0].shift == (seconds(shop.clock.now()), seconds(starts))
    assert request.vehicles[0].fixed_cost == 0.0  # the e-bike's day is paid for by its first route

    shop.clock.set(starts + timedelta(minutes=1))
    request, _ = claimed_request(shop, request_plan(shop, ring_of_orders(shop, "H", 2), couriers=["C-BIKE-1"]))
    assert request.vehicles[0].shift[0] == seconds(back)
