"""Commands on route plans: asking for one, a worker's claim, progress and result, the dispatcher's decisions,
dispatch's assignments, stops on the road, re-planning, and the traffic reports that trigger re-plans."""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Sequence
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import shape

from domain import validation as v
from domain.catalogue import Product
from domain.commands.locations import LocationCommands
from domain.commands.orders import OrderCommands
from domain.commands.zones import ZoneCommands
from domain.couriers import ACTIVE, Courier, Shift
from domain.errors import DomainError, InvalidInput, InvalidTransition, NotFound, PreconditionFailed
from domain.execution import CommandResult
from domain.orders import CANCELLED, HANDED_TO_COURIER, OUT_FOR_DELIVERY, PACKED, Order
from domain.planning import (
    CourierAtWork,
    DepotSite,
    OrderToDeliver,
    PlanningRules,
    VehicleKind,
    build_request,
    day_origin,
    drive_seconds,
    order_skills,
    request_record,
    travel_for,
)
from domain.routing import (
    CANCELLED_STOP,
    COMPLETED,
    DISPATCHED,
    STOP_OUTCOMES,
    DispatchBoard,
    OrderAlreadyPlanned,
    RoutePlan,
)
from domain.traffic import TrafficConditions, clean_factor
from domain.vehicles import Vehicle, VehicleType
from domain.warehouses import Warehouse, WarehouseNetwork
from domain.zones import ZoneMap
from solver import Point, haversine_m

MAX_PLAN_ORDERS = 5_000
MAX_PLAN_COURIERS = 1_000
MAX_ITERATIONS = 10_000_000
MAX_TIME_LIMIT_S = 3_600.0
MIN_WAVE_SECONDS = 1.0


class OrderNotReady(PreconditionFailed):
    pass


class CourierCannotBePlanned(PreconditionFailed):
    pass


def new_plan_id(idempotency_key: str | None = None, *parts: str) -> str:
    """A fresh plan id: drawn at random, or, for a command sent with an idempotency key, derived from the key
    (and what else tells its plans apart), so a day replayed command for command names its plans the same."""
    if idempotency_key is None:
        return "RP-" + secrets.token_hex(5).upper()
    digest = hashlib.sha256("\x1f".join((idempotency_key, *parts)).encode()).hexdigest()
    return "RP-" + digest[:10].upper()


