"""Route-based decomposition across processes: sound, recorded, replayable."""

from __future__ import annotations

import random

from solver import Depot, GreatCircleTravel, PlanRequest, Point, Stop, Vehicle, plan_routes
from solver.decompose import split_routes
from solver.routing import build_model
from tests.solver.plan_checker import assert_plan_ok

H = 3600


def big_request(max_iterations) -> PlanRequest:
    rng = random.Random(5)
    depot = Depot("W", Point.geo(31.23, 121.47), window=(6 * H, 22 * H))
    stops = []
    for i in range(90):
        t0 = rng.choice([9, 11, 13, 15]) * H
        stops.append(
            Stop(
                f"s{i}",
                Point.geo(31.23 + rng.uniform(-0.08, 0.08), 121.47 + rng.uniform(-0.08, 0.08)),
                weight_kg=rng.uniform(2, 12),
                window=(t0, t0 + 3 * H),
                service_s=120,
                skills=frozenset({"cold_chain"}) if i % 9 == 0 else frozenset(),
            )
        )
    vehicles = [
        Vehicle(
            f"v{k}",
            "van",
            80.0,
            (8 * H, 20 * H),
            "W",
            cost_per_km=1.0,
            cost_per_hour=20.0,
            skills=frozenset({"cold_chain"}) if k < 2 else frozenset(),
        )
        for k in range(12)
    ]
    return PlanRequest(
        (depot,),
        tuple(stops),
        tuple(vehicles),
        GreatCircleTravel(speeds_kmh={"car": 30.0}),
        max_iterations=max_iterations,
        seed=4,
        decompose_above=40,
        decompose_rounds=1,
        workers=2,
    )


def test_decomposed_plan_is_sound_recorded_and_replayable():
    req = big_request(150)
    plan = plan_routes(req)
    assert_plan_ok(req, plan)
    assert plan.complete and plan.parts == 2
    phases = [p for p, _ in plan.iterations]
    assert phases == ["search", "r1p1", "r1p2", "polish"]
    assert all(n == 150 for _, n in plan.iterations)
    replay = plan_routes(
        PlanRequest(
            req.depots, req.stops, req.vehicles, req.travel,
            max_iterations=plan.iterations, seed=req.seed,
            decompose_above=req.decompose_above, workers=2,
        )
    )
    assert replay.same_solution(plan)


def test_split_routes_partitions_clients_and_vehicles():
    from pyvrp import solve
    from pyvrp.stop import MaxIterations

    model = build_model(big_request(10))
    data = model.data
    sol = solve(data, MaxIterations(50), seed=1, display=False).best
    groups = split_routes(data, sol, 2, 0.3)
    assert len(groups) == 2
    clients = sorted(c for g in groups for c in g["clients"])
    assert clients == list(range(data.num_clients))
    for t, vt in enumerate(data.vehicle_types()):
        assert sum(g["counts"].get(t, 0) for g in groups) == vt.num_available
