"""Delay detection: a day of deliveries on dispatched routes, one courier much slower than planned; every delay is
recorded with a reason and a new ETA, and every notice reaches the customer before their window ends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.outbox.worker import OutboxWorker
from domain.app import Peisong
from domain.delays import DeliveryDelay
from domain.notifications import Notification
from domain.orders import DELIVERED
from projections.runner import ProjectionRunner
from solver.geo import haversine_m
from tests.customer_care.conftest import settle
from tests.customer_care.gateway import Gateway
from tests.domain.conftest import events_of, logged_since
from tests.routing.shop import HOME, packed_order, plan_now, request_plan, routing_shop

TICK = timedelta(minutes=5)
# Straight-line speeds: the plan expects an e-bike's 18 km/h over roads 1.3 times longer, about 13.8 km/h.
SPEEDS_KMH = {"C-BIKE-1": 4.0, "C-BIKE-2": 13.8}


class Rider:
    """A courier riding their dispatched route stop by stop, delivering when at the door and the window is open."""

    def __init__(self, app: Peisong, courier: str, stops: list[tuple[str, float, float]]) -> None:
        self.app, self.courier, self.stops = app, courier, stops
        self.lat, self.lon = HOME

    def ride(self, minutes: float) -> None:
        budget = SPEEDS_KMH[self.courier] * 1000 * minutes / 60
        while self.stops and budget > 0:
            number, lat, lon = self.stops[0]
            gap = float(haversine_m(self.lat, self.lon, lat, lon))
            if gap > budget:
                share = budget / gap
                self.lat, self.lon = self.lat + (lat - self.lat) * share, self.lon + (lon - self.lon) * share
                break
            budget -= gap
            self.lat, self.lon = lat, lon
            if self.app.existing_order(number).window_start > self.app.clock.now():
                break  # early: wait at the door for the window to open
            self.app.deliver_order(number, "photo", f"door of {number}")
            self.stops.pop(0)
        self.app.report_positions(self.courier, [{"at": self.app.clock.now(), "lat": self.lat, "lon": self.lon}])


def sent_at(app: Peisong, delay: Any) -> Any:
    """When the delay notice left for the customer's first channel (business time)."""
    notification = Notification.create_id(f"order:{delay.order}", f"DeliveryDelayed/{delay.notice}")
    return min(e.timestamp for e in events_of(app, notification) if type(e).__name__ == "NotificationSent")


def test_every_delay_notice_reaches_the_customer_before_the_window_ends(
        app: Peisong, runner: ProjectionRunner, outbox: OutboxWorker, gateway: Gateway) -> None:
    routing_shop(app)
    orders = [packed_order(app, f"D-{i:02d}", north=0.02 * (i % 3 - 1), east=0.008 * (i - 5),
                           window=(1, 2) if i % 2 else (1, 3)) for i in range(10)]
    plan = request_plan(app, orders, couriers=list(SPEEDS_KMH))
    plan_now(app, plan)
    app.accept_route_plan(plan)
    app.dispatch_route_plan(plan)
    settle(runner, outbox)
    route_plan = app.existing_route_plan(plan)
    riders = []
    for route in route_plan.routes:
        stops = [(v["ref"], *route_plan.stop_point(v["ref"])) for v in route["visits"] if v["kind"] != "reload"]
        for number, *_ in stops:
            app.hand_order_to_courier(number, route["courier"])
            app.send_order_out_for_delivery(number)
        riders.append(Rider(app, route["courier"], stops))
    start = app.clock.now()
    delivered_at: dict[str, Any] = {}
    while any(r.stops for r in riders) and app.clock.now() < start + timedelta(hours=8):
        app.clock.advance(TICK)
        for rider in riders:
            rider.ride(TICK.total_seconds() / 60)
        app.check_delivery_delays()
        settle(runner, outbox)
        for number in orders:
            order = app.existing_order(number)
            if order.status == DELIVERED and number not in delivered_at:
                delivered_at[number] = app.clock.now()

    assert set(delivered_at) == set(orders)
    delayed: type = DeliveryDelay.DeliveryDelayed  # type: ignore[attr-defined]
    delays = [e for e in logged_since(app, 0) if isinstance(e, delayed)]
    late = {n for n in orders if delivered_at[n] > app.existing_order(n).window_end}
    assert late, "the slow courier should have missed some windows"
    assert late <= {d.order for d in delays}  # nobody was late without being told
    for delay in delays:
        assert delay.reason and delay.eta > delay.window_end - timedelta(minutes=app.settings.delay_margin_minutes)
        assert sent_at(app, delay) < delay.window_end, f"{delay.order}'s notice came after its window"
    assert "courier_running_late" in {d.reason for d in delays if d.courier == "C-BIKE-1"}
    assert gateway.duplicated == 0
