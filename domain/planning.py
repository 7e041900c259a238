"""The translation layer between the shop and the solver: its facts into a `PlanRequest`, a `Plan` into plain event data.

The solver knows nothing of orders, couriers or events; this module is the only place
that knows both sides. Going in: warehouses become depots with their opening hours,
orders become stops (weight and litres from their lines, the promised window, the skills
their goods need), couriers on shift become vehicles (capacity, speed and costs of their
vehicle type, their shift as the working window, where and with what they start). Coming
out: the plan becomes plain data for the `RoutePlanned` event. The request itself is kept
as plain data too (`request_record` / `request_from_record`, an exact round trip: the same
digest), so an auditor can re-run any plan from the log alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from solver import (
    NO_LIMIT,
    Depot,
    FleetRecommendation,
    FleetVehicleType,
    GreatCircleTravel,
    Plan,
    PlanProgress,
    PlanRequest,
    Point,
    Stop,
    TrafficFactors,
    Vehicle,
    haversine_m,
    plan_routes,
    recommend_fleet,
)

# Goods loaded at the warehouse. Only in a re-plan with couriers out on the road does a stop carry it:
# a vehicle starting where its courier is holds only the goods already on board, so it may not take
# warehouse goods before it has been back (the solver loads a trip's deliveries where the trip begins).
LOADS_AT_WAREHOUSE = "loads_at_warehouse"

RECORD_FIELDS = ("load_scale", "cost_resolution", "prize_per_priority", "decompose_above", "decompose_rounds")


# -- the shop's facts, as the translation needs them ---------------------------------------------


@dataclass(frozen=True)
class DepotSite:
    code: str
    lat: float
    lon: float
    zone: str | None
    opens: str
    closes: str


@dataclass(frozen=True)
class OrderToDeliver:
    number: str
    lat: float
    lon: float
    zone: str | None
    weight_kg: Decimal
    volume_l: Decimal
    window_start: datetime
    window_end: datetime
    skills: frozenset[str]
    on_board: str | None = None  # the plate of the vehicle already carrying it


@dataclass(frozen=True)
class VehicleKind:
    name: str
    capacity_kg: Decimal
    capacity_l: Decimal
    kmh: float  # the type's speed at the planning moment (its hour band, else cruise)
    cost_per_km: Decimal
    cost_per_hour: Decimal
    fixed_daily_cost: Decimal
    skills: tuple[str, ...]


@dataclass(frozen=True)
class CourierAtWork:
    courier: str
    plate: str
    kind: VehicleKind
    skills: tuple[str, ...]
    shift_start: datetime
    shift_end: datetime
    available_from: datetime
    position: tuple[float, float, str | None] | None = None  # set when the courier starts where they are
    on_the_road_today: bool = False  # the vehicle's day is paid for already: its fixed cost is not charged again


@dataclass(frozen=True)
class PlanningRules:
    """The settings that shape a request, read once from `Settings`."""

    timezone: str
    stop_service_s: int
    depot_loading_s: int
    detour_factor: float
    cold_chain_categories: tuple[str, ...]
    bulky_unit_litres: float

    @classmethod
    def from_settings(cls, settings: Any) -> "PlanningRules":
        return cls(
            timezone=settings.business_timezone,
            stop_service_s=int(settings.stop_service_seconds),
            depot_loading_s=int(settings.depot_loading_seconds),
            detour_factor=float(settings.detour_factor),
            cold_chain_categories=tuple(settings.cold_chain_categories),
            bulky_unit_litres=float(settings.bulky_unit_litres),
        )


def order_skills(lines: Iterable[Mapping[str, Any]], categories: Mapping[str, str], rules: PlanningRules) -> frozenset[str]:
    """What a vehicle must offer to carry these lines: cold chain for chilled or frozen goods, room for bulky ones."""
    needed: set[str] = set()
    for line in lines:
        if categories.get(str(line["sku"])) in rules.cold_chain_categories:
            needed.add("cold_chain")
        quantity = int(line["quantity"])
        if quantity > 0 and float(line["volume_l"]) / quantity >= rules.bulky_unit_litres:
            needed.add("bulky")
    return frozenset(needed)


def day_origin(now: datetime, timezone: str) -> datetime:
    """Local midnight of the business day `now` falls in: the solver's time zero."""
    local = now.astimezone(ZoneInfo(timezone))
    return datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)


