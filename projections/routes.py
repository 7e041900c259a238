"""Route plans as dispatchers and auditors read them: status and progress, the solver's record, routes stop by
stop with planned times and loads, what was left out and why; and which orders are free for the next wave."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger, Boolean, Column, Connection, Float, Index, Integer, String, Table, Text, and_, exists, func, or_,
    select,
)
from sqlalchemy.engine import RowMapping

from domain.orders import PACKED, Order
from domain.planning import DemandHistory, distance_km
from domain.routing import (
    ACCEPTED, COMPLETED, DISCARDED, DISPATCHED, FAILED, PLANNING, PRODUCED, REPLACED, REQUESTED, DispatchBoard,
    RoutePlan, plan_moment,
)
from projections.columns import Instant, JsonList
from projections.couriers import OPEN_SHIFT_STATUSES, courier_shifts, couriers
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.orders import order_lines, orders
from projections.pagination import check_first, decode_cursor, make_page
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import Page
from projections.zones import zone_orders
from solver import NO_LIMIT

route_plans = Table(
    "route_plans",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("plan", String(64), nullable=False, unique=True),
    Column("warehouse", String(40), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("zones", JsonList, nullable=False),
    Column("window_start", Instant),
    Column("window_end", Instant),
    Column("orders", Integer, nullable=False),
    Column("couriers", JsonList, nullable=False),
    Column("replaces", String(64)),
    Column("replaced_by", String(64)),
    Column("reason", Text, nullable=False),
    Column("automatic", Boolean, nullable=False),
    Column("auto_dispatch", Boolean, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("time_limit_s", Float),
    Column("max_iterations", BigInteger),
    Column("requested_at", Instant, nullable=False),
    Column("worker", String(200)),
    Column("attempts", Integer, nullable=False),
    Column("started_at", Instant),
    Column("lease_until", Instant),
    Column("day_origin", String(40)),
    Column("progress_phase", String(40)),
    Column("progress_iterations", BigInteger),
    Column("progress_best", BigInteger),
    Column("progress_elapsed_s", Float),
    Column("progress_at", Instant),
    Column("produced_at", Instant),
    Column("accepted_at", Instant),
    Column("dispatched_at", Instant),
    Column("completed_at", Instant),
    Column("ended_at", Instant),
    Column("end_reason", Text, nullable=False),
    Column("solver", Text),  # the RoutePlanned solver record as JSON
    Column("routed", Integer, nullable=False),
    Column("left_out", Integer, nullable=False),
    Column("updated_at", Instant, nullable=False),
    Index("ix_route_plans_warehouse_requested", "warehouse", "requested_at", "plan"),
    Index("ix_route_plans_requested", "requested_at", "plan"),
)

route_plan_requests = Table(
    "route_plan_requests",
    metadata,
    Column("plan", String(64), primary_key=True),
    Column("request", Text, nullable=False),
)

planned_routes = Table(
    "planned_routes",
    metadata,
    Column("route_id", String(140), primary_key=True),
    Column("plan", String(64), nullable=False, index=True),
    Column("courier", String(64), nullable=False, index=True),
    Column("vehicle", String(16), nullable=False),
    Column("vehicle_type", String(40), nullable=False),
    Column("start_ref", String(80), nullable=False),
    Column("start_lat", Float, nullable=False),
    Column("start_lon", Float, nullable=False),
    Column("start_at", Instant, nullable=False),
    Column("departure_at", Instant, nullable=False),
    Column("end_at", Instant, nullable=False),
    Column("start_load_kg", Float, nullable=False),
    Column("start_load_l", Float, nullable=False),
    Column("distance_m", BigInteger, nullable=False),
    Column("duration_s", BigInteger, nullable=False),
    Column("cost", Float, nullable=False),
    Column("stops", Integer, nullable=False),
    Column("completed_at", Instant),
)

planned_stops = Table(
    "planned_stops",
    metadata,
    Column("stop_id", String(140), primary_key=True),
    Column("plan", String(64), nullable=False),
    Column("courier", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("ref", String(64), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("arrival_at", Instant, nullable=False),
    Column("start_at", Instant, nullable=False),
    Column("departure_at", Instant, nullable=False),
    Column("load_kg", Float, nullable=False),
    Column("load_l", Float, nullable=False),
    Column("trip", Integer, nullable=False),
    Column("window_start", Instant),
    Column("window_end", Instant),
    Column("on_time", Boolean),
    Column("status", String(16), nullable=False),
    Column("outcome", String(16)),
    Column("reached_at", Instant),
    Column("completed_at", Instant),
    Index("ix_planned_stops_plan_courier_seq", "plan", "courier", "seq"),
    Index("ix_planned_stops_ref", "ref"),
)

left_out_orders = Table(
    "left_out_orders",
    metadata,
    Column("plan", String(64), primary_key=True),
    Column("order", String(64), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("code", String(32), nullable=False),
)

planning_progress = Table(
    "planning_progress",
    metadata,
    Column("plan", String(64), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("at", Instant, nullable=False),
    Column("status", String(16), nullable=False),
    Column("phase", String(40)),
    Column("iterations", BigInteger),
    Column("best_objective", BigInteger),
    Column("elapsed_s", Float),
)

# Which plan an order is in: held by an open plan, assigned by a dispatched one, or released again.
order_plans = Table(
    "order_plans",
    metadata,
    Column("order_id", String(36), primary_key=True),
    Column("number", String(64), nullable=False),
    Column("plan", String(64), nullable=False, index=True),
    Column("state", String(16), nullable=False, index=True),
    Column("courier", String(64)),
    Column("updated_at", Instant, nullable=False),
)

HELD = "held"
ASSIGNED = "assigned"
RELEASED = "released"

PLANNED_STOP = "planned"
REACHED_STOP = "reached"
COMPLETED_STOP = "completed"

E = RoutePlan
REQUESTED_EVENT: type = E.RoutePlanRequested  # type: ignore[attr-defined]
STARTED_EVENT: type = E.PlanningStarted  # type: ignore[attr-defined]
PROGRESS_EVENT: type = E.PlanningProgressed  # type: ignore[attr-defined]
PLANNED_EVENT: type = E.RoutePlanned  # type: ignore[attr-defined]
STOP_EVENTS: tuple[type, ...] = (E.StopReached, E.StopCompleted, E.RouteCompleted)  # type: ignore[attr-defined]
# The plan's own status changes: the status each leads to.
STATUS_EVENTS: dict[type, str] = {
    E.PlanningFailed: FAILED,  # type: ignore[attr-defined]
    E.RoutePlanAccepted: ACCEPTED,  # type: ignore[attr-defined]
    E.RoutePlanDiscarded: DISCARDED,  # type: ignore[attr-defined]
    E.RoutePlanDispatched: DISPATCHED,  # type: ignore[attr-defined]
    E.RoutePlanReplaced: REPLACED,  # type: ignore[attr-defined]
    E.RoutePlanCompleted: COMPLETED,  # type: ignore[attr-defined]
}
HELD_EVENT: type = DispatchBoard.OrdersHeldForPlan  # type: ignore[attr-defined]
RELEASED_EVENT: type = DispatchBoard.OrdersReleasedFromPlan  # type: ignore[attr-defined]
ASSIGNED_EVENT: type = Order.OrderAssigned  # type: ignore[attr-defined]
UNASSIGNED_EVENT: type = Order.OrderUnassigned  # type: ignore[attr-defined]
PLAN_EVENTS = frozenset({REQUESTED_EVENT, STARTED_EVENT, PROGRESS_EVENT, PLANNED_EVENT, *STOP_EVENTS, *STATUS_EVENTS})


class RoutesProjector(Projector):
    name = "routes"
    tables = (route_plans, route_plan_requests, planned_routes, planned_stops, left_out_orders, planning_progress,
              order_plans)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({*PLAN_EVENTS, HELD_EVENT, RELEASED_EVENT, ASSIGNED_EVENT, UNASSIGNED_EVENT})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        plans = RowBatch(route_plans, "id")
        plans.load(conn, (str(c.event.originator_id) for c in changes
                          if type(c.event) in PLAN_EVENTS and type(c.event) is not REQUESTED_EVENT))
        stops = RowBatch(planned_stops, "stop_id")
        routes = RowBatch(planned_routes, "route_id")
        assignments = RowBatch(order_plans, "order_id")
        assignments.load(conn, (str(c.event.originator_id) for c in changes
                                if type(c.event) in (ASSIGNED_EVENT, UNASSIGNED_EVENT)))
        requests: dict[str, dict[str, Any]] = {}
        progress: list[dict[str, Any]] = []
        left_out: list[dict[str, Any]] = []
        for position, event in changes:
            kind = type(event)
            if kind is HELD_EVENT or kind is RELEASED_EVENT:
                _hold(assignments, conn, event, HELD if kind is HELD_EVENT else RELEASED)
                continue
            if kind is ASSIGNED_EVENT:
                row = assignments.change(str(event.originator_id))
                if row is not None:
                    row.update(plan=event.plan, state=ASSIGNED, courier=event.courier_id, updated_at=event.timestamp)
                continue
            if kind is UNASSIGNED_EVENT:
                row = assignments.change(str(event.originator_id))
                if row is not None:
                    row.update(state=RELEASED, courier=None, updated_at=event.timestamp)
                continue
            key = str(event.originator_id)
            if kind is REQUESTED_EVENT:
                plans.add(requested_row(key, event))
                progress.append(_progress_row(event.plan, position, event.timestamp, REQUESTED))
                continue
            row = plans.change(key)
            if row is None:
                raise LookupError(f"route plan {key} changed at position {position} but was never requested")
            row["updated_at"] = event.timestamp
            plan = row["plan"]
            if kind is STARTED_EVENT:
                requests[plan] = event.request
                conn.execute(route_plan_requests.delete().where(route_plan_requests.c.plan == plan))
                conn.execute(route_plan_requests.insert(), {"plan": plan, "request": json.dumps(event.request)})
                row.update(status=PLANNING, worker=event.worker, attempts=event.attempt, started_at=event.at,
                           lease_until=event.lease_until, day_origin=event.request["day_origin"])
                progress.append(_progress_row(plan, position, event.timestamp, PLANNING))
            elif kind is PROGRESS_EVENT:
                row.update(lease_until=event.lease_until, progress_phase=event.phase,
                           progress_iterations=event.iterations, progress_best=event.best_objective,
                           progress_elapsed_s=event.elapsed_s, progress_at=event.timestamp)
                progress.append({**_progress_row(plan, position, event.timestamp, PLANNING), "phase": event.phase,
                                 "iterations": event.iterations, "best_objective": event.best_objective,
                                 "elapsed_s": event.elapsed_s})
            elif kind is PLANNED_EVENT:
                request = requests.get(plan) or _stored_request(conn, plan)
                _planned(row, routes, stops, event, request)
                left_out += [{"plan": plan, "order": item["order"], "reason": item["reason"], "code": item["code"]}
                             for item in event.left_out]
                progress.append({**_progress_row(plan, position, event.timestamp, PRODUCED),
                                 "iterations": sum(n for _, n in event.solver["iterations"]),
                                 "best_objective": event.solver["objective"],
                                 "elapsed_s": event.solver["runtime_s"]})
            elif kind in STATUS_EVENTS:
                _status_changed(row, event, STATUS_EVENTS[kind])
                progress.append(_progress_row(plan, position, event.timestamp, row["status"]))
            else:
                _stop_changed(conn, routes, stops, plan, event)
        plans.flush(conn)
        routes.flush(conn)
        stops.flush(conn)
        assignments.flush(conn)
        if left_out:
            conn.execute(left_out_orders.insert(), left_out)
        if progress:
            conn.execute(planning_progress.insert(), progress)


def requested_row(key: str, event: Any) -> dict[str, Any]:
    return {
        "id": key, "plan": event.plan, "warehouse": event.warehouse, "status": REQUESTED, "zones": list(event.zones),
        "window_start": event.window_start, "window_end": event.window_end, "orders": len(event.orders),
        "couriers": list(event.couriers), "replaces": event.replaces, "replaced_by": None, "reason": event.reason,
        "automatic": bool(event.automatic), "auto_dispatch": bool(event.auto_dispatch), "seed": event.seed,
        "time_limit_s": event.time_limit_s, "max_iterations": event.max_iterations, "requested_at": event.timestamp,
        "worker": None, "attempts": 0, "started_at": None, "lease_until": None, "day_origin": None,
        "progress_phase": None, "progress_iterations": None, "progress_best": None, "progress_elapsed_s": None,
        "progress_at": None, "produced_at": None, "accepted_at": None, "dispatched_at": None, "completed_at": None,
        "ended_at": None, "end_reason": "", "solver": None, "routed": 0, "left_out": 0,
        "updated_at": event.timestamp,
    }


def _progress_row(plan: str, position: int, at: datetime, status: str) -> dict[str, Any]:
    return {"plan": plan, "position": position, "at": at, "status": status, "phase": None, "iterations": None,
            "best_objective": None, "elapsed_s": None}


def _hold(assignments: RowBatch, conn: Connection, event: Any, state: str) -> None:
    ids = {str(Order.create_id(number)): number for number in event.orders}
    assignments.load(conn, ids)
    for order_id, number in ids.items():
        row = assignments.change(order_id)
        if row is None:
            assignments.add({"order_id": order_id, "number": number, "plan": event.plan, "state": state,
                             "courier": None, "updated_at": event.timestamp})
        elif state == HELD or row["plan"] == event.plan:
            row.update(plan=event.plan, state=state, updated_at=event.timestamp)


def _stored_request(conn: Connection, plan: str) -> dict[str, Any]:
    text = conn.execute(select(route_plan_requests.c.request).where(route_plan_requests.c.plan == plan)).scalar_one()
    return json.loads(text)


def _planned(row: dict[str, Any], routes: RowBatch, stops: RowBatch, event: Any, request: dict[str, Any]) -> None:
    plan, origin = row["plan"], event.day_origin
    places = {s["id"]: s for s in request["stops"]}
    depots = {d["id"]: d for d in request["depots"]}
    vehicles = {v["id"]: v for v in request["vehicles"]}
    routed = 0
    for route in event.routes:
        courier = route["courier"]
        vehicle = vehicles[route["vehicle"]]
        start = vehicle["start"] if isinstance(vehicle["start"], dict) else depots[vehicle["start"]]
        visits = [v for v in route["visits"]]
        routes.add({
            "route_id": f"{plan}/{courier}", "plan": plan, "courier": courier, "vehicle": route["vehicle"],
            "vehicle_type": vehicle["vehicle_type"], "start_ref": route["start"], "start_lat": start["lat"],
            "start_lon": start["lon"], "start_at": plan_moment(origin, route["start_s"]),
            "departure_at": plan_moment(origin, route["departure_s"]), "end_at": plan_moment(origin, route["end_s"]),
            "start_load_kg": route["start_load_kg"], "start_load_l": route["start_load_l"],
            "distance_m": route["distance_m"], "duration_s": route["duration_s"], "cost": route["cost"],
            "stops": sum(1 for v in visits if v["kind"] != "reload"), "completed_at": None,
        })
        for seq, visit in enumerate(visits, start=1):
            place = depots[visit["ref"]] if visit["kind"] == "reload" else places[visit["ref"]]
            opens, closes = place["window"] if visit["kind"] != "reload" else (0, NO_LIMIT)
            promised = closes < NO_LIMIT and visit["kind"] != "reload"
            routed += visit["kind"] != "reload"
            stops.add({
                "stop_id": f"{plan}/{courier}/{seq}", "plan": plan, "courier": courier, "seq": seq,
                "kind": visit["kind"], "ref": visit["ref"], "lat": place["lat"], "lon": place["lon"],
                "arrival_at": plan_moment(origin, visit["arrival_s"]), "start_at": plan_moment(origin, visit["start_s"]),
                "departure_at": plan_moment(origin, visit["departure_s"]), "load_kg": visit["load_kg"],
                "load_l": visit["load_l"], "trip": visit["trip"],
                "window_start": plan_moment(origin, opens) if promised else None,
                "window_end": plan_moment(origin, closes) if promised else None,
                "on_time": (opens <= visit["start_s"] <= closes) if promised else None,
                "status": PLANNED_STOP, "outcome": None, "reached_at": None, "completed_at": None,
            })
    row.update(status=PRODUCED, produced_at=event.timestamp, day_origin=origin, lease_until=None,
               solver=json.dumps(event.solver), routed=routed, left_out=len(event.left_out))


def _status_changed(row: dict[str, Any], event: Any, status: str) -> None:
    row["status"] = status
    if status == ACCEPTED:
        row["accepted_at"] = event.timestamp
    elif status == DISPATCHED:
        row["dispatched_at"] = event.timestamp
    elif status == COMPLETED:
        row["completed_at"] = event.timestamp
    else:
        row["ended_at"] = event.timestamp
        row["lease_until"] = None
        if status == REPLACED:
            row["replaced_by"] = event.by
            row["end_reason"] = f"replaced by {event.by}"
        else:
            row["end_reason"] = event.reason


def _stop_changed(conn: Connection, routes: RowBatch, stops: RowBatch, plan: str, event: Any) -> None:
    if type(event) is E.RouteCompleted:  # type: ignore[attr-defined]
        route_id = f"{plan}/{event.courier}"
        routes.load(conn, [route_id])
        route = routes.change(route_id)
        if route is not None:
            route["completed_at"] = event.at
        return
    stops.load_where(conn, planned_stops.c.plan == plan, planned_stops.c.ref == event.order)
    for key, stop in list(stops.rows.items()):
        if stop["plan"] != plan or stop["ref"] != event.order or stop["kind"] == "reload":
            continue
        stops.change(key)
        if type(event) is E.StopReached:  # type: ignore[attr-defined]
            stop.update(status=REACHED_STOP, reached_at=event.at)
        else:
            stop.update(status=COMPLETED_STOP, outcome=event.outcome, completed_at=event.at)


# -- records the API reads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanProgressView:
    plan: str
    status: str
    at: datetime
    position: int
    phase: str | None
    iterations: int | None
    best_objective: int | None
    elapsed_s: float | None


@dataclass(frozen=True)
class SolverRunView:
    request_digest: str
    seed: int
    iterations: list[tuple[str, int]]
    solver_version: str
    objective: int
    cost: float
    distance_m: int
    duration_s: int
    complete: bool
    runtime_s: float
    setup_s: float
    search_s: float
    parts: int


@dataclass(frozen=True)
class PlannedStopView:
    seq: int
    kind: str
    ref: str
    lat: float
    lon: float
    arrival_at: datetime
    start_at: datetime
    departure_at: datetime
    load_kg: float
    load_l: float
    trip: int
    window_start: datetime | None
    window_end: datetime | None
    on_time: bool | None
    status: str
    outcome: str | None
    reached_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class PlannedRouteView:
    courier: str
    vehicle: str
    vehicle_type: str
    start_ref: str
    start_lat: float
    start_lon: float
    start_at: datetime
    departure_at: datetime
    end_at: datetime
    start_load_kg: float
    start_load_l: float
    distance_m: int
    duration_s: int
    cost: float
    completed_at: datetime | None
    stops: list[PlannedStopView]


@dataclass(frozen=True)
class LeftOutView:
    order: str
    reason: str
    code: str


@dataclass(frozen=True)
class RoutePlanView:
    id: str
    plan: str
    warehouse: str
    status: str
    zones: list[str]
    window_start: datetime | None
    window_end: datetime | None
    orders: int
    couriers: list[str]
    replaces: str | None
    replaced_by: str | None
    reason: str
    automatic: bool
    auto_dispatch: bool
    seed: int
    time_limit_s: float | None
    max_iterations: int | None
    requested_at: datetime
    worker: str | None
    attempts: int
    started_at: datetime | None
    progress: PlanProgressView | None
    produced_at: datetime | None
    accepted_at: datetime | None
    dispatched_at: datetime | None
    completed_at: datetime | None
    ended_at: datetime | None
    end_reason: str
    routed: int
    left_out_count: int
    solver: SolverRunView | None
    routes: list[PlannedRouteView]
    left_out: list[LeftOutView]
    updated_at: datetime


# -- queries ---------------------------------------------------------------------------------------------


def get_route_plan(db: ReadDatabase, plan: str) -> RoutePlanView | None:
    with db.read() as conn:
        row = conn.execute(select(route_plans).where(route_plans.c.plan == plan)).mappings().first()
        if row is None:
            return None
        parts = _plan_parts(conn, [plan])
    return route_plan_view(row, *parts)


def list_route_plans(
    db: ReadDatabase, *, status: str | None = None, warehouse: str | None = None, after: str | None = None,
    first: int = 50,
) -> Page[RoutePlanView]:
    """Plans newest first (requested_at, then plan id)."""
    check_first(first)
    criteria = []
    if status is not None:
        criteria.append(route_plans.c.status == status)
    if warehouse is not None:
        criteria.append(route_plans.c.warehouse == warehouse)
    sort = (route_plans.c.requested_at, route_plans.c.plan)
    page_criteria = list(criteria)
    if after is not None:
        at, plan = decode_cursor(after, datetime, str)
        page_criteria.append(or_(route_plans.c.requested_at < at,
                                 and_(route_plans.c.requested_at == at, route_plans.c.plan < plan)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(route_plans).where(*criteria)).scalar_one()
        rows = conn.execute(
            select(route_plans).where(*page_criteria).order_by(*(c.desc() for c in sort)).limit(first + 1)
        ).mappings().all()
        parts = _plan_parts(conn, [row["plan"] for row in rows[:first]])
    return make_page(
        rows, first, total, view=lambda row: route_plan_view(row, *parts),
        key=lambda row: (row["requested_at"], row["plan"]),
    )


def plan_progress(db: ReadDatabase, plan: str, after: int = 0) -> list[PlanProgressView]:
    """A plan's status changes and progress reports after log position `after`, oldest first."""
    with db.read() as conn:
        rows = conn.execute(
            select(planning_progress).where(planning_progress.c.plan == plan, planning_progress.c.position > after)
            .order_by(planning_progress.c.position)
        ).mappings().all()
    return [progress_view(row) for row in rows]


