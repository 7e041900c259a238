"""The translation layer: the shop's warehouses, orders, couriers, vehicles and traffic as the solver's request."""

from __future__ import annotations

from datetime import timedelta

from domain.app import Peisong
from domain.planning import LOADS_AT_WAREHOUSE, plain, request_from_record, request_record
from domain.settings import Settings
from solver import plan_routes
from tests.routing.shop import HOME, WAREHOUSE, claimed_request, packed_order, put_on_shift, request_plan

H = 3600
# The tests' clock starts at 08:00 UTC, 16:00 in Shanghai: the solver counts seconds from local midnight.
NOW_S = 16 * H


def zone_square(code: str, lat: float, lon: float, half: float) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_the_depot_is_the_warehouse_open_for_its_opening_hours(shop: Peisong) -> None:
    request, _ = claimed_request(shop, request_plan(shop, [packed_order(shop, "T-1")]))
    (depot,) = request.depots
    assert depot.id == WAREHOUSE
    assert (depot.location.lat, depot.location.lon) == HOME
    assert depot.window == (7 * H, 23 * H)
    assert depot.service_s == shop.settings.depot_loading_seconds
    assert request.day_origin == "2026-11-25T00:00:00+08:00"


def test_vehicles_take_capacity_in_kg_and_litres_speed_and_costs_from_their_vehicle_type(shop: Peisong) -> None:
    request, _ = claimed_request(shop, request_plan(shop, [packed_order(shop, "T-1")]))
    by_courier = {v.courier_id: v for v in request.vehicles}
    bike, fridge = by_courier["C-BIKE-1"], by_courier["C-COLD"]
    assert (bike.id, bike.vehicle_type, bike.capacity_kg, bike.capacity_l) == ("沪A-B0001", "e-bike", 40.0, 120.0)
    assert (fridge.capacity_kg, fridge.capacity_l) == (800.0, 4000.0)
    assert (fridge.cost_per_km, fridge.cost_per_hour, fridge.fixed_cost) == (1.2, 12.0, 150.0)
    assert bike.speed_type == "e-bike" and request.travel.speeds_kmh["e-bike"] == 18.0
    assert bike.start == bike.end == WAREHOUSE and bike.reload_depots == (WAREHOUSE,)


