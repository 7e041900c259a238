"""Peisong's planning in a simulated day: a wave per zone (or warehouse) every few minutes, and a planning worker
that solves every plan asked for (waves, and the re-plans traffic reports cause) on an iteration budget.

These are the shop's own commands in the order its wave scheduler and planning worker give
them (request, claim, solve, record; the plan dispatches itself, a policy assigns its orders),
run at fixed simulated moments instead of on a timer, so a seed replays the same plans.

A wave offers the planner the couriers free to ride (at the counter, or riding back with an empty
box: the plan counts them from their return), and, with a lookahead, those whose routes end soon.
Ready orders wait up to `hold_minutes` for company unless one is due within `slack_minutes`:
orders that trickle in then share a trip instead of taking a trip each, for a few minutes more
waiting. The hold and the slack are the two levers of that trade (what-if levers too); the README
gives what the default pair measured.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Sequence

from domain.planning import solve_recorded
from domain.routing import PRODUCED
from sim.couriers import CourierAgent

if TYPE_CHECKING:
    from sim.simulator import DaySimulator, SimOrder

WORKER = "sim-planner"
LAST_WAVE = "22:30"
MIN_SHIFT_LEFT = timedelta(minutes=20)  # a courier about to clock out gets no new route


@dataclass(frozen=True)
class PlanningSettings:
    """The levers of Peisong's planning a what-if may pull."""

    wave_minutes: int = 3
    iterations: int = 300
    lookahead_minutes: int = 0  # couriers out on a route that ends within this are offered too, from their return
    hold_minutes: int = 20  # a scope's ready orders wait this long for company before a plan is asked...
    slack_minutes: int = 40  # ...unless one of them is due within this
    scope: str = "zone"  # one plan per zone, or per warehouse ("warehouse")
    seed: int = 1

    def __post_init__(self) -> None:
        if self.wave_minutes < 1 or self.iterations < 1:
            raise ValueError("waves come at least every minute and plans take at least one iteration")
        if min(self.hold_minutes, self.slack_minutes, self.lookahead_minutes) < 0:
            raise ValueError("hold, slack and lookahead are minutes from zero up")
        if self.scope not in ("warehouse", "zone"):
            raise ValueError("planning scope is 'warehouse' or 'zone'")


class PeisongPlanning:
    name = "peisong"

    def __init__(self, settings: PlanningSettings | None = None) -> None:
        self.settings = settings or PlanningSettings()
        self.solved: set[str] = set()
        self.plans = 0
        self.solve_seconds = 0.0

    def attach(self, sim: "DaySimulator") -> None:
        self.sim = sim
        first = min(c.post.shift_start for c in sim.couriers.values())
        last = sim.city.at(LAST_WAVE)
        step = timedelta(minutes=self.settings.wave_minutes)
        moment = first
        while moment <= last:
            sim.schedule(moment, self._wave)
            moment += step

    # -- the wave scheduler ---------------------------------------------------------------------

    def _wave(self) -> None:
        sim = self.sim
        if sim.closing:
            return
        ready: dict[str, list[str]] = {}
        for order in sim.orders.values():
            if order.status == "PACKED" and order.courier is None and not order.planned:
                ready.setdefault(self._scope_of(order), []).append(order.number)
        crews: dict[str, list[str]] = {}
        for ref, courier in sorted(sim.couriers.items()):
            if courier.on_shift and courier.post.shift_end - sim.now >= MIN_SHIFT_LEFT and self._offered(courier):
                if self.settings.scope == "zone":
                    crews.setdefault(courier.post.zone, []).append(ref)
                crews.setdefault(courier.post.warehouse, []).append(ref)  # a warehouse's unzoned orders: all hands
        asked = False
        for scope in sorted(ready):
            crew = crews.get(scope)
            if not crew or not self._due([sim.orders[n] for n in ready[scope]]):
                continue
            zone = sim.city.zones.get(scope)
            result = sim.app.request_route_plan(
                zone.warehouse if zone is not None else scope, ready[scope], crew,
                zones=[scope] if zone is not None else (),
                reason="wave", automatic=True, auto_dispatch=True, seed=self.settings.seed,
                max_iterations=self.settings.iterations, skip_unavailable=True,
                idempotency_key=f"sim:wave:{scope}:{sim.now.isoformat()}",
            )
            if result["plan"] is not None:
                self._solve(result["plan"])
                asked = True
        if asked:
            sim.decided()

    def _offered(self, courier: CourierAgent) -> bool:
        """Free to ride now, or back from the routes the shop gave them within the lookahead."""
        if courier.free:
            return True
        if not self.settings.lookahead_minutes:
            return False
        available, _ = self.sim.app.dispatch_board(courier.post.warehouse).free_window(courier.ref, self.sim.now)
        return available - self.sim.now <= timedelta(minutes=self.settings.lookahead_minutes)

    def _due(self, orders: Sequence["SimOrder"]) -> bool:
        """Whether the ready orders should go now: the oldest has waited `hold_minutes` since it was packed, or one
        is due within `slack_minutes`. Holding lets orders that trickle in share a trip instead of a trip each."""
        now = self.sim.now
        oldest = min(o.input.placed + timedelta(minutes=o.input.pick_min + o.input.pack_min) for o in orders)
        if now - oldest >= timedelta(minutes=self.settings.hold_minutes):
            return True
        return min(o.input.window_end for o in orders) - now <= timedelta(minutes=self.settings.slack_minutes)

    def _scope_of(self, order: "SimOrder") -> str:
        """Its zone, when waves go by zone and the zone is served from the warehouse the order ships from; else
        that warehouse (an unzoned order, or one zoned to another warehouse's area, still gets planned)."""
        zone = self.sim.city.zones.get(order.zone) if self.settings.scope == "zone" and order.zone else None
        return zone.code if zone is not None and zone.warehouse == order.warehouse else order.warehouse

    # -- the planning worker ------------------------------------------------------------------------

    def plans_requested(self, plans: Sequence[str]) -> None:
        """Plans the policies asked for (re-plans around traffic) are solved like the waves' own."""
        for plan in plans:
            if plan not in self.solved:
                self._solve(plan)

    def _solve(self, plan: str) -> None:
        app = self.sim.app
        self.solved.add(plan)
        claim = app.start_planning(plan, WORKER)
        started = time.perf_counter()
        try:
            solution = solve_recorded(claim["request"], seed=claim["seed"], time_limit_s=claim["timeLimitSeconds"],
                                      max_iterations=claim["maxIterations"])
        except Exception as failure:  # the solver's own refusal: recorded, and the orders go to the next wave
            app.fail_planning(plan, WORKER, f"{type(failure).__name__}: {failure}")
            return
        finally:
            self.solve_seconds += time.perf_counter() - started
        recorded = app.record_route_plan(plan, WORKER, solution)
        self.plans += 1
        if recorded["status"] == PRODUCED:
            # A re-plan whose plan finished meanwhile waits for a human: here the dispatcher lets it go.
            app.discard_route_plan(plan, "the route it would replace is already finished")

    # -- the world's moves it does not need ----------------------------------------------------------

    def order_placed(self, order: "SimOrder") -> None:
        return None

    def order_packed(self, order: "SimOrder") -> None:
        return None

    def shift_started(self, courier: CourierAgent) -> None:
        return None

    def courier_idle(self, courier: CourierAgent) -> None:
        return None

    def courier_back(self, courier: CourierAgent) -> None:
        return None

    def shift_ending(self, courier: CourierAgent) -> None:
        return None
