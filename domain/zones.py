"""Delivery zones, the map that tells which zone an address is in, and partitions proposed for them.

Boundaries are GeoJSON (lon/lat, as GeoJSON orders them) in the events, so an auditor reads
them with any GIS tool; shapely checks them and answers point-in-polygon questions.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping
from uuid import UUID

import shapely
from eventsourcing.domain import event
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidInput, InvalidTransition, PreconditionFailed
from solver.zoning import ZoningInputError, geojson_of

ZONE_KINDS = ("business", "residential", "industrial", "mixed", "commercial", "campus", "rural")
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180.0


class InvalidBoundary(InvalidInput):
    pass


class ZonesOverlap(PreconditionFailed):
    pass


class ZoneRetired(InvalidTransition):
    pass


class CourierAlreadyInZone(PreconditionFailed):
    pass


class CourierNotInZone(PreconditionFailed):
    pass


class ZoneProposalAlreadyAccepted(InvalidTransition):
    pass


# -- boundaries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Boundary:
    """A checked boundary: the GeoJSON to record and the shape to compute with."""

    geojson: dict[str, Any]
    geometry: BaseGeometry

    @property
    def area_km2(self) -> float:
        return area_m2(self.geometry) / 1e6


def boundary_from_geojson(value: Any, field: str) -> Boundary:
    """A zone boundary must be a valid, non-empty (Multi)Polygon on the globe; anything else is refused
    with the field that is wrong. A GeoJSON Feature is taken for its geometry."""
    if isinstance(value, Mapping) and value.get("type") == "Feature":
        value, field = value.get("geometry"), f"{field}.geometry"
    if not isinstance(value, Mapping):
        raise InvalidBoundary("a boundary must be a GeoJSON object", field=field)
    if value.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidBoundary("a boundary must be a GeoJSON Polygon or MultiPolygon", field=f"{field}.type",
                              type=str(value.get("type")))
    try:
        geometry = shape(value)
        coordinates = shapely.get_coordinates(geometry)
    except Exception:
        raise InvalidBoundary("the boundary's coordinates are not GeoJSON positions", field=f"{field}.coordinates") \
            from None
    if geometry.is_empty:
        raise InvalidBoundary("the boundary is empty", field=f"{field}.coordinates")
    lons, lats = coordinates[:, 0], coordinates[:, 1]
    if not (all(map(math.isfinite, lons)) and lons.min() >= -180 and lons.max() <= 180):
        raise InvalidBoundary("longitudes must be between -180 and 180", field=f"{field}.coordinates")
    if not (all(map(math.isfinite, lats)) and lats.min() >= -90 and lats.max() <= 90):
        raise InvalidBoundary("latitudes must be between -90 and 90", field=f"{field}.coordinates")
    if not geometry.is_valid:
        raise InvalidBoundary(f"the boundary is not a valid polygon: {shapely.is_valid_reason(geometry)}",
                              field=f"{field}.coordinates")
    if geometry.area <= 0:
        raise InvalidBoundary("the boundary encloses no area", field=f"{field}.coordinates")
    try:
        normal = geojson_of(geometry)  # on the 1e-7 degree grid (about 1 cm), exteriors counter-clockwise
    except ZoningInputError:
        raise InvalidBoundary("the boundary is smaller than a centimetre", field=f"{field}.coordinates") from None
    return Boundary(normal, shape(normal))


def area_m2(geometry: BaseGeometry) -> float:
    """Square metres of a lon/lat shape, scaled at its own latitude (plenty for a city)."""
    if geometry.is_empty:
        return 0.0
    lat = geometry.centroid.y
    return geometry.area * METRES_PER_DEGREE**2 * math.cos(math.radians(lat))


# -- zones ----------------------------------------------------------------------------------


class Zone(PeisongAggregate):
    @staticmethod
    def create_id(code: str) -> UUID:
        return natural_id("zone", code)

    @event("ZoneDefined")
    def __init__(
        self, code: str, name: str, kind: str, boundary: dict[str, Any], area_km2: float, proposal: str | None = None
    ) -> None:
        self.code = code
        self.name = name
        self.kind = kind
        self.boundary = boundary
        self.area_km2 = area_km2
        self.couriers: list[str] = []
        self.retired = False

    def check_active(self) -> None:
        if self.retired:
            raise ZoneRetired(f"zone {self.code} is retired", field="zone", zone=self.code)

    def redraw(self, boundary: Boundary, proposal: str | None = None) -> None:
        self.check_active()
        self._redrawn(boundary=boundary.geojson, area_km2=round(boundary.area_km2, 6), proposal=proposal)

    def assign(self, courier: str) -> None:
        self.check_active()
        if courier in self.couriers:
            raise CourierAlreadyInZone(f"courier {courier} is already assigned to zone {self.code}",
                                       field="courier", zone=self.code, courier=courier)
        self._courier_assigned(courier=courier)

    def unassign(self, courier: str) -> None:
        if courier not in self.couriers:
            raise CourierNotInZone(f"courier {courier} is not assigned to zone {self.code}",
                                   field="courier", zone=self.code, courier=courier)
        self._courier_unassigned(courier=courier)

    def retire(self, reason: str, proposal: str | None = None) -> None:
        """A retired zone takes no orders and no couriers; those assigned are released with it."""
        self.check_active()
        self._retired(reason=reason, released_couriers=tuple(self.couriers), proposal=proposal)

    def reinstate(self, boundary: Boundary, proposal: str | None = None) -> None:
        if not self.retired:
            raise InvalidTransition(f"zone {self.code} is not retired", field="zone", zone=self.code)
        self._reinstated(boundary=boundary.geojson, area_km2=round(boundary.area_km2, 6), proposal=proposal)

    @event("ZoneBoundaryRedrawn")
    def _redrawn(self, boundary: dict[str, Any], area_km2: float, proposal: str | None) -> None:
        self.boundary = boundary
        self.area_km2 = area_km2

    @event("CourierAssignedToZone")
    def _courier_assigned(self, courier: str) -> None:
        self.couriers.append(courier)

    @event("CourierUnassignedFromZone")
    def _courier_unassigned(self, courier: str) -> None:
        self.couriers.remove(courier)

    @event("ZoneRetired")
    def _retired(self, reason: str, released_couriers: tuple[str, ...], proposal: str | None) -> None:
        self.retired = True
        self.couriers = []

    @event("ZoneReinstated")
    def _reinstated(self, boundary: dict[str, Any], area_km2: float, proposal: str | None) -> None:
        self.retired = False
        self.boundary = boundary
        self.area_km2 = area_km2


# -- the map --------------------------------------------------------------------------------


class ZoneIndex:
    """The active zones' shapes in an STR-tree, built once per version of the map."""

    def __init__(self, boundaries: Mapping[str, dict[str, Any]]) -> None:
        self.codes = sorted(boundaries)
        self.shapes = [shape(boundaries[code]) for code in self.codes]
        for geometry in self.shapes:
            shapely.prepare(geometry)
        self.tree = shapely.STRtree(self.shapes)

    def zone_at(self, lat: float, lon: float) -> str | None:
        """The zone holding the point; a point on a shared edge goes to the first code."""
        hits = self.tree.query(shapely.points(lon, lat), predicate="intersects")
        return self.codes[int(hits.min())] if len(hits) else None

    def overlaps(self, geometry: BaseGeometry, ignoring: frozenset[str] = frozenset()) -> list[tuple[str, float]]:
        """Active zones sharing area with `geometry`, and the square metres they share."""
        found = []
        for i in sorted(self.tree.query(geometry, predicate="intersects").tolist()):
            code = self.codes[i]
            if code not in ignoring:
                found.append((code, area_m2(geometry.intersection(self.shapes[i]))))
        return found


