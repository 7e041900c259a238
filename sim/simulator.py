"""The day simulator: a discrete-event run of one city day through the application's commands, on a manual clock.

The world plays its part (customers order, warehouse staff pick and pack, couriers clock in,
ride, deliver or fail, the weather turns and streets jam, customers complain, rate and send
goods back) at the moments the day's inputs say; the shop's decisions come from a dispatcher
(`sim.waves.PeisongPlanning`, the application's own planning waves, or `sim.baseline`) and
from the application's policies, which a policy runner follows at fixed simulated intervals.
Couriers learn their routes as a courier app would: from the plans dispatched in the log.

Everything is ordered by simulated time and a sequence number, and every draw comes from the
seed, so the same inputs and settings give the same log, event for event.
"""

from __future__ import annotations

import heapq
import time as wallclock
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Protocol, Sequence

from eventsourcing.utils import get_topic

from domain.app import Peisong
from domain.clock import ManualClock
from domain.delays import DeliveryDelay
from domain.errors import DomainError
from domain.routing import RoutePlan
from sim.city import City, rng_for
from sim.couriers import CourierAgent, task_from_route
from sim.inputs import DayInputs, OrderInput
from sim.movement import Road

DISPATCHED_TOPIC = get_topic(RoutePlan.RoutePlanDispatched)  # type: ignore[attr-defined]
REQUESTED_TOPIC = get_topic(RoutePlan.RoutePlanRequested)  # type: ignore[attr-defined]
DELAYED_TOPIC = get_topic(DeliveryDelay.DeliveryDelayed)  # type: ignore[attr-defined]
DAY_STARTS = "07:55"  # the simulated clock starts just before the first shifts
DAY_ENDS = "23:30"  # couriers still out finish, then the day is over
COMPLAINT_CHANCE = 0.5  # a customer kept waiting past their patience complains this often...
COMPLAINT_CHANCE_WHEN_TOLD = 0.25  # ...and half as often when the shop told them of the delay in time


@dataclass
class SimOptions:
    ping_seconds: int = 60  # a courier's phone takes a fix this often
    upload_minutes: int = 5  # and uploads its fixes this often
    policy_seconds: int = 30  # the policies catch up with the log this often
    worker_minutes: int = 1  # the worker's periodic checks (delays, stale positions, case SLAs)
    pace: float | None = None  # None: as fast as possible; 1.0: real time (live)
    run_worker: bool = True  # policies and periodic checks; False when a server's own worker runs them (live)


@dataclass
class SimOrder:
    input: OrderInput
    status: str = "PLANNED"
    warehouse: str = ""
    zone: str | None = None
    weight_kg: float = 0.0
    volume_l: float = 0.0
    skills: frozenset[str] = frozenset()
    courier: str | None = None
    planned: bool = False  # on a dispatched route
    delivered_at: datetime | None = None
    told_late_at: datetime | None = None

    @property
    def number(self) -> str:
        return self.input.number

    @property
    def done(self) -> bool:
        return self.status in ("DELIVERED", "RETURNED", "DELIVERY_FAILED", "CANCELLED", "REFUSED")


class Dispatcher(Protocol):
    """Who decides which courier takes which order: the shop's planning waves, or the baseline's rule."""

    name: str

    def attach(self, sim: "DaySimulator") -> None: ...
    def order_placed(self, order: SimOrder) -> None: ...
    def order_packed(self, order: SimOrder) -> None: ...
    def shift_started(self, courier: CourierAgent) -> None: ...
    def courier_idle(self, courier: CourierAgent) -> None: ...
    def courier_back(self, courier: CourierAgent) -> None: ...
    def shift_ending(self, courier: CourierAgent) -> None: ...
    def plans_requested(self, plans: Sequence[str]) -> None: ...


Progress = Callable[["DaySimulator"], None]


