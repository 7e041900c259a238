"""Live ETAs from the dispatched routes; the check that records a delivery's delay before its window ends; and the
one message each customer gets when a special situation re-plans their delivery."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from domain.anomalies import IDLE, STALE
from domain.delays import (
    BUSY_ROUTE, NOT_MOVING, REPLANNED, RUNNING_LATE, DeliveryDelay, Eta, Position, is_delayed, live_etas, route_record,
)
from domain.execution import CommandResult, CommandRunner
from domain.locations import CourierTrack
from domain.orders import HANDED_TO_COURIER, OUT_FOR_DELIVERY, PACKED, Order
from domain.routing import DISPATCHED, DispatchBoard, RoutePlan
from domain.situations import SituationNotice, SpecialSituation
from domain.traffic import TrafficConditions
from domain.warehouses import WarehouseNetwork

# Orders a route still has ahead of it; anything else is done, whatever the plan has heard.
STILL_TO_DELIVER = (PACKED, HANDED_TO_COURIER, OUT_FOR_DELIVERY)
MAX_NOTICES = 100


class DelayCommands(CommandRunner):
    # From the location and situation commands the application is also made of.
    business_day: Callable[[datetime], Any]
    situations_covering: Callable[[str | None, datetime], list[SpecialSituation]]

    def live_eta(self, order: str) -> Eta | None:
        """The order's live ETA on the route it is dispatched on, or None when it is on no route on the road."""
        with self._command_lock:
            found = self.get_or_none(Order.create_id(order))
            if found is None or found.assigned_plan is None or found.status not in STILL_TO_DELIVER:
                return None
            plan = self.get_or_none(RoutePlan.create_id(found.assigned_plan))
            if plan is None or plan.status != DISPATCHED:
                return None
            etas = self._route_etas(plan, str(found.assigned_courier), self.clock.now())
            return next((eta for eta in etas if eta.ref == order), None)

    def check_delivery_delays(self, idempotency_key: str | None = None) -> CommandResult:
        """Record `DeliveryDelayed` for every stop on the road whose live ETA passes its window's end (less the
        margin), unless the customer was already told an arrival time that is at most `delay_renotify_minutes`
        earlier: a worker calls this every minute or so, and a dispatched plan triggers it too."""

        def body():  # type: ignore[no-untyped-def]
            now = self.clock.now()
            delays: list[DeliveryDelay] = []
            for plan in self._plans_on_road():
                for order, courier, eta in self._stops_ahead(plan, now):
                    if not self._is_late(order, eta):
                        continue
                    notice, told = self._told(order, now)
                    if told is not None and eta.eta < told + timedelta(minutes=self.settings.delay_renotify_minutes):
                        continue
                    covering = self.situations_covering(order.zone, now)
                    delays.append(self._delay(order, courier, plan, eta, notice + 1, now,
                                              covering[0] if covering else None))
            return delays, {"delayed": [_described(d) for d in delays]}

        return self.run_command("checkDeliveryDelays", body, idempotency_key)

    def announce_situations(self, plan: str, idempotency_key: str | None = None) -> CommandResult:
        """A plan dispatched while special situations slow its zones: each order there that has not heard of the
        situation yet is told once, with the new arrival time. A late one as a delay (the situation its reason),
        one still in its window as a situation notice."""

        def body():  # type: ignore[no-untyped-def]
            route_plan = self.get_existing(RoutePlan.create_id(plan), f"plan {plan}", "plan")
            now = self.clock.now()
            told: list[Any] = []
            if route_plan.status != DISPATCHED:
                return [], {"plan": plan, "told": []}
            for order, courier, eta in self._stops_ahead(route_plan, now):
                for situation in self.situations_covering(order.zone, now):
                    if self._heard_of(order.number, situation.code):
                        continue
                    if self._is_late(order, eta):
                        notice, _ = self._told(order, now)
                        told.append(self._delay(order, courier, route_plan, eta, notice + 1, now, situation))
                    else:
                        told.append(SituationNotice(
                            order=order.number, situation=situation.code, kind=situation.kind,
                            description=situation.description, customer=order.customer_id, plan=route_plan.plan,
                            eta=eta.eta, window_end=order.window_end,
                        ))
                    break  # one message per order, however many situations cover it
            return told, {"plan": plan, "told": [t.order for t in told]}

        return self.run_command("announceSituations", body, idempotency_key)

    # -- helpers -------------------------------------------------------------------------------

    def _plans_on_road(self) -> list[RoutePlan]:
        network = self.get_or_none(WarehouseNetwork.create_id())
        plans: list[RoutePlan] = []
        for code in sorted(network.sites if network is not None else ()):
            board = self.get_or_none(DispatchBoard.create_id(code))
            for name in sorted(board.on_road if board is not None else ()):
                plan = self.get_or_none(RoutePlan.create_id(name))
                if plan is not None and plan.status == DISPATCHED:
                    plans.append(plan)
        return plans

    def _stops_ahead(self, plan: RoutePlan, now: datetime) -> list[tuple[Order, str, Eta]]:
        """Every order still to deliver on the plan's unfinished routes, with its courier and live ETA."""
        ahead = []
        for route in plan.routes:
            courier = route["courier"]
            if courier in plan.routes_done:
                continue
            for eta in self._route_etas(plan, courier, now):
                order = self.get_or_none(Order.create_id(eta.ref))
                if order is not None and order.status in STILL_TO_DELIVER:
                    ahead.append((order, courier, eta))
        return ahead

    def _route_etas(self, plan: RoutePlan, courier: str, now: datetime) -> list[Eta]:
        def done(ref: str) -> bool:
            order = self.get_or_none(Order.create_id(ref))
            return order is not None and order.status not in STILL_TO_DELIVER

        route = route_record(plan, courier)
        if route is None:
            return []
        conditions = self.get_or_none(TrafficConditions.create_id())
        traffic = conditions.factor if conditions is not None else (lambda zone: 1.0)
        return live_etas(route.remaining(done), self._position(courier, now), now, route.travel(traffic))

    def _position(self, courier: str, now: datetime) -> Position | None:
        """The courier's last accepted ping, today's or (just after midnight) yesterday's."""
        day = self.business_day(now)
        for on in (day, day - timedelta(days=1)):
            track = self.get_or_none(CourierTrack.create_id(courier, on))
            if track is not None and track.last is not None:
                last = track.last
                return Position(float(last["lat"]), float(last["lon"]), last["at"])
        return None

    def _is_late(self, order: Order, eta: Eta) -> bool:
        return is_delayed(eta.eta, order.window_end, timedelta(minutes=self.settings.delay_margin_minutes))

    def _told(self, order: Order, now: datetime) -> tuple[int, datetime | None]:
        """How many delay notices the order has had, and the latest arrival time the customer was told
        (by a delay notice, or a notice of a situation covering it now)."""
        etas: list[datetime] = []
        count = MAX_NOTICES
        for n in range(1, MAX_NOTICES + 1):
            found = self.get_or_none(DeliveryDelay.create_id(order.number, n))
            if found is None:
                count = n - 1
                break
            etas.append(found.eta)
        for situation in self.situations_covering(order.zone, now):
            notice = self.get_or_none(SituationNotice.create_id(order.number, situation.code))
            if notice is not None:
                etas.append(notice.eta)
        return count, max(etas, default=None)

    def _heard_of(self, order: str, situation: str) -> bool:
        if self.get_or_none(SituationNotice.create_id(order, situation)) is not None:
            return True
        for n in range(1, MAX_NOTICES + 1):
            found = self.get_or_none(DeliveryDelay.create_id(order, n))
            if found is None:
                return False
            if found.situation == situation:
                return True
        return False

    def _delay(self, order: Order, courier: str, plan: RoutePlan, eta: Eta, notice: int, now: datetime,
               situation: SpecialSituation | None) -> DeliveryDelay:
        return DeliveryDelay(
            order=order.number, notice=notice, customer=order.customer_id, courier=courier, plan=plan.plan,
            window_start=order.window_start, window_end=order.window_end, eta=eta.eta, planned_arrival=eta.planned,
            reason=situation.kind if situation is not None else self._reason(courier, plan, eta, now),
            late_minutes=max(int((eta.eta - order.window_end).total_seconds() // 60), 0),
            stops_away=eta.stops_away, situation=situation.code if situation is not None else None,
        )

    def _reason(self, courier: str, plan: RoutePlan, eta: Eta, now: datetime) -> str:
        """Why it is late when no situation explains it: by the plan alone (a re-plan, or a busy route), or by
        where the courier is (held up, or plain behind schedule)."""
        if not eta.live:
            return REPLANNED if plan.replaces is not None else BUSY_ROUTE
        track = self.get_or_none(CourierTrack.create_id(courier, self.business_day(now)))
        if track is not None and (IDLE in track.open_alerts or STALE in track.open_alerts):
            return NOT_MOVING
        return RUNNING_LATE


def _described(delay: DeliveryDelay) -> dict[str, Any]:
    return {"order": delay.order, "notice": delay.notice, "eta": delay.eta.isoformat(), "reason": delay.reason}