# Keyed by id(): aggregates compare by state, so they cannot be dictionary keys themselves.
_indexes: dict[int, tuple[weakref.ref[Any], int, ZoneIndex]] = {}


def _forget_index(key: int) -> None:
    _indexes.pop(key, None)


class ZoneMap(PeisongAggregate):
    """The one list of active zones and their boundaries, so an order finds its zone in one read."""

    @staticmethod
    def create_id() -> UUID:
        return natural_id("zone-map", "shop")

    @event("ZoneMapOpened")
    def __init__(self) -> None:
        self.boundaries: dict[str, dict[str, Any]] = {}

    @event("ZoneDrawnOnMap")
    def draw(self, code: str, boundary: dict[str, Any]) -> None:
        self.boundaries[code] = boundary

    @event("ZoneRemovedFromMap")
    def remove(self, code: str) -> None:
        del self.boundaries[code]

    @property
    def index(self) -> ZoneIndex:
        """Prepared shapes of this version, kept beside the aggregate (not in its state) until it changes."""
        cached = _indexes.get(id(self))
        if cached is not None and cached[0]() is self and cached[1] == self.version:
            return cached[2]
        if cached is None or cached[0]() is not self:
            weakref.finalize(self, _forget_index, id(self))
        index = ZoneIndex(self.boundaries)
        _indexes[id(self)] = (weakref.ref(self), self.version, index)
        return index

    def zone_at(self, lat: float, lon: float) -> str | None:
        return self.index.zone_at(lat, lon) if self.boundaries else None

    def check_no_overlap(self, code: str, boundary: Boundary, tolerance_m2: float,
                         ignoring: frozenset[str] = frozenset()) -> None:
        """Zones tile the city: a boundary may touch others along edges but not share area with them."""
        for other, shared in self.index.overlaps(boundary.geometry, ignoring | {code}):
            if shared > tolerance_m2:
                raise ZonesOverlap(
                    f"zone {code} would overlap zone {other} by {shared:,.0f} m²",
                    field="boundary", zone=code, other=other, overlap_m2=round(shared, 1),
                )


