"""Zone partitioning: historical delivery addresses in, N zones of balanced daily workload out (GeoJSON).

The workload model (minutes per day of one zone):

* **service**: the sum of the service minutes of the zone's addresses, divided by the days
  the history covers;
* **travel**: Beardwood–Halton–Hammersley. A shortest tour through ``n`` random points of a
  region of area ``A`` is about ``beta * sqrt(n * A)`` long (``beta`` ~ 0.7124 in the plane);
  for points of uneven density the theorem reads ``beta * sqrt(n) * integral(sqrt(f) dA)``.
  Each distinct address is given its Voronoi cell (clipped to the city) as the area it
  stands for; an address visited ``m`` times in ``days`` days then contributes
  ``beta * detour * sqrt(m / days * cell_area) / speed`` minutes a day. Summed over a zone of
  evenly spread addresses this is exactly ``beta * sqrt(n * A)``; for a zone with dense and
  sparse parts it is the density form of the theorem. ``detour`` turns straight lines into
  streets. The stems to and from the depot are not counted (they do not depend on the
  partition much, and the route planner prices them later).

Because each address carries its own share, a zone's workload is the sum of its addresses'
weights, which is what makes the balancing and the repair exact.

The method:

1. project the addresses to local metres (equirectangular about their mean; a city is small);
2. give each distinct address its Voronoi cell (``shapely.voronoi_polygons``), clipped to the
   city boundary (given, or the convex hull of the addresses buffered by ``hull_buffer_m``);
3. balanced k-means: k-means++ seeds, then Lloyd steps where each address goes to the centre
   with the smallest squared distance minus that centre's bias; the biases are raised for
   light zones and lowered for heavy ones (dual ascent on the capacity constraints), so the
   zones are cells of a power diagram: compact and contiguous;
4. local repair: while the heaviest zone is above the goal, move one of its boundary
   addresses (a Delaunay neighbour of another zone's address) to the neighbouring zone that
   ends up lightest; every move lowers the sum of squared workloads, so it ends;
5. dissolve each zone's cells (``shapely.coverage_union_all``), return to degrees, round to
   1e-7 degrees (about 1 cm) and write GeoJSON. Neighbouring zones share their edges exactly,
   so the zones tile the boundary without overlapping.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from solver.geo import EARTH_RADIUS_M

BHH_BETA = 0.7124
DEFAULT_DETOUR = 1.3
# Addresses closer than this (in degrees, about 1 cm) are one place; the output grid too.
COORDINATE_DECIMALS = 7


class ZoningInputError(ValueError):
    """The request cannot be partitioned; `field` names the offending input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ZoningRequest:
    """Historical addresses (degrees) and what the partition should look like.

    ``service_minutes`` is one figure for every address or one per address. ``city`` is a
    GeoJSON Polygon or MultiPolygon in lon/lat that must hold every address; without it the
    buffered convex hull of the addresses is used. ``tolerance`` is the largest workload
    allowed as a multiple of the mean.
    """

    lats: Sequence[float]
    lons: Sequence[float]
    zones: int
    service_minutes: float | Sequence[float] = 5.0
    city: Mapping[str, Any] | None = None
    speed_kmh: float = 20.0
    days: float = 1.0
    detour: float = DEFAULT_DETOUR
    tolerance: float = 1.2
    seed: int = 0
    hull_buffer_m: float = 500.0


@dataclass(frozen=True)
class ProposedZone:
    """One zone of a partition: its boundary and the daily workload it is expected to bring."""

    boundary: dict[str, Any]
    addresses: int
    service_minutes: float
    travel_minutes: float
    area_km2: float
    centre_lat: float
    centre_lon: float

    @property
    def workload_minutes(self) -> float:
        return self.service_minutes + self.travel_minutes


@dataclass(frozen=True)
class ZonePartition:
    """The proposed zones, which zone each input address fell in, and how even the split is."""

    zones: tuple[ProposedZone, ...]
    assignment: tuple[int, ...]
    repair_moves: int

    @property
    def workloads(self) -> tuple[float, ...]:
        return tuple(zone.workload_minutes for zone in self.zones)

    @property
    def mean_workload(self) -> float:
        return float(np.mean(self.workloads))

    @property
    def max_workload(self) -> float:
        return max(self.workloads)

    @property
    def imbalance(self) -> float:
        """Largest workload over the mean (1.0 is a perfect split)."""
        mean = self.mean_workload
        return self.max_workload / mean if mean > 0 else 1.0