class RoutingCommands(OrderCommands, ZoneCommands, LocationCommands):
    # -- asking for plans --------------------------------------------------------------------

    def request_route_plan(
        self,
        warehouse: str,
        orders: Sequence[str],
        couriers: Sequence[str],
        zones: Sequence[str] = (),
        window_start: datetime | None = None,
        window_end: datetime | None = None,
        reason: str = "",
        automatic: bool = False,
        auto_dispatch: bool = False,
        seed: int | None = None,
        time_limit_s: float | None = None,
        max_iterations: int | None = None,
        skip_unavailable: bool = False,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Ask for a plan of these orders with these couriers; a planning worker solves it later.

        Each order must be packed, ship from the warehouse, lie in the zones and window given
        (if any) and be in no other open plan; each courier must be able to work, on a shift
        with a vehicle. A wave passes `skip_unavailable` and simply leaves out what does not
        qualify (and records nothing when nothing is left); a dispatcher's request is refused.
        """

        def body():  # type: ignore[no-untyped-def]
            site = self.existing_warehouse(warehouse)
            scope = [v.text(z, f"zones.{i}", max_length=40) for i, z in enumerate(zones)]
            start, end = self._plan_window(window_start, window_end)
            if len(orders) > MAX_PLAN_ORDERS or len(couriers) > MAX_PLAN_COURIERS:
                raise InvalidInput(
                    f"a plan covers at most {MAX_PLAN_ORDERS} orders and {MAX_PLAN_COURIERS} couriers", field="orders",
                )
            board = self.dispatch_board(site.code)
            chosen, skipped = self._pick(
                orders, "orders", skip_unavailable,
                lambda number, field: self._check_plannable(number, site.code, scope, start, end, board, field),
            )
            crew, idle = self._pick(
                couriers, "couriers", skip_unavailable, lambda ref, field: self._check_can_be_planned(ref, field),
            )
            if not chosen or not crew:
                if skip_unavailable:
                    return [], {"plan": None, "orders": 0, "couriers": len(crew), "skipped": skipped}
                missing = "orders" if not chosen else "couriers"
                raise InvalidInput(f"the plan has no {missing} ready for dispatch", field=missing)
            budget = self._budget(time_limit_s, max_iterations, automatic, len(chosen))
            plan = RoutePlan(
                plan=new_plan_id(idempotency_key, "requestRoutePlan"), warehouse=site.code,
                zones=tuple(dict.fromkeys(scope)), window_start=start,
                window_end=end, orders=tuple(chosen), couriers=tuple(crew), replaces=None,
                reason=v.text(reason, "reason", required=False, max_length=v.MAX_LONG_TEXT),
                automatic=bool(automatic), auto_dispatch=bool(auto_dispatch), seed=self._seed(seed), **budget,
            )
            board.hold(plan.plan, chosen, None)
            return [plan, board], {
                "plan": plan.plan, "orders": len(chosen), "couriers": len(crew), "skipped": skipped,
                "idleCouriers": idle,
            }

        return self.run_command("requestRoutePlan", body, idempotency_key)

    def replan_routes(
        self,
        plan: str,
        reason: str,
        add_orders: Sequence[str] = (),
        add_couriers: Sequence[str] = (),
        seed: int | None = None,
        time_limit_s: float | None = None,
        max_iterations: int | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """A new plan for what is left of a plan on the road: delivered stops drop out, couriers start from
        where they are with what they carry, urgent orders and more couriers may join. Without a budget
        of its own, it searches as long as the plan it replaces."""

        def body():  # type: ignore[no-untyped-def]
            old = self.existing_route_plan(plan)
            board = self.dispatch_board(old.warehouse)
            budget = self._budget(time_limit_s, max_iterations, old.automatic) \
                if time_limit_s is not None or max_iterations is not None else _budget_of(old)
            saved, new = self._replan(
                old, board, v.text(reason, "reason", max_length=v.MAX_LONG_TEXT), add_orders, add_couriers,
                seed, budget, new_plan_id(idempotency_key, "replanRoutes"),
            )
            return [*saved, new, board], {"plan": new.plan, "replaces": old.plan, "orders": len(new.orders)}

        return self.run_command("replanRoutes", body, idempotency_key)

    def replan_routes_crossing(self, zone: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        """Re-plan every plan on the road whose remaining route passes through the zone (a traffic report's policy)."""

        def body():  # type: ignore[no-untyped-def]
            area = shape(self.existing_zone(zone).boundary)
            shapely.prepare(area)
            network = self.get_or_none(WarehouseNetwork.create_id())
            saved: list[Any] = []
            replans: list[str] = []
            for code in sorted(network.sites if network is not None else ()):
                board = self.get_or_none(DispatchBoard.create_id(code))
                if board is None:
                    continue
                for on_road in sorted(board.on_road):
                    old = self.get_or_none(RoutePlan.create_id(on_road))
                    if old is None or old.status != DISPATCHED or not _crosses(old, area):
                        continue
                    discarded, new = self._replan(old, board, reason, (), (), None, _budget_of(old),
                                                  new_plan_id(idempotency_key, "replanRoutesCrossing", old.plan))
                    saved += [*discarded, new]
                    replans.append(new.plan)
                saved.append(board)
            return saved, {"zone": zone, "replans": replans}

        return self.run_command("replanRoutesCrossing", body, idempotency_key)

    # -- the planning run (a worker's commands) ---------------------------------------------------

    def start_planning(self, plan: str, worker: str, idempotency_key: str | None = None) -> CommandResult:
        """Claim the plan and fix its request as the shop stands now; the request goes into the log whole."""

        def body():  # type: ignore[no-untyped-def]
            route_plan = self.existing_route_plan(plan)
            now = self.clock.now()
            route_plan.check_claimable(now)
            request = self._plan_request(route_plan, now)
            record = request_record(request)
            digest = request.digest()
            lease = now + timedelta(seconds=self.settings.planning_lease_seconds)
            route_plan.start_planning(v.text(worker, "worker"), now, lease, record, digest)
            return [route_plan], {
                "plan": plan, "request": record, "digest": digest, "seed": route_plan.seed,
                "timeLimitSeconds": route_plan.time_limit_s, "maxIterations": route_plan.max_iterations,
            }

        return self.run_command("startPlanning", body, idempotency_key)

    def record_planning_progress(
        self, plan: str, worker: str, phase: str, iterations: int, best_objective: int | None, elapsed_s: float,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            route_plan = self.existing_route_plan(plan)
            lease = self.clock.now() + timedelta(seconds=self.settings.planning_lease_seconds)
            route_plan.record_progress(
                worker, lease, str(phase), int(iterations), None if best_objective is None else int(best_objective),
                round(float(elapsed_s), 3),
            )
            return [route_plan], {"plan": plan, "iterations": int(iterations)}

        return self.run_command("recordPlanningProgress", body, idempotency_key)

    def record_route_plan(
        self, plan: str, worker: str, result: dict[str, Any], idempotency_key: str | None = None,
    ) -> CommandResult:
        """The solver's answer (see `domain.planning.plan_record`); a plan asked for with automatic dispatch
        goes on the road in the same save."""

        def body():  # type: ignore[no-untyped-def]
            route_plan = self.existing_route_plan(plan)
            route_plan.check_planned_by(worker)
            solver = result["solver"]
            if solver["request_digest"] != route_plan.request_digest:
                raise PreconditionFailed(
                    f"the result answers request {solver['request_digest'][:12]}, not plan {plan}'s "
                    f"{(route_plan.request_digest or '')[:12]}", field="result", plan=plan,
                )
            route_plan.produce(
                worker, route_plan.day_origin, result["routes"], result["left_out"], result["unused_vehicles"], solver,
            )
            board = self.dispatch_board(route_plan.warehouse)
            board.release(plan, route_plan.left_out_orders(), "left out by the planner")
            saved: list[Any] = [route_plan, board]
            if route_plan.auto_dispatch:
                saved += self._dispatch_automatically(route_plan, board)
            return saved, {"plan": plan, "status": route_plan.status, "routes": len(route_plan.routes)}

        return self.run_command("recordRoutePlan", body, idempotency_key)

    def fail_planning(self, plan: str, worker: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            route_plan = self.existing_route_plan(plan)
            route_plan.fail(worker, v.text(reason, "reason", max_length=v.MAX_LONG_TEXT))
            board = self.dispatch_board(route_plan.warehouse)
            board.release(plan, route_plan.orders, "planning failed")
            return [route_plan, board], {"plan": plan, "status": route_plan.status}

        return self.run_command("failPlanning", body, idempotency_key)

    # -- the dispatcher's decisions -----------------------------------------------------------------

    def accept_route_plan(self, plan: str, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            route_plan = self.existing_route_plan(plan)
            route_plan.accept(automatic=False)
            return [route_plan], {"plan": plan, "status": route_plan.status}

        return self.run_command("acceptRoutePlan", body, idempotency_key)

    def discard_route_plan(self, plan: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        """A discarded plan lets its orders go to the next wave or plan."""

        def body():  # type: ignore[no-untyped-def]
            route_plan = self.existing_route_plan(plan)
            route_plan.discard(v.text(reason, "reason", max_length=v.MAX_LONG_TEXT))
            board = self.dispatch_board(route_plan.warehouse)
            board.release(plan, route_plan.orders, "plan discarded")
            return [route_plan, board], {"plan": plan, "status": route_plan.status}

        return self.run_command("discardRoutePlan", body, idempotency_key)

    def dispatch_route_plan(self, plan: str, idempotency_key: str | None = None) -> CommandResult:
        """Put an accepted plan on the road; a re-plan takes the place of the plan it replaces."""

        def body():  # type: ignore[no-untyped-def]
            route_plan = self.existing_route_plan(plan)
            replaced = self.existing_route_plan(route_plan.replaces) if route_plan.replaces else None
            route_plan.dispatch(replaced)
            if replaced is not None:
                replaced.mark_replaced(plan)
            return [route_plan, replaced], {"plan": plan, "status": route_plan.status}

        return self.run_command("dispatchRoutePlan", body, idempotency_key)

    # -- dispatch's effects and the road ---------------------------------------------------------------

    def assign_planned_orders(self, plan: str, idempotency_key: str | None = None) -> CommandResult:
        """Each routed order becomes its courier's; the board learns until when each courier is out.

        Orders that cannot be assigned any more (cancelled while the plan was made) are
        skipped and named. The answer carries each courier's route to publish: after what is
        still ahead of them on another plan's route, if they have not finished it yet.
        """

        def body():  # type: ignore[no-untyped-def]
            route_plan = self.existing_route_plan(plan)
            if route_plan.status != DISPATCHED:
                raise InvalidTransition(
                    f"plan {plan} is {route_plan.status}, not on the road", field="plan", plan=plan,
                    current=route_plan.status,
                )
            board = self.dispatch_board(route_plan.warehouse)
            changed: list[Order] = []
            skipped: list[str] = []
            routes: list[dict[str, Any]] = []
            spans: dict[str, tuple[datetime, datetime]] = {}
            for route in route_plan.routes:
                courier = route["courier"]
                for number in route_plan.routed_orders(route):
                    order = self.get_or_none(Order.create_id(number))
                    if order is None or order.assigned_plan == plan:
                        continue
                    try:
                        order.assign(courier, plan)
                    except InvalidTransition:
                        skipped.append(number)
                        if order.status == CANCELLED:
                            route_plan.complete_stop(number, CANCELLED_STOP, self.clock.now())
                        continue
                    changed.append(order)
                spans[courier] = route_plan.route_span(route)
                ahead = self._route_still_ahead(courier, plan, route_plan.replaces)
                routes.append({
                    "courier": courier,
                    "route": [list(p) for p in ahead + route_plan.route_points(route)],
                    "stops": [list(route_plan.stop_point(o)) for o in route_plan.routed_orders(route)],
                })
            changed += self._unassign_left_behind(route_plan)
            board.go_live(plan, spans, route_plan.replaces)
            if route_plan.status == COMPLETED:
                board.take_off_road(plan, "completed")
            return [route_plan, *changed, board], {
                "plan": plan, "assigned": len(changed), "skipped": skipped, "routes": routes,
            }

        return self.run_command("assignPlannedOrders", body, idempotency_key)

    def _unassign_left_behind(self, route_plan: RoutePlan) -> list[Order]:
        """Orders of the replaced plan still at the warehouse that the re-plan does not route (left out, say, as
        no longer deliverable in their window) lose their courier, so the next wave plans them again."""
        if route_plan.replaces is None:
            return []
        old = self.get_or_none(RoutePlan.create_id(route_plan.replaces))
        routed = set(route_plan.routed_orders())
        released = []
        for number in old.orders if old is not None else ():
            order = self.get_or_none(Order.create_id(number))
            if number in routed or order is None or order.assigned_plan != old.plan or order.status != PACKED:
                continue
            order.unassign(old.plan, f"left out by re-plan {route_plan.plan}")
            released.append(order)
        return released

    def reach_stop(
        self, plan: str, order: str, courier: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        """The courier is at the door; `courier` (when a courier reports it) must be the route's own."""

        def body():  # type: ignore[no-untyped-def]
            route_plan = self.existing_route_plan(plan)
            route_plan.reach_stop(v.text(order, "order", max_length=64), courier, self.clock.now())
            return [route_plan], {"plan": plan, "order": order}

        return self.run_command("reachStop", body, idempotency_key)

    def complete_stop(
        self, plan: str, order: str, outcome: str, idempotency_key: str | None = None,
    ) -> CommandResult:
        """A stop ends with its order's outcome (the delivery policies call this); the last one ends the plan."""

        def body():  # type: ignore[no-untyped-def]
            route_plan = self.existing_route_plan(plan)
            route_plan.complete_stop(
                v.text(order, "order", max_length=64), v.one_of(outcome, STOP_OUTCOMES, "outcome"), self.clock.now(),
            )
            board = None
            if route_plan.status == COMPLETED:
                board = self.dispatch_board(route_plan.warehouse)
                board.take_off_road(plan, "completed")
            return [route_plan, board], {"plan": plan, "order": order, "status": route_plan.status}

        return self.run_command("completeStop", body, idempotency_key)

    def report_traffic(
        self, zone: str, factor: float, note: str = "", idempotency_key: str | None = None,
    ) -> CommandResult:
        """From now on travel in the zone takes `factor` times as long (1 is free flow); routes crossing it are
        re-planned by policy."""

        def body():  # type: ignore[no-untyped-def]
            area = self.existing_zone(v.text(zone, "zone", max_length=40))
            area.check_active()
            conditions = self.get_or_none(TrafficConditions.create_id()) or TrafficConditions()
            previous = conditions.factor(area.code)
            conditions.report(
                area.code, clean_factor(factor), self.clock.now(),
                v.text(note, "note", required=False, max_length=v.MAX_LONG_TEXT),
            )
            return [conditions], {"zone": area.code, "factor": conditions.factor(area.code), "previous": previous}

        return self.run_command("reportTraffic", body, idempotency_key)

    # -- reading -----------------------------------------------------------------------------------------

    def route_plan_run(self, plan: str, field: str = "plan") -> dict[str, Any]:
        """What an audit re-runs: the request exactly as recorded when planning started, and what was planned."""
        route_plan = self.existing_route_plan(plan, field)
        if route_plan.request is None or not route_plan.solver:
            raise PreconditionFailed(f"plan {plan} is {route_plan.status}: it has no planning run to re-run",
                                     field=field, plan=plan, current=route_plan.status)
        return {
            "plan": plan, "request": route_plan.request, "digest": route_plan.request_digest,
            "planned": {
                "routes": route_plan.routes, "left_out": route_plan.left_out, "solver": route_plan.solver,
            },
        }

    def existing_route_plan(self, plan: str, field: str = "plan") -> RoutePlan:
        return self.get_existing(RoutePlan.create_id(v.text(plan, field, max_length=64)), f"plan {plan}", field)

    def existing_warehouse(self, code: str, field: str = "warehouse") -> Warehouse:
        return self.get_existing(Warehouse.create_id(v.text(code, field, max_length=40)), f"warehouse {code}", field)

    def dispatch_board(self, warehouse: str) -> DispatchBoard:
        return self.get_or_none(DispatchBoard.create_id(warehouse)) or DispatchBoard(warehouse)

    # -- helpers ------------------------------------------------------------------------------------------

    @staticmethod
    def _pick(refs: Sequence[str], field: str, skip: bool, check: Any) -> tuple[list[str], list[str]]:
        chosen: list[str] = []
        skipped: list[str] = []
        for i, ref in enumerate(dict.fromkeys(refs)):
            try:
                chosen.append(check(ref, f"{field}.{i}"))
            except DomainError:
                if not skip:
                    raise
                skipped.append(str(ref))
        return chosen, skipped

    def _plan_window(self, start: datetime | None, end: datetime | None) -> tuple[datetime | None, datetime | None]:
        if start is None and end is None:
            return None, None
        if start is None or end is None:
            raise InvalidInput("a plan's window needs a start and an end", field="windowStart" if start is None
                               else "windowEnd")
        return v.window(start, end, "window")

    def _budget(
        self, time_limit_s: float | None, max_iterations: int | None, wave: bool, orders: int = 0,
    ) -> dict[str, Any]:
        """Iterations when asked for (repeatable), else seconds; a wave searches longer the more orders it has."""
        if max_iterations is not None:
            iterations = v.positive_int(max_iterations, "maxIterations")
            if iterations > MAX_ITERATIONS:
                raise InvalidInput(f"maxIterations is at most {MAX_ITERATIONS}", field="maxIterations")
            return {"time_limit_s": None, "max_iterations": iterations}
        if time_limit_s is not None:
            if isinstance(time_limit_s, bool) or not isinstance(time_limit_s, (int, float)) \
                    or not 0 < time_limit_s <= MAX_TIME_LIMIT_S:
                raise InvalidInput(
                    f"timeLimitSeconds is more than 0 and at most {MAX_TIME_LIMIT_S:g}", field="timeLimitSeconds",
                )
            return {"time_limit_s": float(time_limit_s), "max_iterations": None}
        if self.settings.planning_max_iterations is not None:
            return {"time_limit_s": None, "max_iterations": int(self.settings.planning_max_iterations)}
        if not wave:
            return {"time_limit_s": float(self.settings.planning_time_limit_seconds), "max_iterations": None}
        seconds = min(max(MIN_WAVE_SECONDS, self.settings.wave_seconds_per_order * orders),
                      self.settings.wave_time_limit_seconds)
        return {"time_limit_s": round(float(seconds), 3), "max_iterations": None}

    def _seed(self, seed: int | None) -> int:
        if seed is None:
            return int(self.settings.planning_seed)
        return v.non_negative_int(seed, "seed")

    def _check_plannable(
        self, number: str, warehouse: str, zones: Sequence[str], start: datetime | None, end: datetime | None,
        board: DispatchBoard, field: str, superseding: Sequence[str] = (),
    ) -> str:
        number = v.text(number, field, max_length=64)
        order = self.get_or_none(Order.create_id(number))
        if order is None:
            raise NotFound(f"order {number} not found", field=field, order=number)
        if order.status != PACKED:
            raise OrderNotReady(f"order {number} is {order.status}, not packed and ready for dispatch",
                                field=field, order=number, current=order.status)
        if order.assigned_plan is not None:
            raise OrderAlreadyPlanned(
                f"order {number} is already on courier {order.assigned_courier}'s route in plan {order.assigned_plan}",
                field=field, order=number, plan=order.assigned_plan,
            )
        ships_from = str(order.lines[0]["warehouse"])
        if ships_from != warehouse:
            raise InvalidInput(f"order {number} ships from {ships_from}, not {warehouse}", field=field, order=number)
        if zones and order.zone not in zones:
            raise InvalidInput(f"order {number} is in zone {order.zone}, outside the plan's zones", field=field,
                               order=number)
        if start is not None and end is not None and not (order.window_start < end and start < order.window_end):
            raise InvalidInput(f"order {number}'s promised window is outside the plan's window", field=field,
                               order=number)
        board.check_free(number, field, superseding)
        return number

    def _check_can_be_planned(self, reference: str, field: str) -> str:
        reference = v.text(reference, field, max_length=64)
        courier = self.get_or_none(Courier.create_id(reference))
        if courier is None:
            raise NotFound(f"courier {reference} not found", field=field, courier=reference)
        try:
            courier.check_can_take_work()
        except DomainError as refusal:
            raise CourierCannotBePlanned(refusal.message, field=field, courier=reference) from None
        shift = working_shift(courier, self.clock.now())
        if shift is None or shift.vehicle is None:
            raise CourierCannotBePlanned(
                f"courier {reference} has no shift with a vehicle ahead", field=field, courier=reference,
            )
        return reference

    def _replan(
        self, old: RoutePlan, board: DispatchBoard, reason: str, add_orders: Sequence[str],
        add_couriers: Sequence[str], seed: int | None, budget: dict[str, Any], plan_id: str,
    ) -> tuple[list[RoutePlan], RoutePlan]:
        if old.status != DISPATCHED:
            raise InvalidTransition(
                f"plan {old.plan} is {old.status}; only a plan on the road is re-planned", field="plan",
                plan=old.plan, current=old.status,
            )
        discarded: list[RoutePlan] = []
        earlier = board.open_replans.get(old.plan)
        if earlier is not None:
            superseded = self.get_or_none(RoutePlan.create_id(earlier))
            if superseded is not None and superseded.is_open:
                superseded.discard("superseded by a newer re-plan")
                board.release(earlier, superseded.orders, "superseded by a newer re-plan")
                discarded.append(superseded)
        remaining = []
        for number in old.remaining_orders():
            order = self.get_or_none(Order.create_id(number))
            if order is not None and order.status in (PACKED, HANDED_TO_COURIER, OUT_FOR_DELIVERY):
                remaining.append(number)
        added, _ = self._pick(
            add_orders, "addOrders", False,
            lambda number, field: self._check_plannable(
                number, old.warehouse, (), None, None, board, field, superseding=[earlier] if earlier else []),
        )
        extra, _ = self._pick(add_couriers, "addCouriers", False, self._check_can_be_planned)
        new = RoutePlan(
            plan=plan_id, warehouse=old.warehouse, zones=tuple(old.zones), window_start=old.window_start,
            window_end=old.window_end, orders=tuple(dict.fromkeys(remaining + added)),
            couriers=tuple(dict.fromkeys(old.route_couriers() + extra)), replaces=old.plan, reason=reason,
            automatic=old.automatic, auto_dispatch=old.auto_dispatch, seed=self._seed(seed), **budget,
        )
        board.hold(new.plan, added, old.plan)
        return discarded, new

    def _dispatch_automatically(self, route_plan: RoutePlan, board: DispatchBoard) -> list[RoutePlan]:
        """A wave's plan goes on the road by itself; one that routes nothing is discarded, freeing its orders.
        A re-plan whose plan has meanwhile left the road waits for a human."""
        if not route_plan.routes:
            route_plan.discard("nothing to dispatch: every order was left out")
            board.release(route_plan.plan, route_plan.orders, "plan discarded")
            return []
        replaced = self.existing_route_plan(route_plan.replaces) if route_plan.replaces else None
        if replaced is not None and replaced.status != DISPATCHED:
            return []
        route_plan.accept(automatic=True)
        route_plan.dispatch(replaced)
        if replaced is None:
            return []
        replaced.mark_replaced(route_plan.plan)
        return [replaced]

    def _route_still_ahead(self, courier: str, plan: str, replaces: str | None) -> list[tuple[float, float]]:
        """The rest of the route the courier is on now (another plan's, not finished): the new one follows it."""
        track = self.courier_track(courier, self.business_day(self.clock.now()))
        if track is None or track.plan in (None, plan, replaces):
            return []
        current = self.get_or_none(RoutePlan.create_id(track.plan))
        if current is None or current.status != DISPATCHED or courier in current.routes_done:
            return []
        route = next((r for r in current.routes if r["courier"] == courier), None)
        return current.route_points(route, remaining_only=True)[:-1] if route is not None else []

    def _plan_request(self, route_plan: RoutePlan, now: datetime):  # type: ignore[no-untyped-def]
        """The solver's question for this plan as the shop stands at `now` (see domain/planning.py)."""
        rules = PlanningRules.from_settings(self.settings)
        local = now.astimezone(ZoneInfo(rules.timezone))
        site = self.existing_warehouse(route_plan.warehouse)
        zone_map = self.get_or_none(ZoneMap.create_id())

        def zone_at(lat: float, lon: float) -> str | None:
            return zone_map.zone_at(lat, lon) if zone_map is not None else None

        depot = DepotSite(site.code, site.lat, site.lon, zone_at(site.lat, site.lon), site.opens, site.closes)
        board = self.dispatch_board(site.code)
        conditions = self.get_or_none(TrafficConditions.create_id())
        traffic = dict(conditions.factors) if conditions is not None else {}

        crew: list[tuple[Courier, Shift, Vehicle, VehicleKind]] = []
        for reference in route_plan.couriers:
            courier = self.get_or_none(Courier.create_id(reference))
            shift = working_shift(courier, now) if courier is not None and courier.status == ACTIVE else None
            vehicle = self.get_or_none(Vehicle.create_id(shift.vehicle)) if shift and shift.vehicle else None
            kind = self.get_or_none(VehicleType.create_id(vehicle.vehicle_type)) if vehicle is not None else None
            if courier is None or shift is None or vehicle is None or kind is None or not vehicle.in_service:
                continue
            crew.append((courier, shift, vehicle, VehicleKind(
                name=kind.name, capacity_kg=kind.capacity_kg, capacity_l=kind.capacity_l,
                kmh=float(kind.speed_at(local)), cost_per_km=kind.cost_per_km, cost_per_hour=kind.cost_per_hour,
                fixed_daily_cost=kind.fixed_daily_cost, skills=tuple(kind.skills),
            )))
        plates = {courier.reference: vehicle.plate for courier, _, vehicle, _ in crew}

        categories: dict[str, str] = {}
        deliveries: list[OrderToDeliver] = []
        carried: dict[str, list[str]] = defaultdict(list)
        for number in route_plan.orders:
            order = self.get_or_none(Order.create_id(number))
            if order is None:
                continue
            if order.status == PACKED and order.assigned_plan in (None, route_plan.replaces):
                on_board = None
            elif order.status in (HANDED_TO_COURIER, OUT_FOR_DELIVERY) and order.courier_id is not None:
                on_board = plates.get(order.courier_id, f"courier:{order.courier_id}")
                carried[order.courier_id].append(number)
            else:
                continue  # delivered, failed, cancelled or taken by another plan meanwhile: nothing to plan
            for line in order.lines:
                sku = str(line["sku"])
                if sku not in categories:
                    product = self.get_or_none(Product.create_id(sku))
                    categories[sku] = product.category if product is not None else ""
            deliveries.append(OrderToDeliver(
                number=number, lat=float(order.address["lat"]), lon=float(order.address["lon"]), zone=order.zone,
                weight_kg=order.weight_kg, volume_l=order.volume_l, window_start=order.window_start,
                window_end=order.window_end, skills=order_skills(order.lines, categories, rules), on_board=on_board,
            ))

        travel = travel_for([kind for *_, kind in crew], traffic, now, rules)
        home = Point.geo(site.lat, site.lon, zone=depot.zone)
        at_work: list[CourierAtWork] = []
        for courier, shift, vehicle, kind in crew:
            reference = courier.reference
            earlier = [route_plan.replaces] if route_plan.replaces else []
            available, back_by = board.free_window(reference, now, earlier)
            position = None
            # A courier free now may still be riding back: they leave the warehouse once there. (A courier with a
            # route still on the road is free once back: its end already counts the ride.)
            if route_plan.replaces is not None or carried[reference] or available <= now:
                seen = self.position_at(reference, now)
                recent = seen is not None \
                    and (now - seen["ping_at"]).total_seconds() <= self.settings.stale_position_seconds
                away = recent and float(haversine_m(seen["lat"], seen["lon"], site.lat, site.lon)) \
                    > self.settings.stop_radius_metres
                if away and carried[reference]:
                    position = (float(seen["lat"]), float(seen["lon"]), zone_at(seen["lat"], seen["lon"]))
                elif away:
                    here = Point.geo(seen["lat"], seen["lon"], zone=zone_at(seen["lat"], seen["lon"]))
                    available = max(available, now + timedelta(seconds=drive_seconds(travel, kind.name, here, home)))
            overtime = shift.end + timedelta(minutes=float(self.settings.route_overtime_minutes))
            until = min(overtime, back_by) if back_by is not None else overtime
            if max(available, shift.start) >= until and position is None:
                continue  # no time free for this plan before their next route or the end of their shift
            at_work.append(CourierAtWork(
                courier=reference, plate=vehicle.plate, kind=kind, skills=tuple(courier.skills),
                shift_start=shift.start, shift_end=until, available_from=available, position=position,
                on_the_road_today=board.on_the_road_since(reference, day_origin(now, rules.timezone), earlier),
            ))
        return build_request(
            depot, deliveries, at_work, traffic, now, rules, seed=route_plan.seed,
            time_limit_s=route_plan.time_limit_s, max_iterations=route_plan.max_iterations,
        )


def _budget_of(plan: RoutePlan) -> dict[str, Any]:
    """A re-plan searches as long as the plan it replaces did."""
    return {"time_limit_s": plan.time_limit_s, "max_iterations": plan.max_iterations}


def working_shift(courier: Courier, now: datetime) -> Shift | None:
    """The shift a plan made now counts on: the one under way, else the next one not yet over."""
    if courier.shift_in_progress is not None:
        return courier.shift_in_progress
    ahead = [s for s in courier.open_shifts.values() if s.end > now]
    return min(ahead, key=lambda s: s.start) if ahead else None


def _crosses(plan: RoutePlan, area: Any) -> bool:
    """Whether what is left of any route of the plan passes through the area (straight legs between stops)."""
    for route in plan.routes:
        if route["courier"] in plan.routes_done:
            continue
        points = plan.route_points(route, remaining_only=True)
        line = shapely.LineString([(lon, lat) for lat, lon in points]) if len(points) > 1 \
            else shapely.Point(points[0][1], points[0][0])
        if area.intersects(line):
            return True
    return False
