"""recommend_fleet: fewest vehicles covering each hour's demand, then cheapest."""

from __future__ import annotations

import itertools
import math

import pytest

from solver import FleetVehicleType, recommend_fleet
from solver.fleet import _enumerate_hour, _lexicographic, vehicle_throughput

BIKE = FleetVehicleType("bike", capacity_kg=30, capacity_l=120, speed_kmh=15, cost_per_hour=25)
VAN = FleetVehicleType("van", capacity_kg=600, capacity_l=3000, speed_kmh=25, cost_per_hour=60, available=3)
PARAMS = dict(order_kg=5.0, order_l=20.0, service_s=180, load_s=600, depot_km=4.0, stop_spacing_km=0.8, window_h=2.0)


def throughput(vt):
    return vehicle_throughput(vt, utilisation=0.85, **PARAMS)


def test_throughput_model():
    # bike: 6 orders a trip (capacity); van: as many as fit the 2 h window
    bike = throughput(BIKE)
    trip = (8 + 5 * 0.8) / 15 + (6 * 180 + 600) / 3600
    assert math.isclose(bike, 0.85 * 6 / trip)
    assert throughput(VAN) > bike


def test_fewest_vehicles_cover_each_hour_and_respect_availability():
    demand = {8: 0, 9: 12, 10: 40, 11: 75, 12: 30}
    rec = recommend_fleet(demand, [BIKE, VAN], **PARAMS)
    theta = dict(rec.throughput)
    assert rec.covered
    for hour in rec.hours:
        counts = hour.counts
        assert hour.capacity_orders + 1e-9 >= hour.orders
        assert counts.get("van", 0) <= 3
        # no smaller fleet covers the hour (exhaustive check)
        fewer = [
            (b, v)
            for b, v in itertools.product(range(hour.total + 1), range(4))
            if b + v < hour.total and b * theta["bike"] + v * theta["van"] + 1e-9 >= hour.orders
        ]
        assert not fewer, (hour, fewer)
    assert rec.hours[0].total == 0


def test_cheapest_among_the_fewest():
    cheap = FleetVehicleType("cheap", capacity_kg=100, capacity_l=1000, speed_kmh=20, cost_per_hour=10)
    dear = FleetVehicleType("dear", capacity_kg=100, capacity_l=1000, speed_kmh=20, cost_per_hour=90)
    rec = recommend_fleet([10, 20], [dear, cheap], **PARAMS)
    assert all(set(h.counts) <= {"cheap"} for h in rec.hours)


def test_shift_model_keeps_vehicles_for_whole_shifts():
    pytest.importorskip("scipy")
    demand = {9: 10, 10: 30, 11: 30, 12: 5, 13: 5, 14: 25}
    rec = recommend_fleet(demand, [BIKE, VAN], shift_hours=3, **PARAMS)
    theta = dict(rec.throughput)
    assert rec.method == "milp with shifts" and rec.shift_starts
    for hour in rec.hours:
        got = sum(theta[t] * n for t, n in hour.vehicles)
        assert got + 1e-9 >= hour.orders
    on_road = {h.hour: h.total for h in rec.hours}
    for start, _, n in rec.shift_starts:
        for h in range(start, start + 3):
            if h in on_road:
                assert on_road[h] >= n


def test_uncoverable_demand_is_reported():
    rec = recommend_fleet([1000], [VAN], **PARAMS)
    assert not rec.covered and rec.hours[0].counts == {"van": 3}


def test_enumeration_fallback_agrees_with_the_integer_program():
    pytest.importorskip("scipy")
    import numpy as np

    theta = [throughput(BIKE), throughput(VAN)]
    cost = [BIKE.cost_per_hour, VAN.cost_per_hour]
    for demand in (1, 7, 19, 33, 48):
        enum = _enumerate_hour(theta, cost, [None, 3], demand)
        milp = _lexicographic(cost, np.array([theta]), np.array([demand]), [10**6, 3])
        assert sum(enum) == int(milp.sum())
        assert math.isclose(sum(c * n for c, n in zip(cost, enum)), float(np.dot(cost, milp)))