def partition_zones(request: ZoningRequest) -> ZonePartition:
    """Split the addresses into `request.zones` zones of about equal expected daily workload."""
    lats, lons, service = _checked_inputs(request)
    projection = _LocalProjection(float(np.mean(lats)), float(np.mean(lons)))

    # One site per distinct place; repeated addresses add visits and service to it.
    keys = np.round(np.column_stack([lats, lons]), COORDINATE_DECIMALS)
    unique, site_of = np.unique(keys, axis=0, return_inverse=True)
    site_of = site_of.reshape(-1)
    if len(unique) < request.zones:
        raise ZoningInputError(
            f"{request.zones} zones need at least as many distinct addresses; there are {len(unique)}", "zones"
        )
    visits = np.bincount(site_of, minlength=len(unique)).astype(float)
    site_service = np.bincount(site_of, weights=service, minlength=len(unique))
    xy = projection.to_metres(unique[:, 0], unique[:, 1])

    city = _city_area(request, projection, xy)
    cells = _voronoi_cells(xy, city)
    areas = shapely.area(cells)
    metres_per_minute = request.speed_kmh * 1000.0 / 60.0
    travel = BHH_BETA * request.detour * np.sqrt(visits / request.days * areas) / metres_per_minute
    weights = site_service / request.days + travel

    rng = np.random.default_rng(request.seed)
    cluster = _balanced_kmeans(xy, weights, request.zones, rng)
    neighbours = _delaunay_edges(xy)
    goal = 1.0 + (request.tolerance - 1.0) / 2.0
    cluster, moves = _repair(cluster, weights, neighbours, request.zones, goal)

    zones = []
    for j in range(request.zones):
        members = cluster == j
        outline = projection.to_degrees(_dissolve(cells[members]))
        centre = np.average(xy[members], axis=0, weights=weights[members])
        centre_lat, centre_lon = projection.point_to_degrees(centre)
        zones.append(ProposedZone(
            boundary=geojson_of(outline),
            addresses=int(visits[members].sum()),
            service_minutes=float(site_service[members].sum() / request.days),
            travel_minutes=float(travel[members].sum()),
            area_km2=float(areas[members].sum() / 1e6),
            centre_lat=round(centre_lat, COORDINATE_DECIMALS),
            centre_lon=round(centre_lon, COORDINATE_DECIMALS),
        ))
    return ZonePartition(
        zones=tuple(zones), assignment=tuple(int(c) for c in cluster[site_of]), repair_moves=moves,
    )


def geojson_of(geometry: Any) -> dict[str, Any]:
    """A Polygon or MultiPolygon as GeoJSON with lists (what a stored event reads back as),
    exteriors counter-clockwise as RFC 7946 asks, coordinates on the 1e-7 degree grid."""
    rounded = shapely.transform(geometry, lambda c: np.round(c, COORDINATE_DECIMALS))
    if not rounded.is_valid:
        rounded = shapely.make_valid(rounded)
    # Parts of parts: a repaired shape may be a collection holding a MultiPolygon.
    parts = shapely.get_parts(shapely.get_parts(rounded))
    polygons = [p for p in parts if isinstance(p, Polygon) and not p.is_empty]
    if not polygons:
        raise ZoningInputError("a zone came out empty", "zones")
    merged = polygons[0] if len(polygons) == 1 else shapely.union_all(polygons)
    if not isinstance(merged, (Polygon, MultiPolygon)):
        merged = MultiPolygon(polygons)
    return _as_lists(mapping(shapely.orient_polygons(merged)))


# -- inputs -------------------------------------------------------------------------------


def _checked_inputs(request: ZoningRequest) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lats = np.asarray(request.lats, dtype=float)
    lons = np.asarray(request.lons, dtype=float)
    if lats.ndim != 1 or lats.shape != lons.shape or len(lats) == 0:
        raise ZoningInputError("give one latitude and one longitude per address", "addresses")
    if not (np.all(np.isfinite(lats)) and np.all(np.abs(lats) <= 90)):
        raise ZoningInputError("latitudes must be between -90 and 90", "addresses")
    if not (np.all(np.isfinite(lons)) and np.all(np.abs(lons) <= 180)):
        raise ZoningInputError("longitudes must be between -180 and 180", "addresses")
    if isinstance(request.zones, bool) or not isinstance(request.zones, int) or request.zones < 1:
        raise ZoningInputError("the number of zones must be a whole number, one or more", "zones")
    if isinstance(request.service_minutes, (int, float)):
        service = np.full(len(lats), float(request.service_minutes))
    else:
        service = np.asarray(request.service_minutes, dtype=float)
        if service.shape != lats.shape:
            raise ZoningInputError("give one service time per address", "serviceMinutes")
    if not (np.all(np.isfinite(service)) and np.all(service >= 0)):
        raise ZoningInputError("service minutes must be zero or more", "serviceMinutes")
    for name, value in (("speedKmh", request.speed_kmh), ("days", request.days), ("detour", request.detour)):
        if not (math.isfinite(value) and value > 0):
            raise ZoningInputError(f"{name} must be greater than zero", name)
    if not (math.isfinite(request.tolerance) and request.tolerance > 1.0):
        raise ZoningInputError("the tolerance must be above 1.0", "tolerance")
    return lats, lons, service


