"""GraphQL views of route plans, their progress, audit and the fleet recommendation, and the inputs that drive them."""

from __future__ import annotations

from datetime import date, datetime  # noqa: F401  (date: a field type, read by strawberry)
from enum import Enum

import strawberry

from api.recorded import Recorded
from api.views import thin
from domain.planning import DemandHistory, Verification
from domain.routing import STATUSES
from projections.routes import (
    LeftOutView, PlannedRouteView, PlannedStopView, PlanProgressView, RoutePlanView, SolverRunView,
)
from solver import FleetRecommendation as Fleet

RoutePlanStatus = strawberry.enum(
    Enum("RoutePlanStatus", {status: status for status in STATUSES}),  # type: ignore[misc]
    description="REQUESTED, PLANNING (a worker is solving it), PRODUCED, ACCEPTED, DISPATCHED (on the road), "
    "COMPLETED; or DISCARDED, FAILED, REPLACED (by a re-plan).",
)


@strawberry.type(description="One visit of a route: an order's door (`kind` delivery) or a reload at the warehouse.")
class PlannedStop:
    seq: int
    kind: str
    ref: str = strawberry.field(description="The order number, or the warehouse code of a reload.")
    lat: float
    lon: float
    arrival_at: datetime
    start_at: datetime = strawberry.field(description="Service starts (after any wait for the promised window).")
    departure_at: datetime
    load_kg: float = strawberry.field(description="On board after this visit.")
    load_l: float
    trip: int = strawberry.field(description="Counts from 0; each reload starts the next trip.")
    window_start: datetime | None = strawberry.field(description="The promised window (none for late orders).")
    window_end: datetime | None
    on_time: bool | None = strawberry.field(description="Planned service start inside the promised window.")
    status: str = strawberry.field(description="planned, reached or completed.")
    outcome: str | None = strawberry.field(description="delivered, failed or cancelled, once completed.")
    reached_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def from_view(cls, view: PlannedStopView) -> "PlannedStop":
        return thin(cls, view)


@strawberry.type
class PlannedRoute:
    courier: str
    vehicle: str
    vehicle_type: str
    start: str = strawberry.field(
        description="Where the route begins: the warehouse code, or `@vehicle:<plate>` for a courier re-planned "
        "where they are.",
    )
    start_lat: float
    start_lon: float
    start_at: datetime
    departure_at: datetime
    end_at: datetime = strawberry.field(description="Back at the warehouse.")
    start_load_kg: float
    start_load_l: float
    distance_km: float
    duration_minutes: float
    cost: float
    completed_at: datetime | None
    stops: list[PlannedStop]

    @classmethod
    def from_view(cls, view: PlannedRouteView) -> "PlannedRoute":
        return thin(cls, view, start=view.start_ref, distance_km=round(view.distance_m / 1000, 3),
                    duration_minutes=round(view.duration_s / 60, 1),
                    stops=[PlannedStop.from_view(s) for s in view.stops])


@strawberry.type(description="An order the plan does not route, and why.")
class LeftOutOrder:
    order: str
    reason: str
    code: str = strawberry.field(description="skill, too_heavy, too_bulky, window_unreachable, capacity, time, "
                                             "not_worth or vehicle_missing.")

    @classmethod
    def from_view(cls, view: LeftOutView) -> "LeftOutOrder":
        return thin(cls, view)


@strawberry.type
class PhaseIterations:
    phase: str
    iterations: int


@strawberry.type(description="The solver's account of the run: what an auditor needs to re-run it.")
class SolverRun:
    request_digest: str = strawberry.field(description="sha256 of the request without its budget and seed.")
    seed: int
    iterations: list[PhaseIterations] = strawberry.field(description="Reached per search phase (per part).")
    solver_version: str
    objective: float = strawberry.field(description="PyVRP's objective, in integer cost units.")
    cost: float
    distance_km: float
    duration_minutes: float
    complete: bool = strawberry.field(description="Every order that had to be routed is routed.")
    runtime_seconds: float
    setup_seconds: float
    search_seconds: float
    parts: int

    @classmethod
    def from_view(cls, view: SolverRunView) -> "SolverRun":
        return thin(cls, view, iterations=[PhaseIterations(phase=p, iterations=n) for p, n in view.iterations],
                    distance_km=round(view.distance_m / 1000, 3), duration_minutes=round(view.duration_s / 60, 1),
                    objective=float(view.objective), runtime_seconds=view.runtime_s, setup_seconds=view.setup_s,
                    search_seconds=view.search_s)