def plans_to_solve(db: ReadDatabase, now: datetime, limit: int = 20) -> list[str]:
    """Plans waiting for a worker: requested, or claimed by a worker not heard from within its lease."""
    with db.read() as conn:
        return list(conn.execute(
            select(route_plans.c.plan).where(or_(
                route_plans.c.status == REQUESTED,
                and_(route_plans.c.status == PLANNING, route_plans.c.lease_until < now),
            )).order_by(route_plans.c.requested_at, route_plans.c.plan).limit(limit)
        ).scalars())


def orders_ready_for_dispatch(
    db: ReadDatabase, warehouse: str, *, zones: Sequence[str] = (), window_start: datetime | None = None,
    window_end: datetime | None = None, limit: int = 5_000,
) -> list[str]:
    """Packed orders shipping from the warehouse (their first line's) that no plan holds or has assigned."""
    first_line = exists().where(
        order_lines.c.order_id == orders.c.id, order_lines.c.line_no == 1, order_lines.c.warehouse == warehouse,
    )
    planned = exists().where(order_plans.c.order_id == orders.c.id, order_plans.c.state != RELEASED)
    criteria = [orders.c.status == PACKED, first_line, ~planned]
    if zones:
        criteria.append(exists().where(zone_orders.c.id == orders.c.id, zone_orders.c.zone.in_(list(zones))))
    if window_start is not None and window_end is not None:
        criteria += [orders.c.window_start < window_end, orders.c.window_end > window_start]
    with db.read() as conn:
        return list(conn.execute(
            select(orders.c.number).where(*criteria).order_by(orders.c.window_start, orders.c.number).limit(limit)
        ).scalars())


