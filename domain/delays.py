"""When a delivery will really arrive, and the rule that a customer hears about a late delivery before it is late.

A stop's live ETA starts from the dispatched plan's planned arrival and is corrected by where
the courier is now: the next stop is as far away as the courier's last position says (at the
vehicle's speed, the route's detour and the zone's traffic now), and every later stop keeps
the plan's own legs and service times after it. Lateness carries forward, the waiting the
plan built in for a window's start absorbs it, and an early courier still waits for the
plan's start: a customer is never promised earlier than the plan can keep.

A stop whose live ETA passes its window's end (or the configured margin before it) is
delayed: `DeliveryDelayed` records the reason and the new ETA, and the customer is told
while the window is still open. A further notice goes out only when the ETA slips a good
deal more (settings `delay_renotify_minutes`), so a courier crawling through traffic does
not set the customer's phone buzzing every minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Sequence
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.routing import plan_moment
from solver.geo import haversine_m

RELOAD = "reload"
FALLBACK_KMH = 15.0  # a vehicle the request names no speed for
DEFAULT_DETOUR = 1.3

# Why a delivery is late, in the words of domain/templates.py WORDS; a special situation gives its own kind.
RUNNING_LATE = "courier_running_late"
NOT_MOVING = "courier_not_moving"
REPLANNED = "route_replanned"
BUSY_ROUTE = "busy_route"  # the plan itself puts the stop at its window's very end


@dataclass(frozen=True)
class PlannedVisit:
    """One remaining visit of a courier's dispatched route, with the plan's times for it."""

    ref: str
    kind: str  # delivery, pickup, or reload (back at the warehouse)
    lat: float
    lon: float
    zone: str | None
    arrival: datetime
    start: datetime
    departure: datetime
    reached_at: datetime | None = None


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    at: datetime


@dataclass(frozen=True)
class Eta:
    """A visit's live ETA, its planned arrival, and how many stops the courier makes before it."""

    ref: str
    eta: datetime
    planned: datetime
    stops_away: int
    live: bool  # corrected by the courier's position (else the plan's time, or now if that is past)


@dataclass(frozen=True)
class Travel:
    """How the courier moves on the leg to the next stop: the vehicle's speed, the detour, each zone's traffic."""

    kmh: float
    detour_factor: float
    traffic: Callable[[str | None], float]

    def seconds(self, a: tuple[float, float], b: tuple[float, float], zone: str | None) -> float:
        metres = float(haversine_m(a[0], a[1], b[0], b[1])) * self.detour_factor
        return metres / (self.kmh / 3.6) * self.traffic(zone)


def live_etas(visits: Sequence[PlannedVisit], position: Position | None, now: datetime, travel: Travel) -> list[Eta]:
    """ETAs of the remaining visits (in route order); reloads are kept for their time but not counted as stops."""
    if not visits:
        return []
    first = visits[0]
    live = position is not None or first.reached_at is not None
    if first.reached_at is not None:
        arrival = first.reached_at
    elif position is not None:
        arrival = now + timedelta(seconds=travel.seconds((position.lat, position.lon), (first.lat, first.lon),
                                                         first.zone))
    else:
        arrival = max(first.arrival, now)
    etas: list[Eta] = []
    stops = 0
    before: PlannedVisit | None = None
    departure = now
    for visit in visits:
        if before is not None:
            arrival = departure + (visit.arrival - before.departure)  # the plan's own leg from the visit before
        before = visit
        if visit.reached_at is not None:
            start = visit.reached_at
            departure = max(now, start + (visit.departure - visit.start))
        else:
            start = max(arrival, visit.start)
            departure = start + (visit.departure - visit.start)
        if visit.kind != RELOAD:
            etas.append(Eta(ref=visit.ref, eta=arrival, planned=visit.arrival, stops_away=stops, live=live))
            stops += 1
    return etas