@strawberry.type(description="A plan's status change or progress report, in log order.")
class PlanningProgress:
    plan: str
    status: RoutePlanStatus  # type: ignore[valid-type]
    at: datetime
    position: int = strawberry.field(description="Resume a subscription after a disconnect with `after: position`.")
    phase: str | None
    iterations: int | None
    best_objective: float | None
    elapsed_seconds: float | None

    @classmethod
    def from_view(cls, view: PlanProgressView) -> "PlanningProgress":
        return thin(cls, view, status=RoutePlanStatus(view.status), elapsed_seconds=view.elapsed_s,
                    best_objective=None if view.best_objective is None else float(view.best_objective))


@strawberry.type
class RoutePlan:
    id: str
    aggregate_id: str = strawberry.field(description="Pass to `history` for every event of this plan.")
    warehouse: str
    status: RoutePlanStatus  # type: ignore[valid-type]
    zones: list[str]
    window_start: datetime | None
    window_end: datetime | None
    orders: int = strawberry.field(description="Orders the plan was asked to route.")
    couriers: list[str]
    replaces: str | None
    replaced_by: str | None
    reason: str
    automatic: bool = strawberry.field(description="Made by an automatic wave or a traffic re-plan.")
    auto_dispatch: bool
    seed: int
    time_limit_seconds: float | None
    max_iterations: int | None
    requested_at: datetime
    worker: str | None
    attempts: int
    started_at: datetime | None
    progress: PlanningProgress | None = strawberry.field(description="The latest progress report.")
    produced_at: datetime | None
    accepted_at: datetime | None
    dispatched_at: datetime | None
    completed_at: datetime | None
    ended_at: datetime | None
    end_reason: str
    routed: int
    left_out_count: int
    solver: SolverRun | None
    routes: list[PlannedRoute]
    left_out: list[LeftOutOrder]
    updated_at: datetime

    @classmethod
    def from_view(cls, view: RoutePlanView) -> "RoutePlan":
        return thin(
            cls, view, id=view.plan, aggregate_id=view.id, status=RoutePlanStatus(view.status),
            time_limit_seconds=view.time_limit_s,
            progress=PlanningProgress.from_view(view.progress) if view.progress is not None else None,
            solver=SolverRun.from_view(view.solver) if view.solver is not None else None,
            routes=[PlannedRoute.from_view(r) for r in view.routes],
            left_out=[LeftOutOrder.from_view(item) for item in view.left_out],
        )


@strawberry.type(description="An audit re-run: the recorded request solved again with its seed and iterations.")
class PlanVerification:
    plan: str
    identical: bool = strawberry.field(description="The same request (digest) gave the same routes and objective.")
    same_request: bool
    recorded_digest: str
    rerun_digest: str
    recorded_objective: float
    rerun_objective: float
    iterations: list[PhaseIterations]
    recorded_solver_version: str
    rerun_solver_version: str
    rerun_seconds: float
    differences: list[str]

    @classmethod
    def from_result(cls, plan: str, result: Verification) -> "PlanVerification":
        return thin(cls, result, plan=plan, iterations=[PhaseIterations(phase=p, iterations=n)
                                                        for p, n in result.iterations],
                    recorded_objective=float(result.recorded_objective),
                    rerun_objective=float(result.rerun_objective), rerun_seconds=result.rerun_runtime_s)


@strawberry.type
class VehicleCount:
    vehicle_type: str
    count: int


