"""Re-planning during the day keeps what is done: delivered stops drop out, couriers start where they are with
what they carry, urgent orders join, a delayed courier's stops can move; traffic reports trigger it."""

from __future__ import annotations

import random
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from domain.app import Peisong
from domain.clock import ManualClock
from domain.orders import DELIVERED, HANDED_TO_COURIER, OUT_FOR_DELIVERY, PACKED
from domain.errors import InvalidTransition
from domain.routing import COMPLETED, DISCARDED, DISPATCHED, REPLACED, REQUESTED
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.routes import RELEASED, order_plans
from projections.runner import ProjectionRunner
from projections.tracking import tracking_orders
from tests.conftest import START
from tests.routing.shop import HOME, WAREHOUSE, claimed_request, packed_order, plan_now, request_plan, \
    ring_of_orders, routing_shop
from tests.routing.test_translation import zone_square


def dispatch(app: Peisong, plan: str, runner: ProjectionRunner) -> None:
    plan_now(app, plan)
    app.accept_route_plan(plan)
    app.dispatch_route_plan(plan)
    runner.catch_up()


def ping(app: Peisong, courier: str, lat: float, lon: float) -> None:
    app.report_positions(courier, [{"at": app.clock.now() - timedelta(seconds=30), "lat": lat, "lon": lon}])


def carried_weight(app: Peisong, courier: str, orders: list[str]) -> float:
    return round(sum(float(app.existing_order(n).weight_kg) for n in orders
                     if app.existing_order(n).status in (HANDED_TO_COURIER, OUT_FOR_DELIVERY)
                     and app.existing_order(n).courier_id == courier), 6)


def test_a_replan_keeps_what_is_done_and_starts_couriers_where_they_are(
        shop: Peisong, runner: ProjectionRunner) -> None:
    # two clusters 15 km apart, 30 kg each, due within the same hour: one e-bike cannot serve both
    orders = [packed_order(shop, f"P-{side}{i}", north=0.07 * sign, east=0.003 * i, lines=[("RICE-5KG", 3)],
                           window=(1, 2)) for side, sign in (("N", 1), ("S", -1)) for i in range(2)]
    first = request_plan(shop, orders, couriers=["C-BIKE-1", "C-BIKE-2"])
    dispatch(shop, first, runner)
    plan = shop.existing_route_plan(first)
    assert len(plan.routes) == 2
    out, delayed = plan.routes
    rider = out["courier"]
    on_board = plan.routed_orders(out)
    for number in on_board:
        shop.hand_order_to_courier(number, rider)
        shop.send_order_out_for_delivery(number)
    shop.clock.advance(timedelta(minutes=25))
    shop.deliver_order(on_board[0], "photo", "pod.jpg")
    here = plan.stop_point(on_board[0])
    ping(shop, rider, here[0] + 0.001, here[1])
    urgent = packed_order(shop, "URGENT-1", north=-0.005, east=0.004, window=(0, 1))
    runner.catch_up()

    replan = shop.replan_routes(first, f"courier {delayed['courier']} is running late", add_orders=[urgent],
                                max_iterations=300)["plan"]
    request, _ = claimed_request(shop, replan)
    shop.record_route_plan(replan, "test-worker", _solve(request))
    new = shop.existing_route_plan(replan)

    assert new.replaces == first
    assert on_board[0] not in [s.id for s in request.stops] + new.routed_orders()
    rider_route = next(r for r in new.routes if r["courier"] == rider)
    seen = shop.position_at(rider, shop.clock.now())
    vehicle = next(v for v in request.vehicles if v.courier_id == rider)
    assert (vehicle.start.lat, vehicle.start.lon) == (seen["lat"], seen["lon"])
    assert rider_route["start"] == f"@vehicle:{vehicle.id}"
    assert rider_route["start_load_kg"] == carried_weight(shop, rider, on_board)
    assert set(new.routed_orders(rider_route)) == set(on_board[1:])  # nothing from the warehouse on this trip
    assert urgent in new.routed_orders()
    assert set(plan.routed_orders(delayed)) <= set(new.routed_orders())

    shop.accept_route_plan(replan)
    shop.dispatch_route_plan(replan)
    runner.catch_up()
    assert shop.existing_route_plan(first).status == REPLACED
    assert list(shop.dispatch_board(WAREHOUSE).on_road) == [replan]
    for route in new.routes:
        for number in new.routed_orders(route):
            assert shop.existing_order(number).assigned_plan == replan
            assert shop.existing_order(number).assigned_courier == route["courier"]


