"""plan_routes on small requests, every plan verified by the independent checker."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from solver import (
    Depot,
    EuclideanTravel,
    GreatCircleTravel,
    PlanRequest,
    Point,
    Stop,
    TrafficFactors,
    Vehicle,
    plan_routes,
)
from tests.solver.plan_checker import assert_plan_ok, check_plan

H = 3600
DAY = (6 * H, 22 * H)
CITY = GreatCircleTravel(speeds_kmh={"car": 30.0, "van": 25.0, "bike": 15.0})


def geo(lat_off: float, lon_off: float, zone: str | None = None) -> Point:
    return Point.geo(31.23 + lat_off, 121.47 + lon_off, zone=zone)


def request(stops, vehicles, depots=None, travel=CITY, iterations=200, **kw) -> PlanRequest:
    depots = depots or (Depot("W", geo(0, 0), window=DAY),)
    return PlanRequest(
        depots=tuple(depots),
        stops=tuple(stops),
        vehicles=tuple(vehicles),
        travel=travel,
        max_iterations=iterations,
        seed=kw.pop("seed", 1),
        **kw,
    )


def van(vid: str, **kw) -> Vehicle:
    args = dict(
        id=vid,
        vehicle_type="van",
        capacity_kg=500.0,
        capacity_l=3000.0,
        shift=(8 * H, 20 * H),
        start="W",
        cost_per_km=1.0,
        cost_per_hour=30.0,
        speed_type="van",
    )
    args.update(kw)
    return Vehicle(**args)


def ring(n: int, radius: float = 0.03, seed: int = 0, **kw) -> list[Stop]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        out.append(
            Stop(
                id=f"s{i}",
                location=geo(rng.uniform(-radius, radius), rng.uniform(-radius, radius)),
                weight_kg=kw.get("weight_kg", 5.0),
                volume_l=kw.get("volume_l", 10.0),
                window=kw.get("window", (9 * H, 18 * H)),
                service_s=kw.get("service_s", 120),
            )
        )
    return out


# --- random requests ---------------------------------------------------------


@st.composite
def random_requests(draw):
    rng = random.Random(draw(st.integers(0, 10**6)))
    n_depots = draw(st.integers(1, 2))
    depots = [
        Depot(
            f"W{d}",
            geo(rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04)),
            window=(rng.choice([6, 7, 8]) * H, rng.choice([19, 20, 22]) * H),
            service_s=rng.choice([0, 300]),
        )
        for d in range(n_depots)
    ]
    stops = []
    for i in range(draw(st.integers(1, 14))):
        t0 = rng.randint(8, 17) * H
        stops.append(
            Stop(
                id=f"s{i}",
                location=geo(rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05), zone=rng.choice("ab")),
                weight_kg=round(rng.uniform(0, 40), 3),
                volume_l=round(rng.uniform(0, 120), 3),
                window=(t0, t0 + rng.choice([1, 2, 4]) * H),
                service_s=rng.choice([60, 180, 300]),
                skills=frozenset({"cold_chain"}) if rng.random() < 0.2 else frozenset(),
                kind="pickup" if rng.random() < 0.2 else "delivery",
                required=rng.random() < 0.7,
                priority=rng.randint(1, 5),
                release_s=rng.choice([0, 0, 9 * H]),
            )
        )
    vehicles = []
    for k in range(draw(st.integers(1, 4))):
        kind = rng.choice(["van", "bike", "car"])
        start = rng.choice([d.id for d in depots] + ["point"])
        vehicles.append(
            Vehicle(
                id=f"v{k}",
                vehicle_type=kind,
                courier_id=f"c{k}",
                capacity_kg={"van": 200.0, "bike": 40.0, "car": 100.0}[kind],
                capacity_l={"van": 1500.0, "bike": 150.0, "car": 600.0}[kind],
                shift=(rng.choice([7, 8, 10]) * H, rng.choice([16, 18, 20]) * H),
                start=geo(rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05)) if start == "point" else start,
                end=rng.choice([d.id for d in depots]) if start == "point" else None,
                fixed_cost=rng.choice([0.0, 20.0]),
                cost_per_km=rng.choice([0.5, 1.0]),
                cost_per_hour=rng.choice([0.0, 30.0]),
                skills=frozenset({"cold_chain"}) if rng.random() < 0.4 else frozenset(),
                reload_depots=tuple(d.id for d in depots if rng.random() < 0.5),
                max_reloads=rng.choice([None, 1, 2]),
                speed_type=kind,
                initial_kg=rng.choice([0.0, 0.0, 10.0]) if start == "point" else 0.0,
            )
        )
    traffic = TrafficFactors(zone_hour={("a", 8): 1.6, ("b", 8): 1.2})
    travel = GreatCircleTravel(speeds_kmh={"van": 25.0, "bike": 15.0, "car": 30.0}, traffic=traffic, hour=8)
    return request(stops, vehicles, depots=depots, travel=travel, iterations=150, seed=rng.randint(0, 99))


@settings(max_examples=15, deadline=None)
@given(random_requests())
def test_random_requests_give_sound_plans(req):
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    assert plan.request_digest == req.digest()
    assert all(n >= 0 for _, n in plan.iterations)
    if plan.routes:
        assert plan.iterations


# --- features ------------------------------------------------------------------


def test_multi_depot_each_area_served_from_its_warehouse():
    depots = (Depot("N", geo(0.2, 0), window=DAY), Depot("S", geo(-0.2, 0), window=DAY))
    north = [Stop(f"n{i}", geo(0.2 + 0.01 * (i - 2), 0.01 * i), weight_kg=5) for i in range(5)]
    south = [Stop(f"s{i}", geo(-0.2 + 0.01 * (i - 2), 0.01 * i), weight_kg=5) for i in range(5)]
    vehicles = [van("vn", start="N"), van("vs", start="S")]
    req = request(north + south, vehicles, depots=depots)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    assert not plan.left_out and plan.complete
    by_vehicle = {r.vehicle_id: set(r.stop_ids) for r in plan.routes}
    assert by_vehicle["vn"] == {s.id for s in north}
    assert by_vehicle["vs"] == {s.id for s in south}


def test_heterogeneous_fleet_heavy_orders_go_on_the_van():
    stops = ring(6, weight_kg=8.0)
    stops += [Stop("heavy1", geo(0.01, 0.01), weight_kg=150), Stop("heavy2", geo(-0.01, 0.02), weight_kg=120)]
    vehicles = [
        Vehicle("bike", "bike", 40.0, (8 * H, 20 * H), "W", speed_type="bike", cost_per_km=0.1, cost_per_hour=20),
        van("van", cost_per_km=2.0),
    ]
    req = request(stops, vehicles)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    assert plan.complete
    van_route = next(r for r in plan.routes if r.vehicle_id == "van")
    assert {"heavy1", "heavy2"} <= set(van_route.stop_ids)


def test_cold_chain_only_on_refrigerated_and_unknown_skill_left_out():
    stops = ring(8, seed=3)
    cold = [Stop(f"cold{i}", geo(0.005 * i, -0.01), weight_kg=3, skills={"cold_chain"}) for i in range(4)]
    hazmat = Stop("hz", geo(0.01, 0.0), skills={"hazmat"})
    vehicles = [
        van("plain", cost_per_km=0.5),
        van("fridge", skills={"cold_chain"}, cost_per_km=3.0, fixed_cost=50),
    ]
    req = request(stops + cold + [hazmat], vehicles)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    fridge = next(r for r in plan.routes if r.vehicle_id == "fridge")
    assert {c.id for c in cold} <= set(fridge.stop_ids)
    for r in plan.routes:
        if r.vehicle_id == "plain":
            assert not any(s.startswith("cold") for s in r.stop_ids)
    (left,) = plan.left_out
    assert left.stop_id == "hz" and left.code == "skill" and "hazmat" in left.reason


def test_skills_hold_even_when_the_skilled_vehicle_is_dearest():
    cold = [Stop(f"cold{i}", geo(0.01 * i, 0.01), weight_kg=10, skills={"cold_chain"}) for i in range(3)]
    vehicles = [van("cheap", cost_per_km=0.01), van("fridge", skills={"cold_chain"}, cost_per_km=50.0, fixed_cost=500)]
    req = request(cold, vehicles)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    assert [r.vehicle_id for r in plan.routes] == ["fridge"]


def test_reloads_make_several_trips():
    stops = ring(6, weight_kg=10.0, volume_l=5.0)
    vehicles = [van("v", capacity_kg=20.0, reload_depots=("W",), max_reloads=3)]
    req = request(stops, vehicles, iterations=300)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    assert plan.complete
    (route,) = plan.routes
    assert len(route.trips) == 3
    assert [v.kind for v in route.visits].count("reload") == 2
    assert all(v.load_kg <= 20 for v in route.visits)


def test_max_reloads_limits_trips_and_rest_is_left_out_for_capacity():
    stops = ring(6, weight_kg=10.0)
    vehicles = [van("v", capacity_kg=20.0, reload_depots=("W",), max_reloads=1)]
    req = request(stops, vehicles, iterations=300)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    assert not plan.complete
    assert len(plan.routes[0].trips) <= 2
    assert len(plan.left_out) == 2
    assert all(lo.code == "capacity" and lo.reason == "capacity: not everything fits" for lo in plan.left_out)


def test_optional_orders_left_out_when_capacity_is_short():
    required = [Stop(f"r{i}", geo(0.01 * i, 0.0), weight_kg=40) for i in range(2)]
    optional = [
        Stop(f"o{i}", geo(0.0, 0.01 * (i + 1)), weight_kg=15, required=False, priority=p)
        for i, p in enumerate([1, 5, 3])
    ]
    vehicles = [van("v", capacity_kg=100.0)]
    req = request(required + optional, vehicles, prize_per_priority=100.0)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    # 80 kg required + room for one 15 kg optional order: the top priority
    assert set(plan.routes[0].stop_ids) == {"r0", "r1", "o1"}
    assert [lo.stop_id for lo in plan.left_out] == ["o0", "o2"]
    assert all(lo.code == "capacity" for lo in plan.left_out)


def test_optional_far_order_not_worth_its_priority():
    stops = ring(4)
    far = Stop("far", geo(0.3, 0.3), required=False, priority=1)
    req = request(stops + [far], [van("v", shift=(6 * H, 22 * H))], prize_per_priority=0.5)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    (left,) = plan.left_out
    assert left.stop_id == "far" and left.code == "not_worth"
    assert left.reason == "optional, not worth its priority"


def test_pickups_ride_back_to_the_depot():
    deliveries = [Stop(f"d{i}", geo(0.01 * i, 0.01), weight_kg=30) for i in range(3)]
    pickups = [Stop(f"p{i}", geo(-0.01 * i, 0.01), weight_kg=30, kind="pickup") for i in range(3)]
    req = request(deliveries + pickups, [van("v", capacity_kg=100.0)], iterations=300)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    assert plan.complete
    (route,) = plan.routes
    assert route.start_load_kg == 90
    assert max(v.load_kg for v in route.visits) <= 100
    assert route.visits[-1].load_kg == 90  # the three returns


def test_start_from_current_position_with_load_on_board():
    here = geo(0.02, 0.02)
    stops = [Stop(f"s{i}", geo(0.02 + 0.003 * i, 0.02), weight_kg=10) for i in range(4)]
    on_board = [Stop("mine", geo(0.025, 0.025), weight_kg=15, on_board="moving")]
    vehicles = [
        van("moving", capacity_kg=50.0, start=here, end="W", initial_kg=20.0, shift=(13 * H, 20 * H)),
        van("home", capacity_kg=500.0, cost_per_km=5.0, fixed_cost=100),
    ]
    req = request(stops + on_board, vehicles)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    assert plan.complete
    moving = next(r for r in plan.routes if r.vehicle_id == "moving")
    assert moving.start == "@vehicle:moving" and moving.end == "W"
    assert "mine" in moving.stop_ids
    assert moving.start_s >= 13 * H
    # 20 kg of returns on board + what it leaves with never exceeds 50 kg
    assert moving.start_load_kg <= 50
    assert moving.start_load_kg >= 20 + 15


def test_prechecks_leave_out_impossible_stops_with_reasons():
    stops = ring(3) + [
        Stop("heavy", geo(0.0, 0.01), weight_kg=900),
        Stop("bulky", geo(0.0, 0.01), volume_l=10_000),
        Stop("night", geo(0.0, 0.01), window=(2 * H, 3 * H)),
        Stop("far", geo(3.0, 3.0), window=(9 * H, 10 * H)),
    ]
    req = request(stops, [van("v")])
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    codes = {lo.stop_id: (lo.code, lo.reason) for lo in plan.left_out}
    assert codes["heavy"][0] == "too_heavy" and "heavier than every vehicle" in codes["heavy"][1]
    assert codes["bulky"][0] == "too_bulky"
    assert codes["night"] == ("window_unreachable", "window cannot be reached")
    assert codes["far"][0] == "window_unreachable"
    assert set(codes) == {"heavy", "bulky", "night", "far"}


def test_required_stops_that_cannot_all_fit_in_time_are_left_out_with_reason():
    # ten stops all promised within the same ten minutes, one vehicle
    stops = [
        Stop(f"s{i}", geo(0.02 * (i % 5), 0.02 * (i // 5)), window=(10 * H, 10 * H + 600), service_s=300)
        for i in range(10)
    ]
    req = request(stops, [van("v")], iterations=200)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    assert not plan.complete
    assert plan.left_out and all(lo.code == "time" for lo in plan.left_out)
    assert plan.routes


def test_same_request_seed_and_iterations_give_the_same_plan_and_replay():
    stops = ring(25, seed=7)
    vehicles = [van("a", capacity_kg=40.0), van("b", capacity_kg=40.0), van("c", capacity_kg=80.0)]
    req = request(stops, vehicles, iterations=250, seed=11)
    first = plan_routes(req)
    second = plan_routes(req)
    assert first.same_solution(second)
    assert first.request_digest == second.request_digest == req.digest()
    assert first.iterations == (("search", 250),)
    assert first.seed == 11 and first.solver_version.startswith("0.14")
    replay = plan_routes(
        PlanRequest(
            req.depots, req.stops, req.vehicles, req.travel, max_iterations=first.iterations, seed=11
        )
    )
    assert replay.same_solution(first)
    assert replay.request_digest == first.request_digest


def test_digest_changes_with_the_request():
    a = request(ring(3), [van("v")])
    b = request(ring(3), [van("v", capacity_kg=499.0)])
    assert a.digest() == request(ring(3), [van("v")]).digest()
    assert a.digest() != b.digest()


def test_progress_is_reported_and_plan_records_figures():
    seen = []
    req = request(ring(10), [van("v")], iterations=1200)
    plan = plan_routes(req, progress=seen.append)
    assert seen and seen[-1].phase == "search"
    assert any(p.best_objective is not None for p in seen)
    assert plan.objective > 0 and plan.distance_m > 0 and plan.duration_s > 0
    assert plan.runtime_s >= plan.setup_s >= 0
    assert abs(plan.cost - sum(r.cost for r in plan.routes)) < 1e-9


def test_planar_requests_and_no_vehicle_case():
    travel = EuclideanTravel(rounding="round")
    depot = Depot("W", Point.xy(0, 0))
    stops = [Stop(f"s{i}", Point.xy(i * 10, 5), weight_kg=1) for i in range(5)]
    req = PlanRequest((depot,), tuple(stops), (Vehicle("v", "t", 10, (0, 10_000), "W", cost_per_km=1000.0),),
                      travel, max_iterations=100, cost_resolution=1.0)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    # the optimum: straight out and back
    assert plan.distance_m == 2 * 40 + 2 * 5 or plan.distance_m <= 2 * 41 + 10
    closed = PlanRequest((Depot("W", Point.xy(0, 0), window=(0, 100)),), tuple(stops),
                         (Vehicle("v", "t", 10, (200, 300), "W"),), travel, max_iterations=10)
    plan = plan_routes(closed)
    assert not plan.routes and len(plan.left_out) == 5 and not check_plan(closed, plan)
