"""Travel providers: haversine, detour, speeds, traffic; Euclidean roundings."""

from __future__ import annotations

import numpy as np
import pytest

from solver import EuclideanTravel, GreatCircleTravel, Point, TrafficFactors, TravelProvider, haversine_m


def test_haversine_one_degree_of_latitude():
    assert haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(111_195, rel=1e-4)


def test_great_circle_matrices_detour_speed_and_traffic():
    pts = [Point.geo(31.23, 121.47, zone="a"), Point.geo(31.24, 121.47, zone="b")]
    plain = GreatCircleTravel(detour_factor=1.0, speeds_kmh={"bike": 18.0})
    dist, dur = plain.matrices(pts, "bike")
    assert dist.dtype == np.int64 and dur.dtype == np.int64
    assert dist[0, 0] == 0 and dist[0, 1] == dist[1, 0]
    assert dist[0, 1] == pytest.approx(1112, abs=2)
    assert dur[0, 1] == pytest.approx(dist[0, 1] / 5.0, abs=1)  # 18 km/h = 5 m/s
    traffic = TrafficFactors(zone_hour={("a", 8): 2.0}, hour={8: 1.5})
    busy = GreatCircleTravel(detour_factor=1.3, speeds_kmh={"bike": 18.0}, traffic=traffic, hour=8)
    dist2, dur2 = busy.matrices(pts, "bike")
    assert dist2[0, 1] == round(1.3 * haversine_m(31.23, 121.47, 31.24, 121.47))
    # mean of origin (2.0) and destination (1.5, from the hour) factors
    assert dur2[0, 1] == round(1.3 * haversine_m(31.23, 121.47, 31.24, 121.47) / 5.0 * 1.75)
    assert isinstance(busy, TravelProvider)
    with pytest.raises(ValueError):
        busy.matrices(pts, "rocket")


def test_euclidean_roundings():
    pts = [Point.xy(0, 0), Point.xy(1, 1)]
    d = 2**0.5
    assert EuclideanTravel("dimacs").matrices(pts, "x")[0][0, 1] == int(10 * d)
    assert EuclideanTravel("round").matrices(pts, "x")[0][0, 1] == 1
    assert EuclideanTravel("exact").matrices(pts, "x")[0][0, 1] == round(1000 * d)
    dist, dur = EuclideanTravel("exact", speeds={"slow": 0.5}).matrices(pts, "slow")
    assert dur[0, 1] == round(1000 * d / 0.5)
