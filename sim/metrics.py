"""The figures a day is judged by, read back from the store's event log of the run, never from the simulator's memory.

Every figure counts from the moment an order was placed (its `OrderPlaced` business time):
delivery time to `OrderDelivered`, assignment to the first fact naming its courier (a
dispatched plan's `OrderAssigned`, or the goods `OrderHandedToCourier`, whichever comes first;
a dispatcher's unrecorded intention is not a fact). Kilometres are ridden kilometres: the
accepted pings of each courier's track, a move counted only once it leaves the fixes' own
accuracy, as the courier performance read model counts them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any, Iterable, Iterator

import numpy as np
from eventsourcing.utils import get_topic

from domain.cases import CustomerCase
from domain.couriers import Courier
from domain.delays import DeliveryDelay
from domain.locations import CourierTrack
from domain.orders import Order
from domain.ratings import DeliveryRating
from solver.geo import haversine_m


def _topic(cls: type, name: str) -> str:
    return get_topic(getattr(cls, name))


PLACED = _topic(Order, "OrderPlaced")
ASSIGNED = _topic(Order, "OrderAssigned")
HANDED = _topic(Order, "OrderHandedToCourier")
DELIVERED = _topic(Order, "OrderDelivered")
FAILED = _topic(Order, "DeliveryFailed")
TRACK_OPENED = _topic(CourierTrack, "CourierTrackOpened")
POSITIONS = _topic(CourierTrack, "PositionsReported")
SHIFT_STARTED = _topic(Courier, "ShiftStarted")
SHIFT_ENDED = _topic(Courier, "ShiftEnded")
DELAYED = _topic(DeliveryDelay, "DeliveryDelayed")
COMPLAINED = _topic(CustomerCase, "ComplaintOpened")
RATED = _topic(DeliveryRating, "DeliveryRated")
TOPICS = (PLACED, ASSIGNED, HANDED, DELIVERED, FAILED, TRACK_OPENED, POSITIONS, SHIFT_STARTED, SHIFT_ENDED,
          DELAYED, COMPLAINED, RATED)


@dataclass(frozen=True)
class Figure:
    label: str
    unit: str
    better: str  # "lower" or "higher"
    digits: int


# The figures in the order the comparison prints them.
FIGURES: dict[str, Figure] = {
    "km_per_vehicle_day": Figure("km per vehicle-day", "km", "lower", 1),
    "mean_delivery_min": Figure("mean delivery time", "min", "lower", 1),
    "p95_delivery_min": Figure("p95 delivery time", "min", "lower", 1),
    "on_time_rate": Figure("on-time rate", "%", "higher", 1),
    "orders_per_courier_hour": Figure("orders per courier-hour", "", "higher", 2),
    "p95_assignment_s": Figure("p95 order to assignment", "s", "lower", 0),
    "delay_notices": Figure("delay notices sent", "", "higher", 0),
    "complaints": Figure("complaints", "", "lower", 0),
    "orders": Figure("orders placed", "", "higher", 0),
    "delivered": Figure("orders delivered", "", "higher", 0),
    "failed_attempts": Figure("failed attempts", "", "lower", 0),
    "mean_stars": Figure("mean rating", "stars", "higher", 2),
}


@dataclass(frozen=True)
class DayFigures:
    km_per_vehicle_day: float
    mean_delivery_min: float
    p95_delivery_min: float
    on_time_rate: float  # percent of orders placed that were delivered within their promised window
    orders_per_courier_hour: float
    p95_assignment_s: float
    delay_notices: int
    complaints: int
    orders: int
    delivered: int
    failed_attempts: int
    mean_stars: float
    vehicle_days: int
    km_total: float
    courier_hours: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DayFigures":
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass
class _Order:
    placed: datetime
    window_end: datetime
    assigned: datetime | None = None
    delivered: datetime | None = None


def measure(app: Any, after: int = 0, until: datetime | None = None) -> DayFigures:
    """The day's figures from the log past position `after` (where the day began); shifts still running count
    until `until` (default: the last event's time)."""
    orders: dict[Any, _Order] = {}  # by the order's aggregate id
    courier_of_track: dict[Any, str] = {}
    pings: dict[str, list[dict[str, Any]]] = defaultdict(list)
    shift_start: dict[str, datetime] = {}
    shift_hours = 0.0
    vehicle_days = 0
    delays = complaints = failed = 0
    stars: list[int] = []
    last_moment: datetime | None = None
    for topic, event in _events(app, after):
        last_moment = event.timestamp
        if topic == PLACED:
            orders[event.originator_id] = _Order(event.timestamp, event.window_end)
        elif topic in (ASSIGNED, HANDED):
            order = orders.get(event.originator_id)
            if order is not None and order.assigned is None:
                order.assigned = event.timestamp
        elif topic == DELIVERED:
            order = orders.get(event.originator_id)
            if order is not None:
                order.delivered = event.timestamp
        elif topic == FAILED:
            failed += 1
        elif topic == TRACK_OPENED:
            courier_of_track[event.originator_id] = event.courier
        elif topic == POSITIONS:
            pings[courier_of_track[event.originator_id]].extend(event.accepted)
        elif topic == SHIFT_STARTED:
            shift_start[str(event.originator_id)] = event.at
            vehicle_days += 1 if event.vehicle else 0
        elif topic == SHIFT_ENDED:
            started = shift_start.pop(str(event.originator_id), None)
            if started is not None:
                shift_hours += (event.at - started).total_seconds() / 3600
        elif topic == DELAYED:
            delays += 1
        elif topic == COMPLAINED:
            complaints += 1
        elif topic == RATED:
            stars.append(int(event.stars))
    end = until or last_moment
    for started in shift_start.values():
        if end is not None:
            shift_hours += max((end - started).total_seconds(), 0.0) / 3600
    km = sum(ridden_metres(track) for track in pings.values()) / 1000
    delivery = [(o.delivered - o.placed).total_seconds() / 60 for o in orders.values() if o.delivered is not None]
    assignment = [(o.assigned - o.placed).total_seconds() for o in orders.values() if o.assigned is not None]
    on_time = sum(1 for o in orders.values() if o.delivered is not None and o.delivered <= o.window_end)
    return DayFigures(
        km_per_vehicle_day=round(km / vehicle_days, 3) if vehicle_days else 0.0,
        mean_delivery_min=round(float(np.mean(delivery)), 3) if delivery else 0.0,
        p95_delivery_min=round(float(np.percentile(delivery, 95)), 3) if delivery else 0.0,
        on_time_rate=round(100.0 * on_time / len(orders), 3) if orders else 0.0,
        orders_per_courier_hour=round(len(delivery) / shift_hours, 3) if shift_hours else 0.0,
        p95_assignment_s=round(float(np.percentile(assignment, 95)), 1) if assignment else 0.0,
        delay_notices=delays, complaints=complaints, orders=len(orders), delivered=len(delivery),
        failed_attempts=failed, mean_stars=round(float(np.mean(stars)), 3) if stars else 0.0,
        vehicle_days=vehicle_days, km_total=round(km, 3), courier_hours=round(shift_hours, 3),
    )


def ridden_metres(pings: Iterable[dict[str, Any]]) -> float:
    """Distance between consecutive fixes, a move counting only once it leaves both fixes' accuracy."""
    total = 0.0
    anchor: dict[str, Any] | None = None
    for ping in pings:
        if anchor is None:
            anchor = ping
            continue
        metres = float(haversine_m(anchor["lat"], anchor["lon"], ping["lat"], ping["lon"]))
        if metres > float(anchor.get("accuracy") or 0.0) + float(ping.get("accuracy") or 0.0):
            total += metres
            anchor = ping
    return total


def _events(app: Any, after: int) -> Iterator[tuple[str, Any]]:
    start = after
    while True:
        page = app.recorder.select_notifications(start=start, limit=2_000, topics=TOPICS, inclusive_of_start=False)
        for notification in page:
            yield notification.topic, app.decode(notification)
        if len(page) < 2_000:
            return
        start = page[-1].id
