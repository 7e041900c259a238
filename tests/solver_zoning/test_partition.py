"""Zone partitioning: valid, non-overlapping zones that cover every address with even workloads."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
import shapely
from shapely.geometry import box, mapping, shape

from solver.zoning import BHH_BETA, ZoningInputError, ZoningRequest, partition_zones
from tests.solver_zoning.cities import generated_city

M2_PER_DEG2 = (6_371_008.8 * np.pi / 180) ** 2 * np.cos(np.radians(31.2))


def request_for(seed: int, zones: int, **overrides: object) -> ZoningRequest:
    city = generated_city(seed)
    return ZoningRequest(city.lats, city.lons, zones, service_minutes=city.service_minutes, days=30, seed=seed,
                         **overrides)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed, zones", [(0, 4), (1, 6), (2, 8), (3, 10), (4, 12), (5, 5), (6, 12)])
def test_a_generated_city_splits_into_valid_disjoint_zones_covering_every_address_with_even_workloads(
    seed: int, zones: int
) -> None:
    request = request_for(seed, zones)
    began = time.perf_counter()

    partition = partition_zones(request)

    assert time.perf_counter() - began < 3.0
    polygons = [shape(zone.boundary) for zone in partition.zones]
    assert len(polygons) == zones
    for polygon in polygons:
        assert polygon.geom_type in ("Polygon", "MultiPolygon")
        assert polygon.is_valid and not polygon.is_empty
    for a, b in itertools.combinations(polygons, 2):
        assert a.intersection(b).area * M2_PER_DEG2 < 1.0  # square metres: edges shared, no area
    points = shapely.points(request.lons, request.lats)
    covered = np.zeros(len(points), dtype=bool)
    for polygon in polygons:
        covered |= shapely.covers(polygon, points)
    assert covered.all()
    workloads = np.array(partition.workloads)
    assert workloads.max() <= 1.2 * workloads.mean()
    assert partition.imbalance == pytest.approx(workloads.max() / workloads.mean())


def test_each_address_is_counted_in_the_zone_whose_polygon_holds_it() -> None:
    request = request_for(7, 6)
    partition = partition_zones(request)

    points = shapely.points(request.lons, request.lats)
    for j, zone in enumerate(partition.zones):
        members = np.array(partition.assignment) == j
        assert zone.addresses == members.sum()
        # Within a centimetre (the output grid) of its zone, if not strictly inside.
        assert shapely.distance(shape(zone.boundary), points[members]).max() < 1e-7


def test_the_zones_tile_the_city_boundary_when_one_is_given() -> None:
    city = generated_city(8)
    boundary = box(121.30, 31.05, 121.60, 31.35)

    partition = partition_zones(ZoningRequest(city.lats, city.lons, 7, city=mapping(boundary), seed=8))

    union = shapely.union_all([shape(zone.boundary) for zone in partition.zones])
    assert union.symmetric_difference(boundary).area * M2_PER_DEG2 < 10.0
    assert sum(zone.area_km2 for zone in partition.zones) == pytest.approx(boundary.area * M2_PER_DEG2 / 1e6,
                                                                           rel=0.01)


def test_workload_is_service_plus_the_beardwood_halton_hammersley_travel_estimate() -> None:
    # 400 addresses evenly spread over a 10 km square, one zone, one day: BHH says 0.7124 sqrt(n A).
    side = 10_000 / 111_320
    grid = (np.arange(20) + 0.5) / 20 * side
    lats, lons = np.meshgrid(31.2 + grid, 121.4 + grid / np.cos(np.radians(31.2)))
    square = box(121.4, 31.2, 121.4 + side / np.cos(np.radians(31.2)), 31.2 + side)

    (zone,) = partition_zones(ZoningRequest(lats.ravel(), lons.ravel(), 1, service_minutes=4.0, city=mapping(square),
                                            speed_kmh=20.0, detour=1.0)).zones

    assert zone.service_minutes == pytest.approx(1600.0)
    expected_travel = BHH_BETA * np.sqrt(400 * 100e6) / (20_000 / 60)  # metres at metres per minute
    assert zone.travel_minutes == pytest.approx(expected_travel, rel=0.02)
    assert zone.workload_minutes == pytest.approx(1600.0 + expected_travel, rel=0.01)


def test_the_same_request_and_seed_give_the_same_zones() -> None:
    first = partition_zones(request_for(9, 5))
    again = partition_zones(request_for(9, 5))

    assert [z.boundary for z in first.zones] == [z.boundary for z in again.zones]
    assert first.assignment == again.assignment


def test_a_tighter_tolerance_is_met_by_moving_boundary_addresses() -> None:
    loose = partition_zones(request_for(1, 12))
    tight = partition_zones(request_for(1, 12, tolerance=1.02))

    assert tight.imbalance <= 1.02
    assert tight.repair_moves > 0
    assert tight.imbalance < loose.imbalance or loose.imbalance <= 1.01


def test_repeated_addresses_count_as_visits_to_one_place() -> None:
    lats = [31.20, 31.20, 31.20, 31.25, 31.30]
    lons = [121.40, 121.40, 121.40, 121.45, 121.50]

    partition = partition_zones(ZoningRequest(lats, lons, 2, service_minutes=10.0))

    assert sum(zone.addresses for zone in partition.zones) == 5
    assert sum(zone.service_minutes for zone in partition.zones) == pytest.approx(50.0)
    assert partition.assignment[0] == partition.assignment[1] == partition.assignment[2]


@pytest.mark.parametrize("request_, field", [
    (ZoningRequest([31.2, 31.3], [121.4, 121.5], 3), "zones"),
    (ZoningRequest([31.2, 31.2], [121.4, 121.4], 2), "zones"),
    (ZoningRequest([], [], 2), "addresses"),
    (ZoningRequest([95.0], [121.4], 1), "addresses"),
    (ZoningRequest([31.2, float("nan")], [121.4, 121.5], 1), "addresses"),
    (ZoningRequest([31.2], [121.4], 0), "zones"),
    (ZoningRequest([31.2, 31.3], [121.4, 121.5], 1, service_minutes=[1.0]), "serviceMinutes"),
    (ZoningRequest([31.2, 31.3], [121.4, 121.5], 1, speed_kmh=0.0), "speedKmh"),
    (ZoningRequest([31.2, 31.3], [121.4, 121.5], 1, tolerance=1.0), "tolerance"),
    (ZoningRequest([31.2, 31.3], [121.4, 121.5], 1, city=mapping(box(121.0, 31.0, 121.45, 31.25))), "addresses"),
    (ZoningRequest([31.2, 31.3], [121.4, 121.5], 1, city={"type": "Polygon", "coordinates": "x"}), "city"),
])
def test_requests_that_cannot_be_partitioned_are_refused_naming_the_input(request_: ZoningRequest, field: str) -> None:
    with pytest.raises(ZoningInputError) as refused:
        partition_zones(request_)
    assert refused.value.field == field