def _seconds(origin: datetime, moment: datetime) -> int:
    return int(math.floor((moment - origin).total_seconds()))


def _clock_seconds(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def opening_window(site: DepotSite) -> tuple[int, int]:
    """A warehouse's hours today; closing at or before opening runs past midnight, and opening and closing at the
    same time is round the clock (it never closes on a route)."""
    opens, closes = _clock_seconds(site.opens), _clock_seconds(site.closes)
    if opens == closes:
        return 0, NO_LIMIT
    return opens, closes if closes > opens else closes + 24 * 3600


def travel_for(kinds: Iterable[VehicleKind], traffic: Mapping[str, float], now: datetime,
               rules: PlanningRules) -> GreatCircleTravel:
    """Great-circle travel at each vehicle type's speed now, slowed by each zone's reported traffic."""
    hour = now.astimezone(ZoneInfo(rules.timezone)).hour
    return GreatCircleTravel(
        detour_factor=rules.detour_factor,
        speeds_kmh={kind.name: float(kind.kmh) for kind in kinds},
        traffic=TrafficFactors(zone_hour={(zone, hour): float(f) for zone, f in sorted(traffic.items())}),
        hour=hour,
    )


def drive_seconds(travel: GreatCircleTravel, kind: str, origin: Point, destination: Point) -> int:
    """How long the trip between two places takes a vehicle of this kind, by the request's own travel model."""
    _, duration = travel.matrices([origin, destination], kind)
    return int(duration[0, 1])


def build_request(
    depot: DepotSite,
    orders: Sequence[OrderToDeliver],
    couriers: Sequence[CourierAtWork],
    traffic: Mapping[str, float],
    now: datetime,
    rules: PlanningRules,
    *,
    seed: int,
    time_limit_s: float | None,
    max_iterations: int | None,
) -> PlanRequest:
    """The solver's question for one warehouse at the planning moment `now`."""
    origin = day_origin(now, rules.timezone)
    kinds = {c.kind.name: c.kind for c in couriers}
    travel = travel_for(kinds.values(), traffic, now, rules)
    away = any(c.position is not None for c in couriers)
    depots = (Depot(depot.code, Point.geo(depot.lat, depot.lon, zone=depot.zone), window=opening_window(depot),
                    service_s=rules.depot_loading_s),)
    stops = tuple(_stop(order, origin, now, rules, away) for order in orders)
    vehicles = tuple(_vehicle(courier, depot.code, origin, away) for courier in couriers)
    return PlanRequest(
        depots=depots, stops=stops, vehicles=vehicles, travel=travel, time_limit_s=time_limit_s,
        max_iterations=max_iterations, seed=seed, day_origin=origin.isoformat(),
    )


def _stop(order: OrderToDeliver, origin: datetime, now: datetime, rules: PlanningRules, away: bool) -> Stop:
    # A window opened before the day's midnight is open from midnight (the solver's time starts there).
    start, end = max(_seconds(origin, order.window_start), 0), _seconds(origin, order.window_end)
    if end <= _seconds(origin, now):
        start, end = 0, NO_LIMIT  # already late: as soon as possible rather than not at all
    skills = set(order.skills)
    if away and order.on_board is None:
        skills.add(LOADS_AT_WAREHOUSE)
    return Stop(
        id=order.number, location=Point.geo(order.lat, order.lon, zone=order.zone),
        weight_kg=float(order.weight_kg), volume_l=float(order.volume_l), window=(start, end),
        service_s=rules.stop_service_s, skills=frozenset(skills), on_board=order.on_board,
    )


def _vehicle(courier: CourierAtWork, warehouse: str, origin: datetime, away: bool) -> Vehicle:
    kind = courier.kind
    skills = set(kind.skills) | (set(courier.skills) - {"cold_chain", "bulky"})
    start: str | Point = warehouse
    if courier.position is not None:
        lat, lon, zone = courier.position
        start = Point.geo(lat, lon, zone=zone)
    elif away:
        skills.add(LOADS_AT_WAREHOUSE)
    begin = max(courier.shift_start, courier.available_from)
    return Vehicle(
        id=courier.plate, vehicle_type=kind.name, capacity_kg=float(kind.capacity_kg),
        # A shift under way since before the day's midnight is, to today's plan, under way from midnight.
        capacity_l=float(kind.capacity_l), shift=(max(_seconds(origin, begin), 0), _seconds(origin, courier.shift_end)),
        start=start, end=warehouse, courier_id=courier.courier,
        fixed_cost=0.0 if courier.on_the_road_today else float(kind.fixed_daily_cost),
        cost_per_km=float(kind.cost_per_km), cost_per_hour=float(kind.cost_per_hour), skills=frozenset(skills),
        # Goods on board stay on board until delivered: a reload would pretend to load them at the warehouse.
        reload_depots=() if courier.position is not None else (warehouse,), speed_type=kind.name,
    )


# -- the request as plain data: what the log keeps so that any plan can be re-run ----------------------


def _point_record(point: Point) -> dict[str, Any]:
    return {"lat": point.lat, "lon": point.lon, "zone": point.zone}


def _point(record: Mapping[str, Any]) -> Point:
    return Point.geo(record["lat"], record["lon"], zone=record["zone"])


def request_record(request: PlanRequest) -> dict[str, Any]:
    """Everything of the request but its search budget and seed (the plan records those beside it)."""
    travel = request.travel
    if not isinstance(travel, GreatCircleTravel) or not isinstance(travel.traffic, TrafficFactors):
        raise TypeError("only great-circle travel with traffic factors is recorded")
    record = {
        "day_origin": request.day_origin,
        "depots": [
            {"id": d.id, **_point_record(d.location), "window": list(d.window), "service_s": d.service_s}
            for d in request.depots
        ],
        "stops": [
            {
                "id": s.id, **_point_record(s.location), "weight_kg": s.weight_kg, "volume_l": s.volume_l,
                "window": list(s.window), "service_s": s.service_s, "skills": sorted(s.skills), "kind": s.kind,
                "required": s.required, "priority": s.priority, "release_s": s.release_s, "on_board": s.on_board,
            }
            for s in request.stops
        ],
        "vehicles": [
            {
                "id": v.id, "vehicle_type": v.vehicle_type, "capacity_kg": v.capacity_kg, "capacity_l": v.capacity_l,
                "shift": list(v.shift), "start": v.start if isinstance(v.start, str) else _point_record(v.start),
                "end": v.end if isinstance(v.end, str) or v.end is None else _point_record(v.end),
                "courier_id": v.courier_id, "fixed_cost": v.fixed_cost, "cost_per_km": v.cost_per_km,
                "cost_per_hour": v.cost_per_hour, "skills": sorted(v.skills), "reload_depots": list(v.reload_depots),
                "max_reloads": v.max_reloads, "speed_type": v.speed_type, "initial_kg": v.initial_kg,
                "initial_l": v.initial_l,
            }
            for v in request.vehicles
        ],
        "travel": {
            "detour_factor": travel.detour_factor,
            "speeds_kmh": sorted([name, float(kmh)] for name, kmh in travel.speeds_kmh.items()),
            "traffic": sorted([zone, hour, float(f)] for (zone, hour), f in travel.traffic.zone_hour.items()),
            "hour": travel.hour,
        },
        "workers": request.workers,
        **{name: getattr(request, name) for name in RECORD_FIELDS},
    }
    return plain(record)


def request_from_record(
    record: Mapping[str, Any], *, seed: int, time_limit_s: float | None = None,
    max_iterations: int | Sequence[Sequence[Any]] | None = None,
) -> PlanRequest:
    """The recorded request, ready to solve again with this budget (same digest as the original)."""
    travel = record["travel"]
    iterations: Any = max_iterations
    if isinstance(max_iterations, (list, tuple)):
        iterations = tuple((str(phase), int(n)) for phase, n in max_iterations)
    return PlanRequest(
        depots=tuple(
            Depot(d["id"], _point(d), window=(int(d["window"][0]), int(d["window"][1])), service_s=int(d["service_s"]))
            for d in record["depots"]
        ),
        stops=tuple(
            Stop(
                id=s["id"], location=_point(s), weight_kg=float(s["weight_kg"]), volume_l=float(s["volume_l"]),
                window=(int(s["window"][0]), int(s["window"][1])), service_s=int(s["service_s"]),
                skills=frozenset(s["skills"]), kind=s["kind"], required=bool(s["required"]),
                priority=int(s["priority"]), release_s=int(s["release_s"]), on_board=s["on_board"],
            )
            for s in record["stops"]
        ),
        vehicles=tuple(
            Vehicle(
                id=v["id"], vehicle_type=v["vehicle_type"], capacity_kg=float(v["capacity_kg"]),
                capacity_l=float(v["capacity_l"]), shift=(int(v["shift"][0]), int(v["shift"][1])),
                start=v["start"] if isinstance(v["start"], str) else _point(v["start"]),
                end=v["end"] if isinstance(v["end"], str) or v["end"] is None else _point(v["end"]),
                courier_id=v["courier_id"], fixed_cost=float(v["fixed_cost"]), cost_per_km=float(v["cost_per_km"]),
                cost_per_hour=float(v["cost_per_hour"]), skills=frozenset(v["skills"]),
                reload_depots=tuple(v["reload_depots"]), max_reloads=v["max_reloads"], speed_type=v["speed_type"],
                initial_kg=float(v["initial_kg"]), initial_l=float(v["initial_l"]),
            )
            for v in record["vehicles"]
        ),
        travel=GreatCircleTravel(
            detour_factor=float(travel["detour_factor"]),
            speeds_kmh={str(name): float(kmh) for name, kmh in travel["speeds_kmh"]},
            traffic=TrafficFactors(zone_hour={(str(z), int(h)): float(f) for z, h, f in travel["traffic"]}),
            hour=int(travel["hour"]),
        ),
        time_limit_s=time_limit_s,
        max_iterations=iterations,
        seed=int(seed),
        day_origin=record["day_origin"],
        workers=record["workers"],
        **{name: record[name] for name in RECORD_FIELDS},
    )


def plain(value: Any) -> Any:
    """JSON-shaped data (lists, not tuples), exactly as the event store hands it back."""
    return json.loads(json.dumps(value, allow_nan=False))


# -- the plan as plain data ------------------------------------------------------------------------------


def plan_record(plan: Plan) -> dict[str, Any]:
    """What `RoutePlanned` records: the routes and left-out orders, and the solver's account of the run."""
    return plain({
        "routes": [
            {
                "vehicle": r.vehicle_id, "courier": r.courier_id, "start": r.start, "end": r.end,
                "start_s": r.start_s, "departure_s": r.departure_s, "end_s": r.end_s,
                "start_load_kg": r.start_load_kg, "start_load_l": r.start_load_l, "distance_m": r.distance_m,
                "duration_s": r.duration_s, "cost": r.cost,
                "visits": [
                    {"kind": v.kind, "ref": v.ref, "arrival_s": v.arrival_s, "start_s": v.start_s,
                     "departure_s": v.departure_s, "load_kg": v.load_kg, "load_l": v.load_l, "trip": v.trip}
                    for v in r.visits
                ],
            }
            for r in plan.routes
        ],
        "left_out": [{"order": lo.stop_id, "reason": lo.reason, "code": lo.code} for lo in plan.left_out],
        "unused_vehicles": list(plan.unused_vehicles),
        "solver": {
            "request_digest": plan.request_digest, "seed": plan.seed,
            "iterations": [[phase, n] for phase, n in plan.iterations], "solver_version": plan.solver_version,
            "objective": plan.objective, "cost": plan.cost, "distance_m": plan.distance_m,
            "duration_s": plan.duration_s, "complete": plan.complete, "runtime_s": plan.runtime_s,
            "setup_s": plan.setup_s, "search_s": plan.search_s, "parts": plan.parts,
        },
    })


def solution_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a plan record a re-run must reproduce exactly (the run's own timings aside)."""
    return plain({
        "routes": record["routes"], "left_out": record["left_out"],
        "objective": record["solver"]["objective"],
    })


def differences(recorded: Mapping[str, Any], rerun: Mapping[str, Any]) -> list[str]:
    """Where a re-run departs from the recorded plan, in words an auditor can act on."""
    found = []
    a, b = solution_of(recorded), solution_of(rerun)
    if a["objective"] != b["objective"]:
        found.append(f"objective {a['objective']} recorded, {b['objective']} on re-run")
    routes_a = {r["vehicle"]: r for r in a["routes"]}
    routes_b = {r["vehicle"]: r for r in b["routes"]}
    for vehicle in sorted(set(routes_a) | set(routes_b)):
        if routes_a.get(vehicle) != routes_b.get(vehicle):
            found.append(f"route of vehicle {vehicle} differs")
    if a["left_out"] != b["left_out"]:
        found.append("left-out orders differ")
    return found


def solve_recorded(
    record: Mapping[str, Any], *, seed: int, time_limit_s: float | None = None,
    max_iterations: int | Sequence[Sequence[Any]] | None = None,
    progress: Callable[[PlanProgress], None] | None = None,
) -> dict[str, Any]:
    """Solve a recorded request: what a planning worker runs, and what an audit re-runs with the recorded
    seed and iterations."""
    request = request_from_record(record, seed=seed, time_limit_s=time_limit_s, max_iterations=max_iterations)
    return plan_record(plan_routes(request, progress=progress))


@dataclass(frozen=True)
class Verification:
    """An audit's answer: does the recorded request, re-run with its seed and iterations, give the same plan?"""

    identical: bool
    same_request: bool
    recorded_digest: str
    rerun_digest: str
    recorded_objective: int
    rerun_objective: int
    iterations: list[list[Any]]
    recorded_solver_version: str
    rerun_solver_version: str
    rerun_runtime_s: float
    differences: list[str]


def verify(run: Mapping[str, Any], rerun: Mapping[str, Any] | None = None) -> Verification:
    """Compare a recorded planning run (`request`, `digest` and the `RoutePlanned` record) with its re-run
    (`solve_recorded` with the recorded seed and iterations, solved here unless given)."""
    planned = run["planned"]
    solver = planned["solver"]
    request = request_from_record(run["request"], seed=solver["seed"], max_iterations=solver["iterations"] or 1)
    if rerun is None:
        rerun = solve_recorded(run["request"], seed=solver["seed"], max_iterations=solver["iterations"] or 1)
    same_request = request.digest() == run["digest"] == solver["request_digest"]
    found = differences(planned, rerun)
    if not same_request:
        found.insert(0, "the recorded request no longer has the recorded digest")
    return Verification(
        identical=same_request and not found, same_request=same_request, recorded_digest=solver["request_digest"],
        rerun_digest=rerun["solver"]["request_digest"], recorded_objective=solver["objective"],
        rerun_objective=rerun["solver"]["objective"], iterations=plain(solver["iterations"]),
        recorded_solver_version=solver["solver_version"], rerun_solver_version=rerun["solver"]["solver_version"],
        rerun_runtime_s=rerun["solver"]["runtime_s"], differences=found,
    )


# -- vehicle dispatch: how many vehicles of each type per hour ---------------------------------------


@dataclass(frozen=True)
class DemandHistory:
    """What past orders say about a day to come: orders per hour and what a typical order is like."""

    per_hour: dict[int, float]
    weeks: int
    order_kg: float
    order_l: float
    depot_km: float
    window_h: float


def recommend_vehicles(history: DemandHistory, kinds: Sequence[tuple[VehicleKind, int]], rules: PlanningRules) -> FleetRecommendation:
    """Fewest vehicles per hour that cover the expected orders within their promised windows."""
    types = [
        FleetVehicleType(
            name=kind.name, capacity_kg=float(kind.capacity_kg), capacity_l=float(kind.capacity_l),
            speed_kmh=float(kind.kmh), cost_per_hour=float(kind.cost_per_hour), available=available,
        )
        for kind, available in kinds
    ]
    return recommend_fleet(
        history.per_hour, types, order_kg=history.order_kg, order_l=history.order_l,
        service_s=rules.stop_service_s, load_s=rules.depot_loading_s, depot_km=history.depot_km,
        window_h=history.window_h,
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float, detour_factor: float) -> float:
    return float(haversine_m(lat1, lon1, lat2, lon2)) * detour_factor / 1000.0
