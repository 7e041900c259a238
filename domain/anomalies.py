"""What makes a courier's positions worth a dispatcher's look: silence, leaving the route, idling away
from any stop, speeding.

Each alert is an episode: it is raised once when the condition starts and ended once when it stops,
however many pings arrive in between, so the dispatcher sees one alert per incident. The rules here
are pure: given the accepted pings and what is already open, they say which episodes start and end;
the courier's track records those as events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Sequence

import numpy as np
import shapely

from solver.geo import haversine_m

STALE = "stale_position"
OFF_ROUTE = "off_route"
IDLE = "idle_away_from_stop"
SPEEDING = "speeding"
KINDS = (STALE, OFF_ROUTE, IDLE, SPEEDING)

# Below this many seconds between pings, GPS jitter swamps the speed two fixes imply.
MIN_SECONDS_FOR_IMPLIED_SPEED = 5.0
METRES_PER_DEGREE = 6_371_008.8 * np.pi / 180.0


@dataclass(frozen=True)
class AnomalyRules:
    """Thresholds, from the settings; the speed limit is the courier's vehicle type's."""

    stale_after: timedelta
    off_route_m: float
    idle_radius_m: float
    idle_after: timedelta
    stop_radius_m: float
    speed_limit_kmh: float

    @classmethod
    def from_settings(cls, settings: Any, speed_limit_kmh: float | None = None) -> "AnomalyRules":
        return cls(
            stale_after=timedelta(seconds=settings.stale_position_seconds),
            off_route_m=float(settings.off_route_metres),
            idle_radius_m=float(settings.idle_radius_metres),
            idle_after=timedelta(seconds=settings.idle_alert_seconds),
            stop_radius_m=float(settings.stop_radius_metres),
            speed_limit_kmh=float(speed_limit_kmh if speed_limit_kmh is not None else settings.default_speed_limit_kmh),
        )


@dataclass(frozen=True)
class AlertChange:
    """One episode starting (`raised`) or ending, at the moment of the ping that showed it."""

    kind: str
    raised: bool
    at: datetime
    details: dict[str, Any] = field(default_factory=dict)


class RouteGeometry:
    """A planned route and its stops in local metres, for distances from a courier's pings."""

    def __init__(self, route: Sequence[Sequence[float]], stops: Sequence[Sequence[float]]) -> None:
        points = [(float(lat), float(lon)) for lat, lon in route]
        stop_points = [(float(lat), float(lon)) for lat, lon in stops]
        # Metres east shrink with latitude: scale them at the latitude of what is measured against.
        self.lat0 = float(np.mean([lat for lat, _ in points + stop_points])) if points or stop_points else 0.0
        self.kx = METRES_PER_DEGREE * float(np.cos(np.radians(self.lat0)))
        self.line = shapely.linestrings(self._xy(points)) if len(points) >= 2 else (
            shapely.points(self._xy(points)[0]) if points else None)
        self.stops = shapely.multipoints(self._xy(stop_points)) if stop_points else None

    def _xy(self, points: Sequence[tuple[float, float]]) -> np.ndarray:
        if not points:
            return np.empty((0, 2))
        array = np.asarray(points, dtype=float)
        return np.column_stack([array[:, 1] * self.kx, (array[:, 0] - self.lat0) * METRES_PER_DEGREE])

    def distances_to_route(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray | None:
        if self.line is None:
            return None
        return shapely.distance(self.line, shapely.points(self._xy(list(zip(lats, lons)))))

    def distance_to_nearest_stop(self, lat: float, lon: float) -> float | None:
        if self.stops is None:
            return None
        return float(shapely.distance(self.stops, shapely.points(self._xy([(lat, lon)])[0])))


def watch_pings(
    pings: Sequence[dict[str, Any]],
    previous: dict[str, Any] | None,
    open_alerts: dict[str, Any],
    resting: dict[str, Any] | None,
    geometry: RouteGeometry,
    rules: AnomalyRules,
) -> tuple[list[AlertChange], dict[str, Any] | None]:
    """Walk newly accepted pings in time order; return the episodes they start or end, and where the
    courier has been standing still since (the anchor idling is measured from)."""
    changes: list[AlertChange] = []
    is_open = {kind: kind in open_alerts for kind in KINDS}
    if not pings:
        return changes, resting

    if is_open[STALE]:
        last_seen = open_alerts[STALE].get("last_seen_at")
        silent = (pings[0]["at"] - last_seen).total_seconds() if isinstance(last_seen, datetime) else None
        changes.append(AlertChange(STALE, False, pings[0]["at"], {"silent_seconds": silent}))
        is_open[STALE] = False

    lats = np.array([p["lat"] for p in pings])
    lons = np.array([p["lon"] for p in pings])
    off_route = geometry.distances_to_route(lats, lons)  # None without a planned route

    for i, ping in enumerate(pings):
        at = ping["at"]
        accuracy = ping.get("accuracy") or 0.0

        # Speeding: the speed the phone reports, else the speed two pings imply.
        kmh = _speed_kmh(ping, previous)
        if kmh is not None:
            if kmh > rules.speed_limit_kmh and not is_open[SPEEDING]:
                changes.append(AlertChange(SPEEDING, True, at, {
                    "lat": ping["lat"], "lon": ping["lon"], "speed_kmh": round(kmh, 1),
                    "limit_kmh": rules.speed_limit_kmh,
                }))
                is_open[SPEEDING] = True
            elif kmh <= rules.speed_limit_kmh and is_open[SPEEDING]:
                changes.append(AlertChange(SPEEDING, False, at, {"speed_kmh": round(kmh, 1)}))
                is_open[SPEEDING] = False

        # Off route: further than the limit even allowing for the fix's own error.
        if off_route is not None:
            metres = float(off_route[i])
            if metres - accuracy > rules.off_route_m and not is_open[OFF_ROUTE]:
                changes.append(AlertChange(OFF_ROUTE, True, at, {
                    "lat": ping["lat"], "lon": ping["lon"], "distance_m": round(metres, 1),
                    "limit_m": rules.off_route_m,
                }))
                is_open[OFF_ROUTE] = True
            elif metres <= rules.off_route_m and is_open[OFF_ROUTE]:
                changes.append(AlertChange(OFF_ROUTE, False, at, {"distance_m": round(metres, 1)}))
                is_open[OFF_ROUTE] = False

        # Idle: still within a small circle of where the courier stopped, for too long, away from stops.
        # Only what was watched counts: after a silence the courier may have gone and come back.
        watched = previous is not None and at - previous["at"] <= rules.stale_after
        if resting is not None and not watched and not is_open[IDLE]:
            resting = {"lat": ping["lat"], "lon": ping["lon"], "since": at}
        elif resting is not None and _metres(resting, ping) <= rules.idle_radius_m:
            idle = at - resting["since"]
            if idle >= rules.idle_after and not is_open[IDLE]:
                nearest = geometry.distance_to_nearest_stop(resting["lat"], resting["lon"])
                if nearest is None or nearest > rules.stop_radius_m:
                    changes.append(AlertChange(IDLE, True, at, {
                        "lat": resting["lat"], "lon": resting["lon"], "since": resting["since"],
                        "idle_seconds": idle.total_seconds(),
                        "nearest_stop_m": None if nearest is None else round(nearest, 1),
                    }))
                    is_open[IDLE] = True
        else:
            if is_open[IDLE] and resting is not None:
                changes.append(AlertChange(IDLE, False, at, {
                    "idle_seconds": (at - resting["since"]).total_seconds(),
                }))
                is_open[IDLE] = False
            resting = {"lat": ping["lat"], "lon": ping["lon"], "since": at}
        previous = ping
    return changes, resting


def stale_change(
    now: datetime, last_seen_at: datetime | None, on_shift_since: datetime, open_alerts: dict[str, Any],
    rules: AnomalyRules,
) -> AlertChange | None:
    """A courier on shift with no position for longer than allowed: the silence counts from the last
    ping, or from the start of the shift if there was none since."""
    if STALE in open_alerts:
        return None
    silent_since = max(last_seen_at, on_shift_since) if last_seen_at is not None else on_shift_since
    silent = now - silent_since
    if silent < rules.stale_after:
        return None
    return AlertChange(STALE, True, now, {
        "last_seen_at": last_seen_at, "silent_seconds": silent.total_seconds(),
    })


def _speed_kmh(ping: dict[str, Any], previous: dict[str, Any] | None) -> float | None:
    if ping.get("speed") is not None:
        return float(ping["speed"]) * 3.6
    if previous is None:
        return None
    seconds = (ping["at"] - previous["at"]).total_seconds()
    if seconds < MIN_SECONDS_FOR_IMPLIED_SPEED:
        return None
    slack = (ping.get("accuracy") or 0.0) + (previous.get("accuracy") or 0.0)
    return max(0.0, _metres(previous, ping) - slack) / seconds * 3.6


def _metres(a: dict[str, Any], b: dict[str, Any]) -> float:
    return float(haversine_m(a["lat"], a["lon"], b["lat"], b["lon"]))