def _solve(request):  # type: ignore[no-untyped-def]
    from domain.planning import plan_record
    from solver import plan_routes

    return plan_record(plan_routes(request))


@given(st.randoms(use_true_random=False), st.integers(3, 7))
def test_every_replan_drops_delivered_stops_and_carries_what_couriers_hold(rng: random.Random, count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/peisong.db", data_dir=Path(folder),
                            secret_key="test-secret")
        app = Peisong(settings, ManualClock(START))
        db = ReadDatabase(settings)
        try:
            # policies only: dispatch's assignments are all this needs of the runner
            _replan_properties(app, ProjectionRunner(app, db, projections=()), rng, count)
        finally:
            db.close()
            app.close()


def _replan_properties(app: Peisong, runner: ProjectionRunner, rng: random.Random, count: int) -> None:
    routing_shop(app)
    orders = [packed_order(app, f"Q-{i}", north=rng.uniform(-0.03, 0.03), east=rng.uniform(-0.03, 0.03),
                           lines=[("RICE-5KG", rng.randint(1, 3))]) for i in range(count)]
    first = request_plan(app, orders, couriers=["C-BIKE-1", "C-BIKE-2", "C-COLD"])
    dispatch(app, first, runner)
    plan = app.existing_route_plan(first)
    for route in plan.routes:
        courier = route["courier"]
        first_trip = [v["ref"] for v in route["visits"] if v["trip"] == 0 and v["kind"] != "reload"]
        for number in first_trip:  # a courier takes out one trip's goods at a time
            fate = rng.choice(("packed", "handed", "delivered"))
            if fate != "packed":
                app.hand_order_to_courier(number, courier)
                app.send_order_out_for_delivery(number)
            if fate == "delivered":
                app.deliver_order(number, "photo", "pod.jpg")
        if rng.random() < 0.8:
            ping(app, courier, HOME[0] + rng.uniform(-0.03, 0.03), HOME[1] + rng.uniform(-0.03, 0.03))
    app.clock.advance(timedelta(minutes=10))
    runner.catch_up()
    if app.existing_route_plan(first).status == COMPLETED:  # everything was delivered: nothing to re-plan
        with pytest.raises(InvalidTransition):
            app.replan_routes(first, "re-plan")
        return

    replan = app.replan_routes(first, "re-plan", max_iterations=200)["plan"]
    request, _ = claimed_request(app, replan)
    app.record_route_plan(replan, "test-worker", _solve(request))
    new = app.existing_route_plan(replan)

    delivered = {n for n in orders if app.existing_order(n).status == DELIVERED}
    assert not delivered & {s.id for s in request.stops}
    assert not delivered & set(new.routed_orders())
    left = {item["order"] for item in new.left_out}
    assert set(plan.routed_orders()) - delivered == set(new.routed_orders()) | left
    vehicles = {v.id: v for v in request.vehicles}
    for route in new.routes:
        vehicle = vehicles[route["vehicle"]]
        courier = route["courier"]
        carried = [n for n in orders if app.existing_order(n).courier_id == courier
                   and app.existing_order(n).status in (HANDED_TO_COURIER, OUT_FOR_DELIVERY)]
        if route["start"] == WAREHOUSE:
            continue
        seen = app.position_at(courier, app.clock.now())
        assert (vehicle.start.lat, vehicle.start.lon) == (seen["lat"], seen["lon"])
        assert route["start_load_kg"] == carried_weight(app, courier, orders)
        assert set(new.routed_orders(route)) <= set(carried)