def couriers_on_duty(db: ReadDatabase, warehouse: str, now: datetime, zones: Sequence[str] = ()) -> list[str]:
    """Active couriers with a vehicle on an open shift not yet over, based at the warehouse or in the zones."""
    bases = [warehouse, *zones]
    with db.read() as conn:
        return list(conn.execute(
            select(courier_shifts.c.courier).distinct().join(couriers, couriers.c.reference == courier_shifts.c.courier)
            .where(courier_shifts.c.status.in_(OPEN_SHIFT_STATUSES), courier_shifts.c.zone.in_(bases),
                   courier_shifts.c.end > now, courier_shifts.c.vehicle.is_not(None), couriers.c.status == "ACTIVE")
            .order_by(courier_shifts.c.courier)
        ).scalars())


def demand_history(
    db: ReadDatabase, warehouse: str, site: tuple[float, float], day: date, weeks: int, timezone: str,
    detour_factor: float,
) -> DemandHistory:
    """Orders due per hour on the same weekday in the weeks before `day` (by the hour their promised window
    starts, local time), averaged over the weeks that had orders, and what a typical order weighed, took up,
    how far it went and how long its window was."""
    zone = ZoneInfo(timezone)
    counts: dict[int, int] = {}
    weeks_with_orders: set[int] = set()
    kg = litres = km = window_h = 0.0
    seen = 0
    first_line = exists().where(
        order_lines.c.order_id == orders.c.id, order_lines.c.line_no == 1, order_lines.c.warehouse == warehouse,
    )
    with db.read() as conn:
        for week in range(1, weeks + 1):
            start = datetime.combine(day - timedelta(days=7 * week), time(0), tzinfo=zone)
            rows = conn.execute(
                select(orders.c.window_start, orders.c.window_end, orders.c.weight_kg, orders.c.volume_l,
                       orders.c.lat, orders.c.lon)
                .where(first_line, orders.c.window_start >= start, orders.c.window_start < start + timedelta(days=1))
            ).all()
            for window_start, window_end, weight, volume, lat, lon in rows:
                hour = window_start.astimezone(zone).hour
                counts[hour] = counts.get(hour, 0) + 1
                weeks_with_orders.add(week)
                kg += float(weight)
                litres += float(volume)
                km += distance_km(site[0], site[1], lat, lon, detour_factor)
                window_h += (window_end - window_start).total_seconds() / 3600.0
                seen += 1
    n = max(len(weeks_with_orders), 1)
    return DemandHistory(
        per_hour={hour: counts.get(hour, 0) / n for hour in range(24)}, weeks=len(weeks_with_orders),
        order_kg=kg / seen if seen else 5.0, order_l=litres / seen if seen else 20.0,
        depot_km=km / seen if seen else 5.0, window_h=window_h / seen if seen else 2.0,
    )


