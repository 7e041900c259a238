"""Simulated couriers: each rides the tasks it is given (a dispatched plan's route, or a baseline trip) step by step,
calling the application's commands at the moments things happen on the street.

A task is a list of steps: `load` (at the warehouse: take these orders, waiting for any still
being packed), `stop` (ride to the customer and hand the order over, or fail), `back` (ride to
the warehouse and hand back what could not be delivered). A re-plan swaps the steps still ahead
of a task for the new route's; the step under way finishes first, as it would on the street.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Generator

from sim.city import CourierPost, rng_for
from sim.movement import Leg, Place

if TYPE_CHECKING:
    from sim.simulator import DaySimulator, SimOrder

LOAD, STOP, BACK = "load", "stop", "back"
PACKING_POLL = timedelta(seconds=30)  # how often a courier waiting at the counter looks again
ABSENT_WAIT = timedelta(minutes=4)  # ringing, calling, waiting before giving up on an absent customer
WRONG_ADDRESS_WAIT = timedelta(minutes=6)

# What a courier's life yields: a moment to be woken at, or None to wait for new work.
Wake = datetime | None


@dataclass
class Task:
    """Work for one courier: the plan it comes from (None for the baseline's trips) and its steps."""

    plan: str | None
    steps: list[tuple[str, Any]]


def task_from_route(plan: str, route: dict[str, Any]) -> Task:
    """A dispatched route as steps: trips split at reloads; a route starting away from the warehouse begins
    with what the courier already carries, so its first trip loads nothing."""
    trips: list[list[str]] = [[]]
    for visit in route["visits"]:
        if visit["kind"] == "reload":
            trips.append([])
        elif visit["kind"] == "delivery":
            trips[-1].append(visit["ref"])
    away = str(route.get("start", "")).startswith("@vehicle:")
    steps: list[tuple[str, Any]] = []
    for k, orders in enumerate(trips):
        if k > 0:
            steps.append((BACK, None))
        if not (k == 0 and away):
            steps.append((LOAD, orders))
        steps.extend((STOP, order) for order in orders)
    steps.append((BACK, None))
    return Task(plan, steps)


@dataclass
class CourierAgent:
    sim: "DaySimulator"
    post: CourierPost
    place: Place = field(init=False)
    tasks: list[Task] = field(default_factory=list)
    carrying: set[str] = field(default_factory=set)
    legs: list[Leg] = field(default_factory=list)
    on_shift: bool = False
    off_duty: bool = False
    idle: bool = False
    started_at: datetime | None = None
    ended_at: datetime | None = None
    _life: Generator[Wake, None, None] | None = None

    def __post_init__(self) -> None:
        site = self.sim.city.sites[self.post.warehouse]
        self.home = Place(site.code, site.lat, site.lon)
        self.place = self.home

    @property
    def ref(self) -> str:
        return self.post.reference

    @property
    def at_warehouse(self) -> bool:
        return self.place == self.home and not self.moving(self.sim.now)

    @property
    def free(self) -> bool:
        """Nothing left to do but ride back to the warehouse (or already there)."""
        return all(kind == BACK for task in self.tasks for kind, _ in task.steps)

    def moving(self, at: datetime) -> bool:
        return bool(self.legs) and self.legs[-1].start <= at < self.legs[-1].end

    # -- the dispatcher's side --------------------------------------------------------------

    def start(self) -> None:
        """Clock in: the courier's life begins at the warehouse."""
        self.on_shift = True
        self.started_at = self.sim.now
        self._life = self._lives()
        self._resume()

    def give(self, task: Task) -> None:
        self.tasks.append(self._ours(task))
        self.wake()

    def replace(self, old_plan: str, task: Task) -> None:
        """A re-plan's route takes the place of the old plan's steps still ahead (or joins the queue)."""
        task = self._ours(task)
        for current in self.tasks:
            if current.plan == old_plan:
                current.plan = task.plan
                current.steps[:] = [s for s in task.steps if not self._done(s)]
                self.wake()
                return
        self.give(task)

    def withdraw(self, old_plan: str, new_plan: str) -> None:
        """A re-plan left this courier out: what the old route still asked of them goes to others,
        except the goods already in their box (a re-plan never moves those) and the ride home."""
        for current in self.tasks:
            if current.plan == old_plan:
                current.plan = new_plan
                current.steps[:] = [s for s in current.steps if s[0] == STOP and s[1] in self.carrying] + [(BACK, None)]
                self.wake()

    def _ours(self, task: Task) -> Task:
        """The route's stops for orders of the simulated day: a plan a dispatcher asked for by hand in a live day
        on the demo shop may route the demo's own orders too, which nobody in this world placed or will load."""
        steps: list[tuple[str, Any]] = []
        for kind, what in task.steps:
            if kind == LOAD:
                steps.append((kind, [n for n in what if n in self.sim.orders]))
            elif kind != STOP or what in self.sim.orders:
                steps.append((kind, what))
        return Task(task.plan, steps)

    def wake(self) -> None:
        if self.idle and self._life is not None:
            self.idle = False
            self.sim.schedule(self.sim.now, self._resume)

    def position(self, at: datetime) -> tuple[float, float, float]:
        """(lat, lon, speed m/s) at a moment since the last upload."""
        for leg in reversed(self.legs):
            if leg.start <= at:
                if at < leg.end:
                    lat, lon = leg.position(at)
                    return lat, lon, leg.speed_ms()
                return leg.destination.lat, leg.destination.lon, 0.0
        return self.anchor.lat, self.anchor.lon, 0.0

    def forget_legs_before(self, moment: datetime) -> None:
        """Legs over before the last upload are told already; keep where the last of them ended."""
        while len(self.legs) > 1 and self.legs[0].end <= moment and self.legs[1].start <= moment:
            self.legs.pop(0)

    @property
    def anchor(self) -> Place:
        return self.legs[0].origin if self.legs else self.place

    def room_used(self) -> tuple[float, float]:
        orders = [self.sim.orders[n] for n in self.carrying]
        return sum(o.weight_kg for o in orders), sum(o.volume_l for o in orders)

    # -- living --------------------------------------------------------------------------------

    def _resume(self) -> None:
        if self._life is None:
            return
        try:
            wake = next(self._life)
        except StopIteration:
            self._life = None
            return
        if wake is None:
            self.idle = True
            self.sim.dispatcher.courier_idle(self)
        else:
            self.sim.schedule(wake, self._resume)

    def _lives(self) -> Generator[Wake, None, None]:
        app = self.sim.app
        while True:
            if self.tasks and not self.tasks[0].steps:
                self.tasks.pop(0)
                continue
            if not self.tasks:
                if self.place != self.home:
                    yield from self._back()
                if self.sim.now >= self.post.shift_end or self.sim.closing:
                    self.sim.dispatcher.shift_ending(self)
                    if self.tasks:
                        continue
                    app.end_shift(self.ref)
                    self.on_shift, self.off_duty, self.ended_at = False, True, self.sim.now
                    self.sim.courier_left(self)
                    return
                yield None
                continue
            task = self.tasks[0]
            kind, what = task.steps.pop(0)
            if kind == LOAD:
                yield from self._load(what)
            elif kind == STOP:
                yield from self._stop(task, what)
            else:
                yield from self._back()

    def _ride(self, to: Place) -> Generator[Wake, None, None]:
        leg = self.sim.road.ride(self.ref, self.post.vehicle_type, self.place, to, self.sim.now)
        self.legs.append(leg)
        self.place = to
        yield leg.end

    def _back(self) -> Generator[Wake, None, None]:
        if self.place != self.home:
            yield from self._ride(self.home)
        for number in sorted(self.carrying):
            order = self.sim.orders[number]
            if order.status == "DELIVERY_FAILED":
                self.sim.app.return_order_to_warehouse(number, "brought back after a failed delivery")
                order.status = "RETURNED"
                self.carrying.discard(number)
        self.sim.dispatcher.courier_back(self)

    def _load(self, numbers: list[str]) -> Generator[Wake, None, None]:
        if self.place != self.home:
            yield from self._back()
        wanted = [n for n in numbers if n not in self.carrying]
        while any(self.sim.orders[n].status in ("PLACED", "PICKED") for n in wanted):
            yield self.sim.now + PACKING_POLL
        taken = [n for n in wanted if self.sim.orders[n].status == "PACKED"]
        for number in taken:
            self.collect(number)
        if taken:  # goods already put in the box at the counter (the baseline's way) need no loading
            loading = self.sim.app.settings.depot_loading_seconds * rng_for(
                self.sim.seed, "loading", self.ref, self.sim.now.isoformat()).uniform(0.7, 1.3)
            yield self.sim.now + timedelta(seconds=round(loading, 3))
        for number in sorted(self.carrying):
            order = self.sim.orders[number]
            if order.status == "HANDED_TO_COURIER":
                self.sim.app.send_order_out_for_delivery(number)
                order.status = "OUT_FOR_DELIVERY"

    def collect(self, number: str) -> None:
        """The goods of one order go into the courier's box at the counter."""
        self.sim.app.hand_order_to_courier(number, self.ref)
        order = self.sim.orders[number]
        order.status = "HANDED_TO_COURIER"
        order.courier = self.ref
        self.carrying.add(number)

    def _stop(self, task: Task, number: str) -> Generator[Wake, None, None]:
        order = self.sim.orders[number]
        if number not in self.carrying or order.status != "OUT_FOR_DELIVERY":
            return
        yield from self._ride(Place(number, order.input.lat, order.input.lon))
        if task.plan is not None:  # read on arrival: a re-plan may have taken over the route on the way
            self.sim.reach_stop(task.plan, number, self.ref)
        behaviour = order.input.behaviour
        now = self.sim.now
        if behaviour.wrong_address:
            yield now + WRONG_ADDRESS_WAIT
            self._fail(order, "wrong address")
            return
        if behaviour.away_from is not None and \
                datetime.fromisoformat(behaviour.away_from) <= now < datetime.fromisoformat(behaviour.away_until):
            yield now + ABSENT_WAIT
            self._fail(order, "customer absent")
            return
        service = self.sim.app.settings.stop_service_seconds * rng_for(self.sim.seed, "service", number).uniform(0.6, 1.4)
        yield now + timedelta(seconds=round(service, 3))
        app = self.sim.app
        code = app.delivery_code_for(number)
        if code is not None:
            app.deliver_order(number, "code", code)
        else:
            app.deliver_order(number, "photo", f"pod/{number}.jpg")
        self.carrying.discard(number)
        self.sim.delivered(order)

    def _fail(self, order: "SimOrder", reason: str) -> None:
        self.sim.app.fail_delivery(order.number, reason)
        order.status = "DELIVERY_FAILED"
        self.sim.failed(order)

    def _done(self, step: tuple[str, Any]) -> bool:
        kind, what = step
        if kind == STOP:
            return self.sim.orders[what].status not in ("PACKED", "HANDED_TO_COURIER", "OUT_FOR_DELIVERY")
        return False