def test_shift_windows_come_from_the_shifts_and_never_begin_in_the_past(shop: Peisong) -> None:
    put_on_shift(shop, "C-LATE", "沪A-B0009", "e-bike", hours=4)
    shop.clock.advance(timedelta(minutes=30))
    later = shop.clock.now() + timedelta(hours=2)
    shop.receive_courier_application("C-EVENING", "Evening rider", "+86 139 0000 9999", "310101199001019999", 3, "C1")
    shop.screen_courier("C-EVENING", True, "clear")
    for course in ("safety", "service", "app"):
        shop.record_courier_training("C-EVENING", course, "4", 90)
    shop.certify_courier("C-EVENING")
    shop.activate_courier("C-EVENING")
    shop.register_vehicle("沪A-B0010", "e-bike")
    shop.plan_shift("C-EVENING", later, later + timedelta(hours=3), WAREHOUSE, vehicle="沪A-B0010")

    plan = request_plan(shop, [packed_order(shop, "T-1")], couriers=["C-BIKE-1", "C-LATE", "C-EVENING"])
    request, _ = claimed_request(shop, plan)
    shifts = {v.courier_id: v.shift for v in request.vehicles}
    # started at 16:00 for 10 h; now it is 16:30; a route may bring its courier back within the overtime allowed
    overtime = int(shop.settings.route_overtime_minutes * 60)
    assert overtime == H // 2
    assert shifts["C-BIKE-1"] == (NOW_S + H // 2, NOW_S + 10 * H + overtime)
    assert shifts["C-LATE"] == (NOW_S + H // 2, NOW_S + 4 * H + overtime)
    # planned from 18:30 to 21:30
    assert shifts["C-EVENING"] == (NOW_S + 5 * H // 2, NOW_S + 11 * H // 2 + overtime)


def test_an_order_is_a_stop_with_its_weight_litres_and_promised_window(shop: Peisong) -> None:
    number = packed_order(shop, "T-1", lines=[("RICE-5KG", 2), ("WATER-12", 1)], north=0.02, east=-0.01,
                          window=(2, 4))
    request, _ = claimed_request(shop, request_plan(shop, [number]))
    (stop,) = request.stops
    assert stop.id == "T-1"
    assert (stop.location.lat, stop.location.lon) == (HOME[0] + 0.02, HOME[1] - 0.01)
    assert (stop.weight_kg, stop.volume_l) == (16.8, 20.0)
    assert stop.window == (NOW_S + 2 * H, NOW_S + 4 * H)
    assert stop.service_s == shop.settings.stop_service_seconds
    assert stop.skills == frozenset() and stop.on_board is None


def test_cold_chain_orders_ride_only_on_refrigerated_vehicles(shop: Peisong) -> None:
    cold = [packed_order(shop, f"COLD-{i}", lines=[("DUMPLINGS", 2)], north=0.004 * i) for i in range(3)]
    plain_orders = [packed_order(shop, f"DRY-{i}", lines=[("RICE-5KG", 1)], east=-0.004 * i) for i in range(3)]
    plan = request_plan(shop, cold + plain_orders)
    request, claim = claimed_request(shop, plan)
    stops = {s.id: s for s in request.stops}
    assert all(stops[n].skills == {"cold_chain"} for n in cold)
    assert all(stops[n].skills == frozenset() for n in plain_orders)
    vehicles = {v.courier_id: v for v in request.vehicles}
    assert "cold_chain" in vehicles["C-COLD"].skills
    assert "cold_chain" not in vehicles["C-BIKE-1"].skills | vehicles["C-BIKE-2"].skills

    solved = plan_routes(request)
    for route in solved.routes:
        if route.vehicle_id != "沪A-R0001":
            assert not set(route.stop_ids) & set(cold)
    fridge = next(r for r in solved.routes if r.vehicle_id == "沪A-R0001")
    assert set(cold) <= set(fridge.stop_ids)


def test_bulky_goods_need_a_vehicle_for_bulky_goods(shop: Peisong) -> None:
    number = packed_order(shop, "BOX-1", lines=[("STORAGE-BOX", 1)])
    request, _ = claimed_request(shop, request_plan(shop, [number]))
    assert request.stops[0].skills == {"bulky"}


def test_the_recorded_request_rebuilds_into_the_same_request(shop: Peisong) -> None:
    orders = [packed_order(shop, f"T-{i}", north=0.003 * i, lines=[("DUMPLINGS", 1)] if i % 2 else [("RICE-5KG", 1)])
              for i in range(4)]
    request, claim = claimed_request(shop, request_plan(shop, orders))
    record = request_record(request)
    assert record == plain(record) == claim["request"]
    again = request_from_record(record, seed=request.seed, max_iterations=request.max_iterations)
    assert again.digest() == request.digest() == claim["digest"]
    assert again == request


def test_reported_traffic_slows_travel_in_its_zone_only(shop: Peisong) -> None:
    shop.define_zone("NORTH", "North", "residential", zone_square("NORTH", HOME[0] + 0.03, HOME[1], 0.015))
    shop.define_zone("SOUTH", "South", "residential", zone_square("SOUTH", HOME[0] - 0.03, HOME[1], 0.015))
    north = packed_order(shop, "N-1", north=0.03, east=0.0)
    south = packed_order(shop, "S-1", north=-0.03, east=0.0)
    shop.report_traffic("NORTH", 2.0, note="accident on the ring road")

    request, _ = claimed_request(shop, request_plan(shop, [north, south]))
    assert dict(request.travel.traffic.zone_hour) == {("NORTH", 16): 2.0}
    assert {s.id: s.location.zone for s in request.stops} == {"N-1": "NORTH", "S-1": "SOUTH"}
    depot = request.depots[0].location
    _, seconds = request.travel.matrices([depot, request.stops[0].location, request.stops[1].location], "e-bike")
    # the depot is in no zone (factor 1): a leg into the slow zone takes (1 + 2) / 2 times as long
    assert abs(seconds[0, 1] / seconds[0, 2] - 1.5) < 0.01


def test_couriers_at_the_warehouse_start_and_end_there_and_load_any_order(shop: Peisong) -> None:
    request, _ = claimed_request(shop, request_plan(shop, [packed_order(shop, "T-1")]))
    assert all(LOADS_AT_WAREHOUSE not in s.skills for s in request.stops)
    assert all(v.start == WAREHOUSE for v in request.vehicles)


def test_the_overtime_a_route_may_take_is_a_setting(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PEISONG_ROUTE_OVERTIME_MINUTES", "45")
    assert Settings.from_env().route_overtime_minutes == 45.0