class DaySimulator:
    def __init__(
        self,
        app: Peisong,
        clock: ManualClock | None,
        city: City,
        inputs: DayInputs,
        dispatcher: Dispatcher,
        options: SimOptions | None = None,
        follow_policies: Callable[[], None] | None = None,
        progress: Progress | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        self.app, self.clock, self.city, self.inputs = app, clock, city, inputs
        self.dispatcher = dispatcher
        self.options = options or SimOptions()
        self.follow_policies = follow_policies
        self.progress = progress or (lambda sim: None)
        self.stop = stop or (lambda: False)
        self.seed = inputs.seed
        self.road = Road(inputs.seed, float(app.settings.detour_factor), inputs.weather, inputs.incidents)
        self.orders = {o.number: SimOrder(o) for o in inputs.orders}
        self.couriers = {ref: CourierAgent(self, post) for ref, post in city.couriers.items()}
        self.queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self._seq = 0
        self._now = city.at(DAY_STARTS)
        self._dirty = False
        self._log_position = app.head_position()
        self._reported: dict[str, float] = {}
        self._uploaded_until: datetime | None = None
        self._catalogue = {item.sku: item for item in city.catalogue}
        self.closing = False
        self.finished = 0
        self.on_time = 0
        self.events_run = 0

    # -- time ---------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._now

    def schedule(self, at: datetime, action: Callable[[], None]) -> None:
        self._seq += 1
        heapq.heappush(self.queue, (max(at, self._now), self._seq, action))

    def run(self) -> "DaySimulator":
        """Play the whole day; returns when every courier has gone home and nothing is left to happen."""
        self._schedule_day()
        self.dispatcher.attach(self)
        started_wall = wallclock.monotonic()
        started_sim = self._now
        while self.queue and not self.stop():
            at, _, action = heapq.heappop(self.queue)
            if self.options.pace:
                self._wait_for(at, started_sim, started_wall)
            self._now = at
            if self.clock is not None:
                self.clock.set(at)
            action()
            self.events_run += 1
        self.catch_up()
        return self

    def _wait_for(self, at: datetime, started_sim: datetime, started_wall: float) -> None:
        due = started_wall + (at - started_sim).total_seconds() / float(self.options.pace or 1.0)
        while not self.stop() and (left := due - wallclock.monotonic()) > 0:
            wallclock.sleep(min(left, 0.5))

    # -- the day's calendar ----------------------------------------------------------------------

    def _schedule_day(self) -> None:
        for order in self.orders.values():
            self.schedule(order.input.placed, lambda o=order: self._place(o))
        for courier in self.couriers.values():
            late = timedelta(minutes=_lateness(self.seed, courier.ref))
            self.schedule(courier.post.shift_start + late, lambda c=courier: self._start_shift(c))
            self.schedule(courier.post.shift_end, lambda c=courier: c.wake())
        first = min(c.post.shift_start for c in self.couriers.values())
        self._every(first, timedelta(minutes=self.options.upload_minutes), self._upload)
        self._every(first, timedelta(seconds=self.options.policy_seconds), self._policy_tick)
        self._every(first, timedelta(minutes=self.options.worker_minutes), self._worker_duties)
        self.schedule(self.city.at(DAY_ENDS), self._close)
        for spell in self.inputs.weather:
            lag = timedelta(minutes=spell.report_lag_min)
            self.schedule(datetime.fromisoformat(spell.start) + lag, self._report_conditions)
            self.schedule(datetime.fromisoformat(spell.end) + lag, self._report_conditions)
        for incident in self.inputs.incidents:
            lag = timedelta(minutes=incident.report_lag_min)
            self.schedule(datetime.fromisoformat(incident.start) + lag, self._report_conditions)
            self.schedule(datetime.fromisoformat(incident.end) + lag, self._report_conditions)

    def _every(self, first: datetime, interval: timedelta, action: Callable[[], None]) -> None:
        def tick(at: datetime = first) -> None:
            action()
            if not self._all_gone():
                self.schedule(at + interval, lambda: tick(at + interval))

        self.schedule(first, tick)

    def _all_gone(self) -> bool:
        return self.closing and all(not c.on_shift for c in self.couriers.values())

    def _close(self) -> None:
        """Late evening: couriers finish what they carry and go home; no new work is handed out."""
        self.closing = True
        for courier in self.couriers.values():
            courier.wake()

    # -- the world's moves ----------------------------------------------------------------------

    def _place(self, order: SimOrder) -> None:
        i = order.input
        try:
            placed = self.app.place_order(
                i.customer, list(i.lines), {"label": "home", "lat": i.lat, "lon": i.lon},
                i.placed, i.window_end, require_delivery_code=i.needs_code, number=i.number,
                idempotency_key=f"sim:place:{i.number}",
            )
        except DomainError:
            order.status = "REFUSED"  # out of stock, say: the customer gets an apology, not a courier
            self._finished(order)
            return
        placed_order = self.app.existing_order(i.number)
        order.status = "PLACED"
        order.zone = placed.data.get("zone")
        order.warehouse = str(placed_order.lines[0]["warehouse"])
        order.weight_kg = float(placed_order.weight_kg)
        order.volume_l = float(placed_order.volume_l)
        order.skills = self._skills(placed_order.lines)
        self._dirty = True
        self.dispatcher.order_placed(order)
        self.schedule(self.now + timedelta(minutes=i.pick_min), lambda: self._pick(order))
        behaviour = i.behaviour
        self.schedule(i.window_end + timedelta(minutes=behaviour.patience_min), lambda: self._maybe_complain(order))

    def _skills(self, lines: Sequence[dict[str, Any]]) -> frozenset[str]:
        needed = set()
        for line in lines:
            item = self._catalogue[str(line["sku"])]
            if item.category in self.app.settings.cold_chain_categories:
                needed.add("cold_chain")
            if float(item.volume_l) >= self.app.settings.bulky_unit_litres:
                needed.add("bulky")
        return frozenset(needed)

    def _pick(self, order: SimOrder) -> None:
        self.app.pick_order(order.number, picker=f"picker@{order.warehouse}")
        order.status = "PICKED"
        self.schedule(self.now + timedelta(minutes=order.input.pack_min), lambda: self._pack(order))

    def _pack(self, order: SimOrder) -> None:
        self.app.pack_order(order.number, packer=f"packer@{order.warehouse}")
        order.status = "PACKED"
        self._dirty = True
        self.dispatcher.order_packed(order)

    def _start_shift(self, courier: CourierAgent) -> None:
        if self.closing:
            return
        self.app.start_shift(courier.ref, courier.post.shift)
        courier.start()
        self.dispatcher.shift_started(courier)

    def courier_left(self, courier: CourierAgent) -> None:
        self._dirty = True

    def reach_stop(self, plan: str, order: str, courier: str) -> None:
        """The courier's app reports arrival on the route it rides; a re-plan that left the stop out (the goods
        stay in the box all the same) refuses it, and the courier delivers anyway."""
        try:
            self.app.reach_stop(plan, order, courier)
        except DomainError:
            return

    def delivered(self, order: SimOrder) -> None:
        order.status = "DELIVERED"
        order.delivered_at = self.now
        self._dirty = True
        self._finished(order)
        behaviour = order.input.behaviour
        if behaviour.rates:
            self.schedule(self.now + timedelta(minutes=behaviour.rates_after_min), lambda: self._rate(order))
        if behaviour.returns:
            self.schedule(self.now + timedelta(minutes=behaviour.returns_after_min), lambda: self._send_back(order))

    def failed(self, order: SimOrder) -> None:
        self._dirty = True
        self._finished(order)

    def _finished(self, order: SimOrder) -> None:
        self.finished += 1
        if order.delivered_at is not None and order.delivered_at <= order.input.window_end:
            self.on_time += 1
        self.progress(self)

    # -- customers' reactions --------------------------------------------------------------------

    def _maybe_complain(self, order: SimOrder) -> None:
        """Still waiting past their patience: some complain, fewer when the shop warned them in time."""
        if order.status in ("DELIVERED", "CANCELLED", "REFUSED"):
            return
        told = order.told_late_at is not None and order.told_late_at <= order.input.window_end
        chance = COMPLAINT_CHANCE_WHEN_TOLD if told else COMPLAINT_CHANCE
        if order.input.behaviour.complains >= chance:
            return
        late = self.now - order.input.window_end
        self.app.open_case(
            order.input.customer, "complaint", "app", "late",
            f"Order {order.number} promised by {order.input.window_end:%H:%M} has not come "
            f"({int(late.total_seconds() // 60)} minutes late).",
            order=order.number, number=f"CASE-{order.number}", idempotency_key=f"sim:complain:{order.number}",
        )
        self._dirty = True

    def _rate(self, order: SimOrder) -> None:
        if order.delivered_at is None:
            return
        late_min = (order.delivered_at - order.input.window_end).total_seconds() / 60
        stars = 5 if late_min <= 0 else 4 if late_min <= 15 else 3 if late_min <= 45 else 2
        if order.input.behaviour.rating_draw < 0.2:
            stars = max(stars - 1, 1)
        self.app.rate_delivery(order.number, stars, "" if stars >= 4 else "too slow", customer=order.input.customer,
                               idempotency_key=f"sim:rate:{order.number}")

    def _send_back(self, order: SimOrder) -> None:
        try:
            self.app.request_aftersales(order.number, "return", customer=order.input.customer,
                                        idempotency_key=f"sim:return:{order.number}")
        except DomainError:
            return  # outside the category's return window: the shop says no, and so does the log
        self._dirty = True

    # -- weather and traffic, as the shop hears of them -------------------------------------------

    def _report_conditions(self) -> None:
        """Tell the shop each zone's traffic as it now stands (rain everywhere, jams where they are), when it changed."""
        now = self.now
        weather = 1.0
        for spell in self.inputs.weather:
            lag = timedelta(minutes=spell.report_lag_min)
            if datetime.fromisoformat(spell.start) + lag <= now < datetime.fromisoformat(spell.end) + lag:
                weather = max(weather, spell.reported_factor)
        factors = {zone: weather for zone in self.city.zones}
        for incident in self.inputs.incidents:
            lag = timedelta(minutes=incident.report_lag_min)
            if datetime.fromisoformat(incident.start) + lag <= now < datetime.fromisoformat(incident.end) + lag:
                zone = self.city.zone_at(incident.lat, incident.lon)
                if zone is not None:
                    factors[zone] = round(max(factors[zone], weather * incident.factor), 3)
        for zone in sorted(factors):
            if abs(factors[zone] - self._reported.get(zone, 1.0)) > 1e-9:
                self.app.report_traffic(zone, factors[zone], "dispatcher's report",
                                        idempotency_key=f"sim:traffic:{zone}:{now.isoformat()}")
                self._reported[zone] = factors[zone]
                self._dirty = True

    # -- positions ----------------------------------------------------------------------------------

    def _upload(self) -> None:
        """Every phone on shift uploads the fixes it took since the last upload, all in one batch."""
        now = self.now
        since = self._uploaded_until
        reports = []
        step = timedelta(seconds=self.options.ping_seconds)
        for ref in sorted(self.couriers):
            courier = self.couriers[ref]
            if courier.started_at is None:
                continue
            begin = max(since or courier.started_at, courier.started_at)
            end = min(now, courier.ended_at or now)
            moment = begin + step if since is not None else begin
            pings = []
            while moment <= end:
                lat, lon, speed = courier.position(moment)
                pings.append({"at": moment, "lat": round(lat, 6), "lon": round(lon, 6),
                              "speed": round(speed, 2), "accuracy": 8.0})
                moment += step
            if pings:
                reports.append((ref, pings))
            courier.forget_legs_before(now)
        self._uploaded_until = now
        if reports:
            self.app.report_positions_batch(reports)
            self._dirty = True

    # -- the shop's side: policies, the worker's checks, plans in the log ----------------------------

    def _policy_tick(self) -> None:
        if self._dirty or not self.options.run_worker:  # a server's worker writes whether we did or not
            self.catch_up()

    def catch_up(self) -> None:
        """Policies follow the log up to now; then couriers pick up any routes dispatched meanwhile."""
        for _ in range(10):
            if self.options.run_worker and self.follow_policies is not None:
                self.follow_policies()
            self._dirty = False
            if not self._read_log():
                return

    def decided(self) -> None:
        """A dispatcher has just recorded decisions: let the policies and couriers act on them at once."""
        self.catch_up()

    def _read_log(self) -> bool:
        """Plans dispatched (routes to ride), plans requested (for the planner) and delay notices (for
        customers); True if anything here made new commands that policies should see."""
        app = self.app
        head = app.head_position()
        if head <= self._log_position:
            return False
        topics = [DISPATCHED_TOPIC, REQUESTED_TOPIC, DELAYED_TOPIC]
        requested: list[str] = []
        acted = False
        start = self._log_position
        while True:
            page = app.recorder.select_notifications(start=start, limit=1000, stop=head, topics=topics,
                                                     inclusive_of_start=False)
            for notification in page:
                event = app.decode(notification)
                if notification.topic == DISPATCHED_TOPIC:
                    self._routes_dispatched(app.repository.get(event.originator_id))
                    acted = True
                elif notification.topic == REQUESTED_TOPIC:
                    requested.append(event.plan)
                else:
                    order = self.orders.get(getattr(event, "order", ""))
                    if order is not None and order.told_late_at is None:
                        order.told_late_at = self.now
            if len(page) < 1000:
                break
            start = page[-1].id
        self._log_position = head
        if requested:
            self.dispatcher.plans_requested(requested)
            acted = True
        return acted

    def _routes_dispatched(self, plan: RoutePlan) -> None:
        if plan.replaces is not None:
            riding = set(plan.route_couriers())
            for ref, courier in self.couriers.items():
                if ref not in riding:
                    courier.withdraw(plan.replaces, plan.plan)
            routed = set(plan.routed_orders())
            for number in self.app.existing_route_plan(plan.replaces).orders:
                order = self.orders.get(number)
                if order is not None and number not in routed and order.status == "PACKED":
                    order.planned = False  # the re-plan left it at the counter: the next wave plans it again
        for route in plan.routes:
            courier = self.couriers.get(route["courier"])
            if courier is None:
                continue
            task = task_from_route(plan.plan, route)
            for number in plan.routed_orders(route):
                if number in self.orders:
                    self.orders[number].planned = True
            if plan.replaces is not None:
                courier.replace(plan.replaces, task)
            else:
                courier.give(task)

    def _worker_duties(self) -> None:
        """What `peisong serve`'s worker does on its timers, done here at fixed simulated moments."""
        app = self.app
        if not self.options.run_worker:
            return
        minute = int((self.now - self.city.at("00:00")).total_seconds() // 60)
        app.check_delivery_delays()
        if minute % 5 == 0:
            on_shift = [ref for ref, c in sorted(self.couriers.items()) if c.on_shift]
            if on_shift:
                app.check_stale_positions(on_shift)
            app.check_case_slas()
        self._dirty = True


def _lateness(seed: int, courier: str) -> float:
    """Minutes a courier clocks in after the shift's start: most are on time, a few are not."""
    draw = rng_for(seed, "clock-in", courier)
    return round(draw.uniform(0, 3) if draw.random() < 0.8 else draw.uniform(3, 15), 2)
