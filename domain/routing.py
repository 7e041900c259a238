"""Route plans as events: one planning run from request to finished routes, and each warehouse's dispatch board.

A `RoutePlan` is requested with its scope (warehouse, zones, window, the orders and
couriers it covers), claimed by one planning worker (optimistic concurrency on the plan
itself: two workers cannot both record the claim), solved outside any command, and
recorded with the solver's own account of the run, so an auditor can re-run it. A
dispatcher accepts or discards it; dispatching puts it on the road (a policy then
assigns its orders and publishes each courier's route); stops are reached and completed
until every route is done. A re-plan is a new plan that names the plan it replaces.

The `DispatchBoard` of a warehouse is what planning must know across plans: which
orders an open plan already holds (so a wave never plans an order twice), until when
each courier is committed to a dispatched route, and which plans are on the road now
(so a traffic report finds the routes it affects).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidTransition, NotFound, PreconditionFailed

REQUESTED = "REQUESTED"
PLANNING = "PLANNING"
PRODUCED = "PRODUCED"
ACCEPTED = "ACCEPTED"
DISPATCHED = "DISPATCHED"
COMPLETED = "COMPLETED"
DISCARDED = "DISCARDED"
FAILED = "FAILED"
REPLACED = "REPLACED"

STATUSES = (REQUESTED, PLANNING, PRODUCED, ACCEPTED, DISPATCHED, COMPLETED, DISCARDED, FAILED, REPLACED)
# Statuses in which a plan still holds its orders back from other plans.
OPEN = (REQUESTED, PLANNING, PRODUCED, ACCEPTED)
# Statuses after which the planning run itself is over (the subscription to its progress ends).
PLANNING_OVER = (PRODUCED, ACCEPTED, DISPATCHED, COMPLETED, DISCARDED, FAILED, REPLACED)

DELIVERED_STOP = "delivered"
FAILED_STOP = "failed"
CANCELLED_STOP = "cancelled"
STOP_OUTCOMES = (DELIVERED_STOP, FAILED_STOP, CANCELLED_STOP)


class PlanningAlreadyClaimed(PreconditionFailed):
    pass


class PlanningNotYours(PreconditionFailed):
    pass


class PlanNotAccepted(PreconditionFailed):
    pass


class PlanHasNoRoutes(PreconditionFailed):
    pass


class ReplacedPlanNotOnRoad(PreconditionFailed):
    pass


class OrderAlreadyPlanned(PreconditionFailed):
    pass


class StopNotOnRoute(NotFound):
    pass


def plan_moment(day_origin: str, seconds: int) -> datetime:
    """A solver time (seconds from the plan's day origin) as the moment it stands for."""
    return datetime.fromisoformat(day_origin) + timedelta(seconds=int(seconds))


class RoutePlan(PeisongAggregate):
    @staticmethod
    def create_id(plan: str) -> UUID:
        return natural_id("route-plan", plan)

    @event("RoutePlanRequested")
    def __init__(
        self,
        plan: str,
        warehouse: str,
        zones: tuple[str, ...],
        window_start: datetime | None,
        window_end: datetime | None,
        orders: tuple[str, ...],
        couriers: tuple[str, ...],
        replaces: str | None,
        reason: str,
        automatic: bool,
        auto_dispatch: bool,
        seed: int,
        time_limit_s: float | None,
        max_iterations: int | None,
    ) -> None:
        self.plan = plan
        self.warehouse = warehouse
        self.zones = list(zones)
        self.window_start = window_start
        self.window_end = window_end
        self.automatic = automatic
        self.orders = list(orders)
        self.couriers = list(couriers)
        self.replaces = replaces
        self.auto_dispatch = auto_dispatch
        self.seed = seed
        self.time_limit_s = time_limit_s
        self.max_iterations = max_iterations
        self.status = REQUESTED
        self.worker: str | None = None
        self.lease_until: datetime | None = None
        self.attempts = 0
        self.request: dict[str, Any] | None = None
        self.request_digest: str | None = None
        self.day_origin: str | None = None
        self.routes: list[dict[str, Any]] = []
        self.left_out: list[dict[str, Any]] = []
        self.solver: dict[str, Any] = {}
        self.reached: dict[str, datetime] = {}
        self.completed: dict[str, str] = {}
        self.routes_done: list[str] = []
        self.replaced_by: str | None = None

    # -- reading ---------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def route_of(self, order: str) -> dict[str, Any] | None:
        for route in self.routes:
            if any(v["ref"] == order for v in route["visits"] if v["kind"] != "reload"):
                return route
        return None

    def routed_orders(self, route: dict[str, Any] | None = None) -> list[str]:
        routes = [route] if route is not None else self.routes
        return [v["ref"] for r in routes for v in r["visits"] if v["kind"] != "reload"]

    def remaining_orders(self) -> list[str]:
        """Routed orders whose stop is not completed yet, in route order."""
        return [order for order in self.routed_orders() if order not in self.completed]

    def left_out_orders(self) -> list[str]:
        return [item["order"] for item in self.left_out]

    def route_couriers(self) -> list[str]:
        return [route["courier"] for route in self.routes]

    def stop_point(self, order: str) -> tuple[float, float]:
        stop = next(s for s in (self.request or {}).get("stops", ()) if s["id"] == order)
        return float(stop["lat"]), float(stop["lon"])

    def depot_point(self) -> tuple[float, float]:
        depot = (self.request or {})["depots"][0]
        return float(depot["lat"]), float(depot["lon"])

    def start_point(self, route: dict[str, Any]) -> tuple[float, float]:
        """Where the route begins: the warehouse, or the courier's own position in a re-plan."""
        vehicle = next(v for v in (self.request or {})["vehicles"] if v["id"] == route["vehicle"])
        start = vehicle["start"]
        if isinstance(start, dict):
            return float(start["lat"]), float(start["lon"])
        return self.depot_point()

    def route_points(self, route: dict[str, Any], remaining_only: bool = False) -> list[tuple[float, float]]:
        """The route as (lat, lon) points from its start through its stops (reloads included) back to the
        warehouse; `remaining_only` begins at the last completed stop, where the courier is heading on from."""
        points = [self.start_point(route)]
        for visit in route["visits"]:
            if visit["kind"] == "reload":
                points.append(self.depot_point())
                continue
            if remaining_only and visit["ref"] in self.completed:
                points = [self.stop_point(visit["ref"])]
                continue
            points.append(self.stop_point(visit["ref"]))
        points.append(self.depot_point())
        return points

    def route_span(self, route: dict[str, Any]) -> tuple[datetime, datetime]:
        """From the courier's arrival at the warehouse to load, to their return."""
        return plan_moment(self.day_origin or "", route["start_s"]), plan_moment(self.day_origin or "", route["end_s"])

    # -- the planning run ------------------------------------------------------------------------

    def check_claimable(self, now: datetime) -> None:
        if self.status == PLANNING and self.lease_until is not None and now < self.lease_until:
            raise PlanningAlreadyClaimed(
                f"plan {self.plan} is being planned by {self.worker} until {self.lease_until:%H:%M:%S}",
                field="plan", plan=self.plan, worker=self.worker,
            )
        if self.status not in (REQUESTED, PLANNING):
            raise InvalidTransition(
                f"plan {self.plan} is {self.status}; there is nothing to plan", field="plan",
                plan=self.plan, current=self.status,
            )

    def start_planning(
        self, worker: str, now: datetime, lease_until: datetime, request: dict[str, Any], request_digest: str,
    ) -> None:
        """The claim: recording it is what makes one worker the only one (a second claim fails on save)."""
        self.check_claimable(now)
        self._planning_started(
            worker=worker, at=now, lease_until=lease_until, attempt=self.attempts + 1,
            request=request, request_digest=request_digest,
        )

    def check_planned_by(self, worker: str) -> None:
        if self.status != PLANNING:
            raise InvalidTransition(
                f"plan {self.plan} is {self.status}, not being planned", field="plan",
                plan=self.plan, current=self.status,
            )
        if self.worker != worker:
            raise PlanningNotYours(
                f"plan {self.plan} is being planned by {self.worker}, not {worker}", field="worker",
                plan=self.plan, worker=worker, claimant=self.worker,
            )

    def record_progress(
        self, worker: str, lease_until: datetime, phase: str, iterations: int, best_objective: int | None,
        elapsed_s: float,
    ) -> None:
        self.check_planned_by(worker)
        self._progressed(
            worker=worker, lease_until=lease_until, phase=phase, iterations=iterations,
            best_objective=best_objective, elapsed_s=elapsed_s,
        )

    def produce(
        self, worker: str, day_origin: str, routes: Sequence[dict[str, Any]], left_out: Sequence[dict[str, Any]],
        unused_vehicles: Sequence[str], solver: dict[str, Any],
    ) -> None:
        self.check_planned_by(worker)
        self._planned(
            worker=worker, day_origin=day_origin, routes=tuple(routes), left_out=tuple(left_out),
            unused_vehicles=tuple(unused_vehicles), solver=solver,
        )

    def fail(self, worker: str, reason: str) -> None:
        self.check_planned_by(worker)
        self._failed(worker=worker, reason=reason)

    # -- the dispatcher's decisions ------------------------------------------------------------

    def _check_status(self, allowed: tuple[str, ...], action: str) -> None:
        if self.status not in allowed:
            raise InvalidTransition(
                f"plan {self.plan} is {self.status} and cannot be {action}", field="plan",
                plan=self.plan, current=self.status,
            )

    def accept(self, automatic: bool) -> None:
        self._check_status((PRODUCED,), "accepted")
        if not self.routes:
            raise PlanHasNoRoutes(
                f"plan {self.plan} routes nothing: every order was left out", field="plan", plan=self.plan,
            )
        self._accepted(automatic=automatic)

    def discard(self, reason: str) -> None:
        self._check_status(OPEN, "discarded")
        self._discarded(reason=reason, released=tuple(self.orders))

    def dispatch(self, replaced: "RoutePlan | None") -> None:
        if self.status == PRODUCED:
            raise PlanNotAccepted(
                f"plan {self.plan} must be accepted before it is dispatched", field="plan", plan=self.plan,
            )
        self._check_status((ACCEPTED,), "dispatched")
        if replaced is not None and replaced.status != DISPATCHED:
            raise ReplacedPlanNotOnRoad(
                f"plan {self.plan} replaces {replaced.plan}, which is {replaced.status}, no longer on the road",
                field="plan", plan=self.plan, replaces=replaced.plan, current=replaced.status,
            )
        self._dispatched(replaces=self.replaces)

    def mark_replaced(self, by: str) -> None:
        self._check_status((DISPATCHED,), "replaced")
        self._replaced(by=by, remaining=tuple(self.remaining_orders()))

    # -- on the road ----------------------------------------------------------------------------

    def _route_with(self, order: str, courier: str | None) -> dict[str, Any]:
        route = self.route_of(order)
        if route is None or (courier is not None and route["courier"] != courier):
            whose = f"courier {courier}'s route in " if courier is not None else ""
            raise StopNotOnRoute(
                f"order {order} is not a stop of {whose}plan {self.plan}", field="order", plan=self.plan, order=order,
            )
        return route

    def reach_stop(self, order: str, courier: str | None, at: datetime) -> None:
        self._check_status((DISPATCHED,), "worked on")
        route = self._route_with(order, courier)
        if order in self.completed:
            raise InvalidTransition(f"the stop for order {order} is already completed", field="order", order=order)
        if order in self.reached:
            raise InvalidTransition(f"the stop for order {order} was already reached", field="order", order=order)
        self._stop_reached(order=order, courier=route["courier"], at=at)

    def complete_stop(self, order: str, outcome: str, at: datetime) -> None:
        """A stop ends with its order's outcome; the last stop of a route completes the route, the last route the plan."""
        self._check_status((DISPATCHED,), "worked on")
        route = self._route_with(order, None)
        if order in self.completed:
            raise InvalidTransition(f"the stop for order {order} is already completed", field="order", order=order)
        self._stop_completed(order=order, courier=route["courier"], outcome=outcome, at=at)
        if all(o in self.completed for o in self.routed_orders(route)):
            self._route_completed(courier=route["courier"], at=at)
            if len(self.routes_done) == len(self.routes):
                self._plan_completed(at=at)

    # -- events ---------------------------------------------------------------------------------

    @event("PlanningStarted")
    def _planning_started(
        self, worker: str, at: datetime, lease_until: datetime, attempt: int, request: dict[str, Any],
        request_digest: str,
    ) -> None:
        self.status = PLANNING
        self.worker = worker
        self.lease_until = lease_until
        self.attempts = attempt
        self.request = request
        self.request_digest = request_digest
        self.day_origin = request["day_origin"]

    @event("PlanningProgressed")
    def _progressed(
        self, worker: str, lease_until: datetime, phase: str, iterations: int, best_objective: int | None,
        elapsed_s: float,
    ) -> None:
        self.lease_until = lease_until

    @event("RoutePlanned")
    def _planned(
        self, worker: str, day_origin: str, routes: tuple[dict[str, Any], ...], left_out: tuple[dict[str, Any], ...],
        unused_vehicles: tuple[str, ...], solver: dict[str, Any],
    ) -> None:
        self.status = PRODUCED
        self.day_origin = day_origin
        self.routes = [dict(route) for route in routes]
        self.left_out = [dict(item) for item in left_out]
        self.solver = dict(solver)
        self.lease_until = None

    @event("PlanningFailed")
    def _failed(self, worker: str, reason: str) -> None:
        self.status = FAILED
        self.lease_until = None

    @event("RoutePlanAccepted")
    def _accepted(self, automatic: bool) -> None:
        self.status = ACCEPTED

    @event("RoutePlanDiscarded")
    def _discarded(self, reason: str, released: tuple[str, ...]) -> None:
        self.status = DISCARDED

    @event("RoutePlanDispatched")
    def _dispatched(self, replaces: str | None) -> None:
        self.status = DISPATCHED

    @event("RoutePlanReplaced")
    def _replaced(self, by: str, remaining: tuple[str, ...]) -> None:
        self.status = REPLACED
        self.replaced_by = by

    @event("StopReached")
    def _stop_reached(self, order: str, courier: str, at: datetime) -> None:
        self.reached[order] = at

    @event("StopCompleted")
    def _stop_completed(self, order: str, courier: str, outcome: str, at: datetime) -> None:
        self.completed[order] = outcome

    @event("RouteCompleted")
    def _route_completed(self, courier: str, at: datetime) -> None:
        self.routes_done.append(courier)

    @event("RoutePlanCompleted")
    def _plan_completed(self, at: datetime) -> None:
        self.status = COMPLETED


class DispatchBoard(PeisongAggregate):
    """One warehouse's dispatch board: orders held by open plans, couriers' commitments, plans on the road."""

    @staticmethod
    def create_id(warehouse: str) -> UUID:
        return natural_id("dispatch-board", warehouse)

    @event("DispatchBoardOpened")
    def __init__(self, warehouse: str) -> None:
        self.warehouse = warehouse
        self.held: dict[str, str] = {}
        self.on_road: dict[str, list[str]] = {}
        self.commitments: dict[str, list[tuple[str, datetime, datetime]]] = {}  # courier -> (plan, start, end)
        self.open_replans: dict[str, str] = {}

    def holder_of(self, order: str) -> str | None:
        return self.held.get(order)

    def check_free(self, order: str, field: str, superseding: Iterable[str] = ()) -> None:
        holder = self.held.get(order)
        if holder is not None and holder not in set(superseding):
            raise OrderAlreadyPlanned(
                f"order {order} is already in plan {holder}", field=field, order=order, plan=holder,
            )

    def free_window(
        self, courier: str, now: datetime, ignoring: Iterable[str] = (),
    ) -> tuple[datetime, datetime | None]:
        """When the courier is next free at the warehouse, and until when (the start of their next route on the
        road, if any): a route dispatched for later leaves the courier free until then. Routes of the plans in
        `ignoring` (the plan a re-plan replaces) do not count."""
        skip = set(ignoring)
        spans = sorted((start, end) for plan, start, end in self.commitments.get(courier, ())
                       if plan not in skip and end > now)
        free = now
        for start, end in spans:
            if start > free:
                return free, start
            free = max(free, end)
        return free, None

    def on_the_road_since(self, courier: str, since: datetime, ignoring: Iterable[str] = ()) -> bool:
        """Whether the courier has had a route on the road since `since` (the start of the day, say)."""
        skip = set(ignoring)
        return any(plan not in skip and end > since for plan, _, end in self.commitments.get(courier, ()))

    def hold(self, plan: str, orders: Sequence[str], replaces: str | None) -> None:
        self._held(plan=plan, orders=tuple(orders), replaces=replaces)

    def release(self, plan: str, orders: Sequence[str], reason: str) -> None:
        """Orders the plan no longer holds (left out, discarded, failed) go back to the next wave."""
        mine = tuple(o for o in orders if self.held.get(o) == plan)
        if mine or plan in self.open_replans.values():
            self._released(plan=plan, orders=mine, reason=reason)

    def go_live(self, plan: str, routes: dict[str, tuple[datetime, datetime]], replaces: str | None) -> None:
        """The plan is on the road: each courier is committed from the start to the end of their route."""
        self._went_live(plan=plan, routes={c: [start, end] for c, (start, end) in routes.items()}, replaces=replaces)

    def take_off_road(self, plan: str, reason: str) -> None:
        if plan in self.on_road:
            self._taken_off_road(plan=plan, reason=reason)

    def _replaced_by_plan(self, plan: str) -> str | None:
        return next((old for old, new in self.open_replans.items() if new == plan), None)

    @event("OrdersHeldForPlan")
    def _held(self, plan: str, orders: tuple[str, ...], replaces: str | None) -> None:
        for order in orders:
            self.held[order] = plan
        if replaces is not None:
            self.open_replans[replaces] = plan

    @event("OrdersReleasedFromPlan")
    def _released(self, plan: str, orders: tuple[str, ...], reason: str) -> None:
        for order in orders:
            if self.held.get(order) == plan:
                del self.held[order]
        replaced = self._replaced_by_plan(plan)
        if replaced is not None:
            del self.open_replans[replaced]

    @event("PlanWentLive")
    def _went_live(self, plan: str, routes: dict[str, list[datetime]], replaces: str | None) -> None:
        self.held = {order: holder for order, holder in self.held.items() if holder != plan}
        if replaces is not None:
            self.on_road.pop(replaces, None)
            self.open_replans.pop(replaces, None)
            self._forget(replaces)
        self.on_road[plan] = sorted(routes)
        for courier, (start, end) in routes.items():
            # A day's routes are all that can still matter to the next plan.
            kept = [c for c in self.commitments.get(courier, ()) if c[2] > start - timedelta(days=1)]
            self.commitments[courier] = [*kept, (plan, start, end)]

    @event("PlanTakenOffRoad")
    def _taken_off_road(self, plan: str, reason: str) -> None:
        self.on_road.pop(plan, None)
        self._forget(plan)

    def _forget(self, plan: str) -> None:
        for courier, spans in list(self.commitments.items()):
            self.commitments[courier] = [c for c in spans if c[0] != plan]