class _LocalProjection:
    """Equirectangular metres about a centre: within a city the distortion is well under 1%."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self.ky = EARTH_RADIUS_M * math.pi / 180.0
        self.kx = self.ky * math.cos(math.radians(lat0))

    def to_metres(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        return np.column_stack([(lons - self.lon0) * self.kx, (lats - self.lat0) * self.ky])

    def geometry_to_metres(self, geometry: Any) -> Any:
        return shapely.transform(geometry, lambda c: np.column_stack(
            [(c[:, 0] - self.lon0) * self.kx, (c[:, 1] - self.lat0) * self.ky]))

    def to_degrees(self, geometry: Any) -> Any:
        return shapely.transform(geometry, lambda c: np.column_stack(
            [c[:, 0] / self.kx + self.lon0, c[:, 1] / self.ky + self.lat0]))

    def point_to_degrees(self, xy: np.ndarray) -> tuple[float, float]:
        return float(xy[1] / self.ky + self.lat0), float(xy[0] / self.kx + self.lon0)


def _city_area(request: ZoningRequest, projection: _LocalProjection, xy: np.ndarray) -> Any:
    points = shapely.points(xy)
    if request.city is None:
        return shapely.buffer(shapely.convex_hull(shapely.multipoints(points)), request.hull_buffer_m)
    try:
        city = shape(request.city)
    except Exception:
        raise ZoningInputError("the city boundary is not readable GeoJSON", "city") from None
    if city.geom_type not in ("Polygon", "MultiPolygon") or city.is_empty or not city.is_valid:
        raise ZoningInputError("the city boundary must be a valid, non-empty Polygon or MultiPolygon", "city")
    city = projection.geometry_to_metres(city)
    outside = int(np.count_nonzero(~shapely.covers(city, points)))
    if outside:
        raise ZoningInputError(f"{outside} addresses lie outside the city boundary", "addresses")
    return city


# -- geometry -------------------------------------------------------------------------------


def _voronoi_cells(xy: np.ndarray, city: Any) -> np.ndarray:
    """Each site's Voronoi cell clipped to the city, in site order."""
    if len(xy) == 1:
        return np.array([city], dtype=object)
    diagram = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=city, ordered=True)
    cells = shapely.get_parts(diagram)
    if len(cells) != len(xy):
        raise ZoningInputError("the addresses are too close together to tell apart", "addresses")
    clipped = shapely.intersection(cells, city)
    # Clipping along an edge the cell shares with the city can leave a sliver line beside the polygon.
    mixed = shapely.get_type_id(clipped) == shapely.GeometryType.GEOMETRYCOLLECTION
    for i in np.flatnonzero(mixed):
        parts = shapely.get_parts(clipped[i])
        clipped[i] = shapely.union_all(parts[shapely.area(parts) > 0])
    return clipped


def _dissolve(cells: np.ndarray) -> Any:
    """The union of neighbouring cells: the fast coverage union, checked, else the robust overlay."""
    try:
        merged = shapely.coverage_union_all(cells)
    except shapely.errors.GEOSException:  # cells clipped apart so their shared edges no longer match
        return shapely.union_all(cells)
    if merged.is_valid and abs(merged.area - shapely.area(cells).sum()) <= 1e-6 * max(merged.area, 1.0):
        return merged
    return shapely.union_all(cells)


def _delaunay_edges(xy: np.ndarray) -> np.ndarray:
    """Pairs of site indices that are Delaunay neighbours (their Voronoi cells touch)."""
    if len(xy) < 2:
        return np.empty((0, 2), dtype=int)
    if len(xy) == 2:
        return np.array([[0, 1]])
    edges = shapely.delaunay_triangles(shapely.multipoints(xy), only_edges=True)
    coords = shapely.get_coordinates(shapely.get_parts(edges))
    if len(coords) == 0:  # all sites on one line: neighbours along it
        order = np.lexsort((xy[:, 1], xy[:, 0]))
        return np.column_stack([order[:-1], order[1:]])
    index = {(x, y): i for i, (x, y) in enumerate(xy.tolist())}
    ends = [index[(x, y)] for x, y in coords.tolist()]
    return np.array(ends, dtype=int).reshape(-1, 2)


