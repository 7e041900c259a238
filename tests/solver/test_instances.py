"""solver.instances: benchmark files become requests whose PyVRP model is vrplib's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from solver import plan_routes
from solver.instances import read_bks, read_instance, reference_data
from solver.routing import build_model
from tests.solver.plan_checker import assert_plan_ok

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "instances"
C101 = SHARED / "solomon" / "C101.txt"
XCVRP = SHARED / "cvrp" / "X-n101-k25.vrp"

needs_instances = pytest.mark.skipif(not C101.exists(), reason="shared instances not present")


@needs_instances
def test_solomon_request_reproduces_vrplib_problem_data():
    inst = read_instance(C101, max_iterations=10)
    ours = build_model(inst.request).data
    ref = reference_data(C101)
    assert inst.rounding == "dimacs" and inst.bks == pytest.approx(827.3)
    for a, b in zip(ours.distance_matrices(), ref.distance_matrices(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(ours.duration_matrices(), ref.duration_matrices(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert ours.clients() == ref.clients()
    assert ours.depots() == ref.depots()
    assert ours.vehicle_types() == ref.vehicle_types()
    assert ours.locations() == ref.locations()
    assert ours == ref


@needs_instances
def test_cvrp_request_reproduces_vrplib_problem_data():
    inst = read_instance(XCVRP, max_iterations=10)
    assert inst.rounding == "round" and inst.scale == 1
    assert build_model(inst.request).data == reference_data(XCVRP)
    assert read_bks(XCVRP) == 27591


@needs_instances
def test_plan_of_a_solomon_instance_checks_and_matches_plain_pyvrp():
    import pyvrp
    from pyvrp.stop import MaxIterations

    inst = read_instance(C101, max_iterations=300)
    plan = plan_routes(inst.request)
    assert_plan_ok(inst.request, plan)
    res = pyvrp.solve(reference_data(C101), MaxIterations(300), seed=0, display=False)
    assert plan.objective == res.cost()
    assert inst.cost(plan.objective) >= inst.bks - 1e-9