class UnzonedOrder(PeisongAggregate):
    """An order placed outside every zone: the dispatcher's to place by hand, listed from these facts."""

    @staticmethod
    def create_id(order: str) -> UUID:
        return natural_id("unzoned-order", order)

    @event("OrderFoundOutsideZones")
    def __init__(self, order: str, lat: float, lon: float, zones_on_map: int) -> None:
        self.order = order
        self.lat = lat
        self.lon = lon


# -- proposals ------------------------------------------------------------------------------


class ZoneProposal(PeisongAggregate):
    """A partition the solver proposed, kept with what it was asked, until someone accepts it."""

    @staticmethod
    def create_id(proposal: str) -> UUID:
        return natural_id("zone-proposal", proposal)

    @event("ZonePartitionProposed")
    def __init__(
        self,
        proposal: str,
        parameters: dict[str, Any],
        zones: tuple[dict[str, Any], ...],
        mean_workload_minutes: float,
        max_workload_minutes: float,
        imbalance: float,
        repair_moves: int,
    ) -> None:
        self.proposal = proposal
        self.parameters = dict(parameters)
        self.zones = [dict(zone) for zone in zones]
        self.imbalance = imbalance
        self.accepted_at: datetime | None = None

    def check_open(self) -> None:
        if self.accepted_at is not None:
            raise ZoneProposalAlreadyAccepted(
                f"zone proposal {self.proposal} was accepted at {self.accepted_at:%Y-%m-%d %H:%M}",
                field="proposal", proposal=self.proposal,
            )

    def accept(
        self, at: datetime, defined: tuple[str, ...], redrawn: tuple[str, ...], retired: tuple[str, ...]
    ) -> None:
        self.check_open()
        self._accepted(at=at, defined=defined, redrawn=redrawn, retired=retired)

    @event("ZoneProposalAccepted")
    def _accepted(self, at: datetime, defined: tuple[str, ...], redrawn: tuple[str, ...],
                  retired: tuple[str, ...]) -> None:
        self.accepted_at = at


def zone_for_order(
    zone_map: ZoneMap | None, order: str, lat: float, lon: float
) -> tuple[str | None, UnzonedOrder | None]:
    """The zone an order's address lies in (on an edge counts as in); outside every zone of a drawn
    map, also the fact that flags it for the dispatcher. No map drawn yet: no zone, nothing flagged."""
    if zone_map is None or not zone_map.boundaries:
        return None, None
    zone = zone_map.zone_at(lat, lon)
    if zone is not None:
        return zone, None
    return None, UnzonedOrder(order=order, lat=lat, lon=lon, zones_on_map=len(zone_map.boundaries))