def test_a_traffic_report_replans_the_routes_crossing_its_zone_and_no_others(
        shop: Peisong, runner: ProjectionRunner) -> None:
    shop.define_zone("NORTH", "North", "residential", zone_square("NORTH", HOME[0] + 0.03, HOME[1], 0.012))
    shop.define_zone("EAST", "Far east", "industrial", zone_square("EAST", HOME[0], HOME[1] + 0.2, 0.01))
    north = [packed_order(shop, f"N-{i}", north=0.03, east=0.004 * i) for i in range(3)]
    first = request_plan(shop, north)
    dispatch(shop, first, runner)

    shop.report_traffic("EAST", 1.8)
    runner.catch_up()
    assert shop.dispatch_board(WAREHOUSE).open_replans == {}

    shop.report_traffic("NORTH", 2.5, note="burst water main")
    runner.catch_up()
    replan = shop.dispatch_board(WAREHOUSE).open_replans[first]
    route_plan = shop.existing_route_plan(replan)
    assert (route_plan.status, route_plan.replaces) == (REQUESTED, first)
    request, _ = claimed_request(shop, replan)
    assert dict(request.travel.traffic.zone_hour) == {("EAST", 16): 1.8, ("NORTH", 16): 2.5}
    assert {s.id for s in request.stops} == set(north)

    shop.report_traffic("NORTH", 3.0)
    runner.catch_up()
    newer = shop.dispatch_board(WAREHOUSE).open_replans[first]
    assert newer != replan and shop.existing_route_plan(replan).status == DISCARDED


def test_a_wave_plans_replan_goes_on_the_road_by_itself(shop: Peisong, runner: ProjectionRunner) -> None:
    shop.define_zone("NORTH", "North", "residential", zone_square("NORTH", HOME[0] + 0.03, HOME[1], 0.012))
    first = request_plan(shop, ring_of_orders(shop, "N", 3, radius=0.03), automatic=True, auto_dispatch=True)
    plan_now(shop, first)
    runner.catch_up()
    assert shop.existing_route_plan(first).status == DISPATCHED
    shop.report_traffic("NORTH", 2.0)
    runner.catch_up()
    replan = shop.dispatch_board(WAREHOUSE).open_replans[first]
    plan_now(shop, replan)
    runner.catch_up()
    assert shop.existing_route_plan(replan).status == DISPATCHED
    assert shop.existing_route_plan(first).status == REPLACED


def test_only_a_plan_on_the_road_is_replanned(shop: Peisong) -> None:
    plan = request_plan(shop, ring_of_orders(shop, "X", 2))
    with pytest.raises(InvalidTransition, match="only a plan on the road"):
        shop.replan_routes(plan, "why not")


def test_an_order_a_replan_leaves_at_the_counter_goes_back_to_the_next_wave(
        shop: Peisong, runner: ProjectionRunner) -> None:
    """Still packed when its route is re-planned, and no longer deliverable within its window: the re-plan leaves
    it out, the order loses its courier (the tracking page and the routes read model say so) and a new plan takes
    it, instead of it waiting for ever on a replaced plan."""
    near = packed_order(shop, "NEAR-1", north=0.005, window=(0, 3))
    far = packed_order(shop, "FAR-1", north=0.09, window=(0, 1.5))  # about 10 km: in time if it leaves now
    first = request_plan(shop, [near, far], couriers=["C-BIKE-1"])
    dispatch(shop, first, runner)
    assert shop.existing_order(far).assigned_plan == first

    shop.clock.advance(timedelta(minutes=55))  # nobody took it: now it cannot arrive within its window
    replan = shop.replan_routes(first, "the far order is running out of time", max_iterations=200)["plan"]
    new = plan_now(shop, replan)
    assert [left["order"] for left in new.left_out] == [far]
    shop.accept_route_plan(replan)
    shop.dispatch_route_plan(replan)
    runner.catch_up()

    order = shop.existing_order(far)
    assert (order.assigned_plan, order.assigned_courier, order.status) == (None, None, PACKED)
    assert shop.existing_order(near).assigned_plan == replan
    with runner.db.read() as conn:
        tracked = conn.execute(select(tracking_orders.c.plan, tracking_orders.c.courier)
                               .where(tracking_orders.c.number == far)).one()
        state = conn.execute(select(order_plans.c.state).where(order_plans.c.number == far)).scalar_one()
    assert tuple(tracked) == (None, None) and state == RELEASED
    assert request_plan(shop, [far], couriers=["C-BIKE-2"])  # the next wave may plan it again
    with pytest.raises(InvalidTransition):  # an order no longer on that plan cannot leave it again
        shop.existing_order(far).unassign(first, "again")
