"""Zones: boundaries are checked GeoJSON, zones never overlap, couriers are assigned to active zones."""

from __future__ import annotations

from typing import Any

import pytest

from domain.app import Peisong
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.zones import (
    CourierAlreadyInZone, CourierNotInZone, InvalidBoundary, Zone, ZoneMap, ZoneRetired, ZonesOverlap,
)
from tests.domain_zones.conftest import EAST, WEST, events_named, names, put_on_shift, square


def test_a_zone_is_defined_with_its_boundary_and_drawn_on_the_map(app: Peisong) -> None:
    result = app.define_zone("EAST", "Pudong", "residential", EAST)

    zone = app.repository.get(Zone.create_id("EAST"))
    assert (zone.code, zone.name, zone.kind, zone.retired) == ("EAST", "Pudong", "residential", False)
    assert zone.boundary["type"] == "Polygon"
    assert zone.area_km2 == pytest.approx(19.0 * 16.7, rel=0.02)  # 0.2 deg of longitude by 0.15 of latitude
    assert result["areaKm2"] == zone.area_km2
    assert app.repository.get(ZoneMap.create_id()).boundaries == {"EAST": zone.boundary}
    assert names(list(app.events.get(zone.id))) == ["ZoneDefined"]


def test_a_zone_touching_another_along_an_edge_is_accepted(app: Peisong) -> None:
    app.define_zone("EAST", "Pudong", "residential", EAST)
    app.define_zone("WEST", "Changning", "business", WEST)  # shares the 121.45 meridian with EAST

    assert sorted(app.repository.get(ZoneMap.create_id()).boundaries) == ["EAST", "WEST"]


def test_a_zone_overlapping_an_active_zone_is_refused(app: Peisong) -> None:
    app.define_zone("EAST", "Pudong", "residential", EAST)
    head = app.head_position()

    with pytest.raises(ZonesOverlap) as refused:
        app.define_zone("LUJIAZUI", "Lujiazui", "business", square(121.49, 31.22, 121.52, 31.25))

    assert refused.value.field == "boundary"
    assert refused.value.ids["other"] == "EAST"
    assert refused.value.ids["overlap_m2"] > 1_000_000
    assert app.head_position() == head


def test_a_sliver_of_overlap_within_the_tolerance_is_not_an_overlap(app: Peisong) -> None:
    app.define_zone("EAST", "Pudong", "residential", EAST)
    # 1e-7 degrees (about a centimetre) over EAST's edge, 100 metres long: about a square metre.
    app.define_zone("EDGE", "Edge", "mixed", square(121.44, 31.20, 121.4500001, 31.2009))

    assert "EDGE" in app.repository.get(ZoneMap.create_id()).boundaries


@pytest.mark.parametrize("boundary, field", [
    ("not a polygon", "boundary"),
    ({"type": "Point", "coordinates": [121.5, 31.2]}, "boundary.type"),
    ({"type": "Polygon", "coordinates": "121.5 31.2"}, "boundary.coordinates"),
    ({"type": "Polygon", "coordinates": []}, "boundary.coordinates"),
    ({"type": "Polygon", "coordinates": [[[121.5, 31.2], [121.6, 31.2]]]}, "boundary.coordinates"),
    ({"type": "Polygon", "coordinates": [[[181, 31.2], [182, 31.2], [182, 31.3], [181, 31.2]]]},
     "boundary.coordinates"),
    ({"type": "Polygon", "coordinates": [[[121.5, 91], [121.6, 91], [121.6, 92], [121.5, 91]]]},
     "boundary.coordinates"),
    # A bow tie: the ring crosses itself.
    ({"type": "Polygon", "coordinates": [[[121.5, 31.2], [121.6, 31.3], [121.6, 31.2], [121.5, 31.3],
                                          [121.5, 31.2]]]}, "boundary.coordinates"),
    ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[121.5, 31.2], [121.6, 31.3]]}},
     "boundary.geometry.type"),
])
def test_a_boundary_that_is_not_a_valid_polygon_is_refused_naming_the_field(
    app: Peisong, boundary: Any, field: str
) -> None:
    with pytest.raises(InvalidBoundary) as refused:
        app.define_zone("BAD", "Bad", "mixed", boundary)

    assert refused.value.field == field
    assert isinstance(refused.value, InvalidInput)
    assert app.head_position() == 0


