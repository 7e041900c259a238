"""Travel-time providers: distance and duration matrices between points.

The solver only talks to the :class:`TravelProvider` protocol, so a
road-network service (OSRM, Valhalla, a map vendor's matrix API, a cached
table) can replace the default providers behind the same interface: return
integer metres and integer seconds for every ordered pair of the given points
for the given profile.

Two providers ship here:

* :class:`GreatCircleTravel` (the default for real data): haversine distance,
  vectorised with numpy, times a detour factor; duration is that distance at
  the speed of the vehicle's speed type, times the traffic factor of the
  zones and hour (the mean of the origin's and destination's factors).
* :class:`EuclideanTravel`: planar coordinates with the rounding conventions
  of the benchmark literature ("dimacs" = trunc(10 d), "round" = nearest
  integer, "exact" = round(1000 d), "trunc"), duration = distance / speed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from solver.geo import haversine_m

from solver.requests import Point



@runtime_checkable
class TravelProvider(Protocol):
    """Gives travel matrices between points.

    ``matrices(points, profile)`` returns ``(distance_m, duration_s)``, two
    ``(n, n)`` integer numpy arrays (non-negative, zero diagonal) for the
    ``n`` points in order, for vehicles of the given profile (their
    ``speed_type``).

    Optional extras the solver uses when present: ``describe() -> dict`` (a
    JSON-able description that enters the request digest) and
    ``coordinates(points) -> (n, 2) array`` (coordinates given to PyVRP's
    ``Location``; they only serve plots and the decomposition's angles).
    """

    def matrices(
        self, points: Sequence[Point], profile: str
    ) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class TrafficFactors:
    """Traffic factor (multiplies travel time) per zone and hour of day.

    Looked up as ``zone_hour[(zone, hour)]``, then ``hour[hour]``, then
    ``default``. A traffic report produces a new ``TrafficFactors`` (and a
    re-plan).
    """

    zone_hour: Mapping[tuple[str, int], float] = field(default_factory=dict)
    hour: Mapping[int, float] = field(default_factory=dict)
    default: float = 1.0

    def __call__(self, zone: str | None, hour: int) -> float:
        if zone is not None and (zone, hour) in self.zone_hour:
            return float(self.zone_hour[(zone, hour)])
        return float(self.hour.get(hour, self.default))

    def describe(self) -> dict:
        return {
            "zone_hour": sorted(
                [z, h, float(f)] for (z, h), f in self.zone_hour.items()
            ),
            "hour": sorted([h, float(f)] for h, f in self.hour.items()),
            "default": float(self.default),
        }


@dataclass(frozen=True)
class GreatCircleTravel:
    """Great-circle distance x ``detour_factor``; duration at the speed of the
    profile (``speeds_kmh[profile]``) x the traffic factor.

    ``traffic`` maps ``(zone, hour) -> factor`` (a :class:`TrafficFactors` or
    any callable); ``hour`` is the hour of day whose factors apply (the caller
    passes the hour the plan starts in: PyVRP's matrices are not
    time-dependent). Every point must be geographic.
    """

    detour_factor: float = 1.3
    speeds_kmh: Mapping[str, float] = field(
        default_factory=lambda: {"car": 30.0, "van": 25.0, "bike": 15.0}
    )
    traffic: TrafficFactors | Callable[[str | None, int], float] | None = None
    hour: int = 0

    def matrices(
        self, points: Sequence[Point], profile: str
    ) -> tuple[np.ndarray, np.ndarray]:
        if profile not in self.speeds_kmh:
            raise ValueError(f"no speed for profile {profile!r}")
        if any(not p.is_geo for p in points):
            raise ValueError("GreatCircleTravel needs lat/lon points")
        lat = np.fromiter((p.lat for p in points), float, len(points))
        lon = np.fromiter((p.lon for p in points), float, len(points))
        metres = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        metres *= self.detour_factor
        speed_ms = float(self.speeds_kmh[profile]) / 3.6
        seconds = metres / speed_ms
        if self.traffic is not None:
            cache: dict[str | None, float] = {}
            for p in points:
                if p.zone not in cache:
                    cache[p.zone] = float(self.traffic(p.zone, self.hour))
            factor = np.fromiter((cache[p.zone] for p in points), float, len(points))
            seconds *= (factor[:, None] + factor[None, :]) / 2
        distance = np.rint(metres).astype(np.int64)
        duration = np.rint(seconds).astype(np.int64)
        np.fill_diagonal(distance, 0)
        np.fill_diagonal(duration, 0)
        return distance, duration

    def coordinates(self, points: Sequence[Point]) -> np.ndarray:
        return np.array([[p.lon, p.lat] for p in points], dtype=float)

    def describe(self) -> dict:
        traffic = self.traffic
        if traffic is None:
            traffic_desc = None
        elif hasattr(traffic, "describe"):
            traffic_desc = traffic.describe()
        else:
            traffic_desc = getattr(traffic, "__qualname__", repr(traffic))
        return {
            "provider": "GreatCircleTravel",
            "detour_factor": float(self.detour_factor),
            "speeds_kmh": {k: float(v) for k, v in sorted(self.speeds_kmh.items())},
            "traffic": traffic_desc,
            "hour": int(self.hour),
        }


ROUNDINGS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "round": lambda v: np.round(v).astype(np.int64),
    "trunc": lambda v: v.astype(np.int64),
    "dimacs": lambda v: (10 * v).astype(np.int64),
    "exact": lambda v: np.round(1_000 * v).astype(np.int64),
}

#: Integer units per planar unit for each rounding (times, loads and
#: coordinates of benchmark instances are scaled the same way).
ROUNDING_SCALE: dict[str, int] = {"round": 1, "trunc": 1, "dimacs": 10, "exact": 1000}


@dataclass(frozen=True)
class EuclideanTravel:
    """Planar Euclidean distance with a benchmark rounding rule; duration =
    distance / ``speeds[profile]`` (1 when absent), rounded the same way."""

    rounding: str = "dimacs"
    speeds: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"rounding must be one of {sorted(ROUNDINGS)}")

    def _xy(self, points: Sequence[Point]) -> np.ndarray:
        if any(p.is_geo for p in points):
            raise ValueError("EuclideanTravel needs x/y points")
        return np.array([(p.x, p.y) for p in points], dtype=float).reshape(-1, 2)

    def matrices(
        self, points: Sequence[Point], profile: str
    ) -> tuple[np.ndarray, np.ndarray]:
        xy = self._xy(points)
        dx = np.subtract.outer(xy[:, 0], xy[:, 0])
        dy = np.subtract.outer(xy[:, 1], xy[:, 1])
        dx *= dx
        dy *= dy
        dx += dy
        euclid = np.sqrt(dx, out=dx)
        rnd = ROUNDINGS[self.rounding]
        distance = rnd(euclid)
        speed = float(self.speeds.get(profile, 1.0))
        duration = distance if speed == 1.0 else rnd(euclid / speed)
        return distance, duration

    def coordinates(self, points: Sequence[Point]) -> np.ndarray:
        return ROUNDINGS[self.rounding](self._xy(points))

    def describe(self) -> dict:
        return {
            "provider": "EuclideanTravel",
            "rounding": self.rounding,
            "speeds": {k: float(v) for k, v in sorted(self.speeds.items())},
        }