def _plan_parts(
    conn: Connection, plans: list[str]
) -> tuple[dict[str, list[PlannedRouteView]], dict[str, list[LeftOutView]], dict[str, PlanProgressView]]:
    """Routes with their stops, left-out orders and latest progress of a page of plans, in a few queries."""
    routes: dict[str, list[PlannedRouteView]] = {plan: [] for plan in plans}
    left: dict[str, list[LeftOutView]] = {plan: [] for plan in plans}
    latest: dict[str, PlanProgressView] = {}
    if not plans:
        return routes, left, latest
    stops: dict[tuple[str, str], list[PlannedStopView]] = {}
    for row in conn.execute(
        select(planned_stops).where(planned_stops.c.plan.in_(plans))
        .order_by(planned_stops.c.plan, planned_stops.c.courier, planned_stops.c.seq)
    ).mappings():
        stops.setdefault((row["plan"], row["courier"]), []).append(stop_view(row))
    for row in conn.execute(
        select(planned_routes).where(planned_routes.c.plan.in_(plans))
        .order_by(planned_routes.c.plan, planned_routes.c.courier)
    ).mappings():
        routes[row["plan"]].append(route_view(row, stops.get((row["plan"], row["courier"]), [])))
    for row in conn.execute(
        select(left_out_orders).where(left_out_orders.c.plan.in_(plans))
        .order_by(left_out_orders.c.plan, left_out_orders.c.order)
    ).mappings():
        left[row["plan"]].append(LeftOutView(order=row["order"], reason=row["reason"], code=row["code"]))
    last = select(planning_progress.c.plan, func.max(planning_progress.c.position).label("position")) \
        .where(planning_progress.c.plan.in_(plans), planning_progress.c.iterations.is_not(None)) \
        .group_by(planning_progress.c.plan).subquery()
    for row in conn.execute(
        select(planning_progress).join(last, and_(planning_progress.c.plan == last.c.plan,
                                                  planning_progress.c.position == last.c.position))
    ).mappings():
        latest[row["plan"]] = progress_view(row)
    return routes, left, latest