@dataclass(frozen=True)
class RouteRecord:
    """One courier's dispatched route as plain data: what the domain reads off a `RoutePlan` and the tracking
    projection keeps in its tables, so both compute ETAs the same way."""

    courier: str
    day_origin: str
    visits: tuple[dict[str, Any], ...]  # as `RoutePlanned` recorded them: kind, ref, arrival_s, start_s, departure_s
    points: dict[str, tuple[float, float, str | None]]  # stop id -> lat, lon, zone
    depot: tuple[float, float]
    completed: frozenset[str]
    reached: dict[str, datetime]
    kmh: float
    detour_factor: float

    def remaining(self, done: Callable[[str], bool]) -> list[PlannedVisit]:
        """The visits still ahead; `done` says whether an order is finished even if the plan has not heard yet."""
        visits: list[PlannedVisit] = []
        for visit in self.visits:
            ref = visit["ref"]
            if visit["kind"] != RELOAD and (ref in self.completed or done(ref)):
                continue
            lat, lon, zone = (*self.depot, None) if visit["kind"] == RELOAD else self.points[ref]
            visits.append(PlannedVisit(
                ref=ref, kind=visit["kind"], lat=lat, lon=lon, zone=zone,
                arrival=plan_moment(self.day_origin, visit["arrival_s"]),
                start=plan_moment(self.day_origin, visit["start_s"]),
                departure=plan_moment(self.day_origin, visit["departure_s"]),
                reached_at=self.reached.get(ref),
            ))
        return visits

    def travel(self, traffic: Callable[[str | None], float]) -> Travel:
        return Travel(kmh=self.kmh, detour_factor=self.detour_factor, traffic=traffic)


def request_parts(request: dict[str, Any]) -> dict[str, Any]:
    """What ETAs need of a plan's recorded request: stop places and zones, the depot, each vehicle's speed."""
    travel = request.get("travel", {})
    speeds = {str(name): float(kmh) for name, kmh in travel.get("speeds_kmh", ())}
    depot = (request.get("depots") or [{"lat": 0.0, "lon": 0.0}])[0]
    return {
        "points": {s["id"]: (float(s["lat"]), float(s["lon"]), s.get("zone")) for s in request.get("stops", ())},
        "depot": (float(depot["lat"]), float(depot["lon"])),
        "speeds": {v["id"]: speeds.get(str(v.get("speed_type")), FALLBACK_KMH) for v in request.get("vehicles", ())},
        "detour_factor": float(travel.get("detour_factor", DEFAULT_DETOUR)),
    }


def route_record(plan: Any, courier: str) -> RouteRecord | None:
    """The courier's route in a `RoutePlan` aggregate (domain/routing.py), or None if it has none."""
    route = next((r for r in plan.routes if r["courier"] == courier), None)
    if route is None or plan.day_origin is None or plan.request is None:
        return None
    parts = request_parts(plan.request)
    return RouteRecord(
        courier=courier, day_origin=plan.day_origin, visits=tuple(route["visits"]), points=parts["points"],
        depot=parts["depot"], completed=frozenset(plan.completed), reached=dict(plan.reached),
        kmh=parts["speeds"].get(route["vehicle"], FALLBACK_KMH), detour_factor=parts["detour_factor"],
    )


def is_delayed(eta: datetime, window_end: datetime, margin: timedelta) -> bool:
    return eta > window_end - margin


class DeliveryDelay(PeisongAggregate):
    """One notice that a delivery will miss its window; the n-th for an order is its own small aggregate."""

    @staticmethod
    def create_id(order: str, notice: int) -> UUID:
        return natural_id("delivery-delay", order, str(notice))

    @event("DeliveryDelayed")
    def __init__(
        self,
        order: str,
        notice: int,
        customer: str,
        courier: str,
        plan: str,
        window_start: datetime,
        window_end: datetime,
        eta: datetime,
        planned_arrival: datetime,
        reason: str,
        late_minutes: int,
        stops_away: int,
        situation: str | None,
    ) -> None:
        self.order = order
        self.notice = notice
        self.eta = eta
        self.reason = reason
        self.situation = situation