@strawberry.type
class HourFleet:
    hour: int = strawberry.field(description="Hour of the day, local time.")
    expected_orders: float
    capacity_orders: float = strawberry.field(description="Orders per hour the recommended vehicles can serve.")
    vehicles: list[VehicleCount]


@strawberry.type
class VehicleThroughput:
    vehicle_type: str
    orders_per_hour: float


@strawberry.type(description="How many vehicles of each type to put on the road, hour by hour.")
class FleetRecommendation:
    warehouse: str
    date: date
    weeks_of_history: int = strawberry.field(description="Past same weekdays with orders, averaged.")
    order_kg: float
    order_litres: float
    depot_km: float = strawberry.field(description="Average road distance from the warehouse to a door.")
    window_hours: float
    covered: bool = strawberry.field(description="False when even every vehicle cannot cover some hour.")
    method: str
    vehicle_hours: int
    cost: float
    throughput: list[VehicleThroughput]
    hours: list[HourFleet]

    @classmethod
    def from_result(
        cls, warehouse: str, day: date, history: DemandHistory, result: Fleet,
    ) -> "FleetRecommendation":
        return cls(
            warehouse=warehouse, date=day, weeks_of_history=history.weeks, order_kg=round(history.order_kg, 3),
            order_litres=round(history.order_l, 3), depot_km=round(history.depot_km, 3),
            window_hours=round(history.window_h, 2), covered=result.covered, method=result.method,
            vehicle_hours=result.vehicle_hours, cost=result.cost,
            throughput=[VehicleThroughput(vehicle_type=name, orders_per_hour=round(rate, 3))
                        for name, rate in result.throughput],
            hours=[
                HourFleet(hour=h.hour, expected_orders=round(h.orders, 3), capacity_orders=round(h.capacity_orders, 3),
                          vehicles=[VehicleCount(vehicle_type=t, count=n) for t, n in h.vehicles])
                for h in result.hours
            ],
        )


@strawberry.input
class RequestRoutePlanInput:
    warehouse: str
    zones: list[str] = strawberry.field(default_factory=list, description="Only orders in these zones (any, if none).")
    window_start: datetime | None = strawberry.field(default=None, description="Only orders promised in this window.")
    window_end: datetime | None = None
    orders: list[str] | None = strawberry.field(
        default=None, description="The orders to plan; leave out for every packed order waiting in the scope.")
    couriers: list[str] | None = strawberry.field(
        default=None, description="The couriers to plan for; leave out for everyone on duty at the warehouse.")
    reason: str = ""
    time_limit_seconds: float | None = strawberry.field(default=None, description="Search budget in seconds.")
    max_iterations: int | None = strawberry.field(
        default=None, description="Search budget in iterations instead (the same plan every time).")
    seed: int | None = None
    auto_dispatch: bool = strawberry.field(default=False, description="Dispatch the plan as soon as it is made.")


@strawberry.input
class ReplanRoutesInput:
    plan: str = strawberry.field(description="The plan on the road to re-plan.")
    reason: str
    add_orders: list[str] = strawberry.field(default_factory=list, description="Urgent orders to insert.")
    add_couriers: list[str] = strawberry.field(default_factory=list)
    time_limit_seconds: float | None = None
    max_iterations: int | None = None
    seed: int | None = None


@strawberry.input
class ReportTrafficInput:
    zone: str
    factor: float = strawberry.field(description="Travel in the zone takes this many times as long (1: free flow).")
    note: str = ""


@strawberry.input
class ReachStopInput:
    plan: str
    order: str


@strawberry.type
class RequestRoutePlanPayload(Recorded):
    plan: str = strawberry.field(description="Follow it with `routePlan` or the `routePlanProgress` subscription.")
    orders: int
    couriers: int
    replaces: str | None = None


@strawberry.type
class RoutePlanStepPayload(Recorded):
    plan: str
    status: RoutePlanStatus  # type: ignore[valid-type]


@strawberry.type
class ReportTrafficPayload(Recorded):
    zone: str
    factor: float
    previous: float


@strawberry.type
class ReachStopPayload(Recorded):
    plan: str
    order: str