def test_a_geojson_feature_and_a_multipolygon_are_accepted(app: Peisong) -> None:
    app.define_zone("EAST", "Pudong", "residential", {"type": "Feature", "properties": {}, "geometry": EAST})
    islands = {"type": "MultiPolygon", "coordinates": [
        square(121.80, 31.10, 121.85, 31.15)["coordinates"], square(121.90, 31.10, 121.95, 31.15)["coordinates"],
    ]}
    app.define_zone("ISLANDS", "Islands", "rural", islands)

    assert app.repository.get(Zone.create_id("ISLANDS")).boundary["type"] == "MultiPolygon"


def test_an_unknown_zone_kind_and_a_repeated_code_are_refused(app: Peisong) -> None:
    with pytest.raises(InvalidInput) as refused:
        app.define_zone("EAST", "Pudong", "lunar", EAST)
    assert refused.value.field == "kind"

    app.define_zone("EAST", "Pudong", "residential", EAST)
    with pytest.raises(AlreadyExists) as repeated:
        app.define_zone("EAST", "Elsewhere", "mixed", square(122.0, 31.0, 122.1, 31.1))
    assert repeated.value.field == "code"


def test_a_redrawn_boundary_is_a_new_event_and_moves_the_map(app: Peisong) -> None:
    app.define_zone("EAST", "Pudong", "residential", EAST)
    app.define_zone("WEST", "Changning", "business", WEST)

    app.redraw_zone("EAST", square(121.45, 31.15, 121.70, 31.35))

    zone = app.repository.get(Zone.create_id("EAST"))
    assert names(list(app.events.get(zone.id))) == ["ZoneDefined", "ZoneBoundaryRedrawn"]
    assert app.zone_at(31.33, 121.68) == "EAST"
    with pytest.raises(ZonesOverlap):
        app.redraw_zone("EAST", square(121.40, 31.15, 121.70, 31.35))  # over WEST


def test_a_retired_zone_leaves_the_map_and_takes_no_couriers(app: Peisong) -> None:
    app.define_zone("EAST", "Pudong", "residential", EAST)
    app.retire_zone("EAST", "merged into the new Pudong zones")

    assert app.repository.get(Zone.create_id("EAST")).retired
    assert app.repository.get(ZoneMap.create_id()).boundaries == {}
    assert app.zone_at(31.23, 121.54) is None
    with pytest.raises(ZoneRetired):
        app.retire_zone("EAST", "again")
    # Its ground is free again.
    app.define_zone("PUDONG", "Pudong", "residential", EAST)


def test_couriers_are_assigned_to_and_unassigned_from_a_zone(app: Peisong) -> None:
    app.define_zone("EAST", "Pudong", "residential", EAST)
    put_on_shift(app, "C-1")

    assert app.assign_courier_to_zone("EAST", "C-1")["couriers"] == ["C-1"]
    with pytest.raises(CourierAlreadyInZone):
        app.assign_courier_to_zone("EAST", "C-1")
    app.unassign_courier_from_zone("EAST", "C-1")
    with pytest.raises(CourierNotInZone):
        app.unassign_courier_from_zone("EAST", "C-1")

    zone_id = Zone.create_id("EAST")
    assert [e.courier for e in events_named(app, zone_id, "CourierAssignedToZone")] == ["C-1"]
    assert [e.courier for e in events_named(app, zone_id, "CourierUnassignedFromZone")] == ["C-1"]


def test_a_courier_must_exist_to_be_assigned_and_a_retired_zone_releases_its_couriers(app: Peisong) -> None:
    app.define_zone("EAST", "Pudong", "residential", EAST)
    with pytest.raises(NotFound) as refused:
        app.assign_courier_to_zone("EAST", "NOBODY")
    assert refused.value.field == "courier"

    put_on_shift(app, "C-1")
    app.assign_courier_to_zone("EAST", "C-1")
    app.retire_zone("EAST", "closed")

    (retired,) = events_named(app, Zone.create_id("EAST"), "ZoneRetired")
    assert list(retired.released_couriers) == ["C-1"]
    with pytest.raises(ZoneRetired):
        app.assign_courier_to_zone("EAST", "C-1")