def _as_lists(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_as_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    return value


# -- balancing ------------------------------------------------------------------------------


def _kmeans_plus_plus(xy: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    chosen = [int(rng.choice(len(xy), p=weights / weights.sum()))] if weights.sum() > 0 else [0]
    nearest = ((xy - xy[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        p = weights * nearest
        total = p.sum()
        pick = int(rng.choice(len(xy), p=p / total)) if total > 0 else int(np.argmax(nearest))
        chosen.append(pick)
        nearest = np.minimum(nearest, ((xy - xy[pick]) ** 2).sum(axis=1))
    return xy[chosen].copy()


def _balanced_kmeans(
    xy: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 15, steps: int = 40
) -> np.ndarray:
    """Power-diagram k-means: the biases are the dual prices of equal workloads."""
    if k == 1:
        return np.zeros(len(xy), dtype=int)
    centres = _kmeans_plus_plus(xy, weights, k, rng)
    mean = weights.sum() / k
    bias = np.zeros(k)
    best, best_peak = None, math.inf
    for _ in range(rounds):
        distances = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        # A bias step of this size moves a zone's edge by about a tenth of the spacing of centres.
        spacing = np.sort(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)[:, 1]
        scale = float(np.median(spacing)) / 4.0 or 1.0
        rate = 0.5
        for _ in range(steps):
            cluster = np.argmin(distances - bias, axis=1)
            loads = np.bincount(cluster, weights=weights, minlength=k)
            peak = loads.max()
            if peak < best_peak and np.all(loads > 0):
                best, best_peak = cluster, peak
            bias += rate * scale * (mean - loads) / mean
            rate *= 0.93
        cluster = np.argmin(distances - bias, axis=1)
        for j in range(k):
            members = cluster == j
            if weights[members].sum() > 0:
                centres[j] = np.average(xy[members], axis=0, weights=weights[members])
        bias -= bias.mean()
    if best is None:
        raise ZoningInputError("the addresses could not be split into that many zones", "zones")
    return best.copy()


def _repair(
    cluster: np.ndarray, weights: np.ndarray, edges: np.ndarray, k: int, goal: float
) -> tuple[np.ndarray, int]:
    """Move boundary addresses between neighbouring zones until the heaviest is within `goal` x the mean.

    A move goes from a zone to a lighter neighbour that stays lighter than the giver was, so the sum
    of squared workloads falls with every move and the repair ends. The heaviest zone gives first;
    when it cannot, the next heaviest does, which makes room next to it.
    """
    cluster = cluster.copy()
    loads = np.bincount(cluster, weights=weights, minlength=k)
    mean = loads.mean()
    both = np.concatenate([edges, edges[:, ::-1]])  # each edge in both directions: (from, to)
    both = both[np.argsort(both[:, 0], kind="stable")]
    source, target = both[:, 0], both[:, 1]
    adjacency = (np.searchsorted(source, np.arange(len(weights) + 1)), target)
    moves = 0
    while loads.max() > goal * mean and moves < 20 * len(weights):
        for giver in np.argsort(-loads, kind="stable"):
            move = _best_move(cluster, weights, loads, adjacency, source, target, int(giver))
            if move is not None:
                break
        else:
            break
        site, receiver = move
        loads[cluster[site]] -= weights[site]
        loads[receiver] += weights[site]
        cluster[site] = receiver
        moves += 1
    return cluster, moves


def _best_move(
    cluster: np.ndarray, weights: np.ndarray, loads: np.ndarray, adjacency: tuple[np.ndarray, np.ndarray],
    source: np.ndarray, target: np.ndarray, giver: int,
) -> tuple[int, int] | None:
    """The giver's boundary address whose move evens the giver and a neighbour most, if any helps."""
    crossing = (cluster[source] == giver) & (cluster[target] != giver)
    if not crossing.any():
        return None
    sites, receivers = source[crossing], cluster[target[crossing]]
    allowed = loads[receivers] + weights[sites] < loads[giver]
    if not allowed.any():
        return None
    after = np.maximum(loads[giver] - weights[sites], loads[receivers] + weights[sites])
    # Prefer addresses already surrounded by the receiving zone, so zones stay in one piece.
    surrounded = (_neighbours_in(cluster, adjacency, sites, receivers)
                  >= _neighbours_in(cluster, adjacency, sites, giver))
    pool = allowed & surrounded if (allowed & surrounded).any() else allowed
    pick = np.flatnonzero(pool)[np.argmin(after[pool])]
    return int(sites[pick]), int(receivers[pick])


def _neighbours_in(cluster: np.ndarray, adjacency: tuple[np.ndarray, np.ndarray], sites: np.ndarray,
                   zones: Any) -> np.ndarray:
    """How many Delaunay neighbours each site has in the given zone(s)."""
    offsets, neighbours = adjacency
    zones = np.broadcast_to(np.asarray(zones), sites.shape)
    return np.array([
        np.count_nonzero(cluster[neighbours[offsets[s]:offsets[s + 1]]] == z)
        for s, z in zip(sites.tolist(), zones.tolist())
    ], dtype=int)