def route_plan_view(
    row: RowMapping, routes: dict[str, list[PlannedRouteView]], left: dict[str, list[LeftOutView]],
    latest: dict[str, PlanProgressView],
) -> RoutePlanView:
    solver = json.loads(row["solver"]) if row["solver"] else None
    return RoutePlanView(
        id=row["id"], plan=row["plan"], warehouse=row["warehouse"], status=row["status"], zones=list(row["zones"]),
        window_start=row["window_start"], window_end=row["window_end"], orders=row["orders"],
        couriers=list(row["couriers"]), replaces=row["replaces"], replaced_by=row["replaced_by"],
        reason=row["reason"], automatic=row["automatic"], auto_dispatch=row["auto_dispatch"], seed=row["seed"],
        time_limit_s=row["time_limit_s"], max_iterations=row["max_iterations"], requested_at=row["requested_at"],
        worker=row["worker"], attempts=row["attempts"], started_at=row["started_at"],
        progress=latest.get(row["plan"]), produced_at=row["produced_at"], accepted_at=row["accepted_at"],
        dispatched_at=row["dispatched_at"], completed_at=row["completed_at"], ended_at=row["ended_at"],
        end_reason=row["end_reason"], routed=row["routed"], left_out_count=row["left_out"],
        solver=None if solver is None else SolverRunView(
            request_digest=solver["request_digest"], seed=solver["seed"],
            iterations=[(str(phase), int(n)) for phase, n in solver["iterations"]],
            solver_version=solver["solver_version"], objective=solver["objective"], cost=solver["cost"],
            distance_m=solver["distance_m"], duration_s=solver["duration_s"], complete=solver["complete"],
            runtime_s=solver["runtime_s"], setup_s=solver["setup_s"], search_s=solver["search_s"],
            parts=solver["parts"],
        ),
        routes=routes.get(row["plan"], []), left_out=left.get(row["plan"], []), updated_at=row["updated_at"],
    )


def route_view(row: RowMapping, stops: list[PlannedStopView]) -> PlannedRouteView:
    return PlannedRouteView(
        courier=row["courier"], vehicle=row["vehicle"], vehicle_type=row["vehicle_type"], start_ref=row["start_ref"],
        start_lat=row["start_lat"], start_lon=row["start_lon"], start_at=row["start_at"],
        departure_at=row["departure_at"], end_at=row["end_at"], start_load_kg=row["start_load_kg"],
        start_load_l=row["start_load_l"], distance_m=row["distance_m"], duration_s=row["duration_s"],
        cost=row["cost"], completed_at=row["completed_at"], stops=stops,
    )


def stop_view(row: RowMapping) -> PlannedStopView:
    return PlannedStopView(**{name: row[name] for name in PlannedStopView.__dataclass_fields__})


def progress_view(row: RowMapping) -> PlanProgressView:
    return PlanProgressView(
        plan=row["plan"], status=row["status"], at=row["at"], position=row["position"], phase=row["phase"],
        iterations=row["iterations"], best_objective=row["best_objective"], elapsed_s=row["elapsed_s"],
    )
