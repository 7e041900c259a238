"""The baseline dispatcher: the way many shops still dispatch, to measure Peisong's planning against.

Each order goes, the moment it is placed, to the nearest courier of its zone who is on shift
and has room left (kg and litres, and a vehicle that may carry its goods) in the trip being
filled: nearest to the warehouse, where the goods wait, from wherever the courier is now.
A courier sets off when the trip is full (90% of the kg or of the litres) or 20 minutes after
its first order, whichever comes first (and, if out on the road then, as soon as back), and
delivers in the order the orders arrived. An order no courier has room for waits for the next
trip that opens in its zone. Goods are handed over as they are packed while the courier waits
at the counter; the route is published to the courier's track when the trip leaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Sequence

from sim.city import VEHICLE_TYPES
from sim.couriers import BACK, LOAD, STOP, CourierAgent, Task
from solver.geo import haversine_m

if TYPE_CHECKING:
    from sim.simulator import DaySimulator, SimOrder

TRIP_WAIT = timedelta(minutes=20)
FULL_SHARE = 0.9
CAPACITY = {name: (float(kg), float(litres), frozenset(skills)) for name, kg, litres, *_, skills, _ in VEHICLE_TYPES}


@dataclass
class Trip:
    """The trip a courier is filling: its orders in the order they arrived."""

    orders: list[str] = field(default_factory=list)
    first_at: datetime | None = None
    kg: float = 0.0
    litres: float = 0.0


class BaselineDispatch:
    name = "baseline"

    def __init__(self) -> None:
        self.trips: dict[str, Trip] = {}
        self.waiting: dict[str | None, list[str]] = {}
        self.assigned: dict[str, str] = {}  # order -> courier, as decided
        self.departures: list[tuple[datetime, str, tuple[str, ...]]] = []
        self._serving: set[str | None] = set()

    def attach(self, sim: "DaySimulator") -> None:
        self.sim = sim
        self.trips = {ref: Trip() for ref in sim.couriers}

    # -- the rule ------------------------------------------------------------------------------------

    def order_placed(self, order: "SimOrder") -> None:
        if not self._assign(order):
            self.waiting.setdefault(order.zone, []).append(order.number)

    def _assign(self, order: "SimOrder") -> bool:
        courier = self.nearest_with_room(order)
        if courier is None:
            return False
        trip = self.trips[courier.ref]
        trip.orders.append(order.number)
        trip.kg += order.weight_kg
        trip.litres += order.volume_l
        self.assigned[order.number] = courier.ref
        if trip.first_at is None:
            trip.first_at = self.sim.now
            self.sim.schedule(self.sim.now + TRIP_WAIT, lambda: self._consider(courier))
        if order.status == "PACKED" and courier.idle and courier.at_warehouse:
            courier.collect(order.number)
        self._consider(courier)
        return True

    def nearest_with_room(self, order: "SimOrder") -> CourierAgent | None:
        """On shift, of the order's zone, room in the trip being filled, able to carry it; nearest the warehouse."""
        now = self.sim.now
        best: tuple[float, str] | None = None
        for ref, courier in self.sim.couriers.items():
            post = courier.post
            if post.zone != order.zone or not courier.on_shift or now >= post.shift_end:
                continue
            kg, litres, skills = CAPACITY[post.vehicle_type]
            trip = self.trips[ref]
            if not order.skills <= skills or trip.kg + order.weight_kg > kg or trip.litres + order.volume_l > litres:
                continue
            lat, lon, _ = courier.position(now)
            metres = float(haversine_m(lat, lon, courier.home.lat, courier.home.lon))
            if best is None or (metres, ref) < best:
                best = (metres, ref)
        return self.sim.couriers[best[1]] if best is not None else None

    def is_full(self, courier: CourierAgent) -> bool:
        kg, litres, _ = CAPACITY[courier.post.vehicle_type]
        trip = self.trips[courier.ref]
        return trip.kg >= FULL_SHARE * kg or trip.litres >= FULL_SHARE * litres

    def _consider(self, courier: CourierAgent) -> None:
        """Set off if the trip is full or has waited long enough, and the courier is at the counter with nothing to do."""
        trip = self.trips[courier.ref]
        if not trip.orders or not courier.idle or not courier.at_warehouse or trip.first_at is None:
            return
        if self.is_full(courier) or self.sim.now >= trip.first_at + TRIP_WAIT:
            self._depart(courier)

    def _depart(self, courier: CourierAgent) -> None:
        trip = self.trips[courier.ref]
        orders = list(trip.orders)
        self.trips[courier.ref] = Trip()
        self.departures.append((self.sim.now, courier.ref, tuple(orders)))
        points = [(courier.home.lat, courier.home.lon)]
        stops = [(self.sim.orders[n].input.lat, self.sim.orders[n].input.lon) for n in orders]
        self.sim.app.set_planned_route(courier.ref, [*points, *stops, *points], stops)
        courier.give(Task(None, [(LOAD, orders), *((STOP, n) for n in orders), (BACK, None)]))
        self._serve_waiting(courier.post.zone)

    def _serve_waiting(self, zone: str | None) -> None:
        """Waiting orders of the zone, first come first served, until one finds no room. A trip this sets off
        opens room that the loop already under way hands out: it is not re-entered."""
        if zone in self._serving:
            return
        self._serving.add(zone)
        try:
            queue = self.waiting.setdefault(zone, [])
            while queue:
                number = queue.pop(0)
                if not self._assign(self.sim.orders[number]):
                    queue.insert(0, number)
                    return
        finally:
            self._serving.discard(zone)

    # -- what the world tells it -----------------------------------------------------------------------

    def order_packed(self, order: "SimOrder") -> None:
        ref = self.assigned.get(order.number)
        if ref is None:
            return
        courier = self.sim.couriers[ref]
        if order.number in self.trips[ref].orders and courier.idle and courier.at_warehouse:
            courier.collect(order.number)
            self._consider(courier)

    def shift_started(self, courier: CourierAgent) -> None:
        self._serve_waiting(courier.post.zone)

    def courier_idle(self, courier: CourierAgent) -> None:
        for number in self.trips[courier.ref].orders:
            if self.sim.orders[number].status == "PACKED" and number not in courier.carrying:
                courier.collect(number)
        self._consider(courier)

    def courier_back(self, courier: CourierAgent) -> None:
        return None

    def shift_ending(self, courier: CourierAgent) -> None:
        """Clocking out with a trip half filled: it leaves now rather than never."""
        if self.trips[courier.ref].orders:
            self._depart(courier)

    def plans_requested(self, plans: Sequence[str]) -> None:
        return None
