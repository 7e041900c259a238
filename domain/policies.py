"""Reactions that follow the log and act through the application's own commands.

Each policy names the event types it follows; its effect carries an idempotency key
derived from the triggering event, so re-running it after a crash cannot double it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from domain.announcements import ANNOUNCERS, REPLENISHMENT_REQUESTED, notify_customers, tell_purchasing
from domain.orders import Order
from domain.routing import CANCELLED_STOP, DELIVERED_STOP, DISPATCHED, FAILED_STOP, RoutePlan
from domain.stock import StockItem
from domain.traffic import TrafficConditions


@dataclass(frozen=True)
class Policy:
    name: str
    follows: tuple[type, ...]
    react: Callable[[Any, Any], None]  # (application, domain event) -> None


def event_key(policy: str, event: Any) -> str:
    return f"policy:{policy}:{event.originator_id}:{event.originator_version}"


def replenish_low_stock(app: Any, event: StockItem.LowStockDetected) -> None:  # type: ignore[name-defined]
    """Low stock -> a replenishment request to the warehouse's purchasing role.

    The suggested quantity brings available stock back to twice the threshold (at least one unit).
    """
    item = app.repository.get(event.originator_id)
    quantity = max(2 * event.threshold - event.available, 1)
    app.request_replenishment(
        item.warehouse, item.sku, quantity, trigger=f"{event.originator_id}:{event.originator_version}",
        idempotency_key=event_key("replenish-low-stock", event),
    )



def assign_dispatched_orders(app: Any, event: RoutePlan.RoutePlanDispatched) -> None:  # type: ignore[name-defined]
    """Plan dispatched -> its orders assigned to their couriers, and each courier's route published, so the
    location watch knows where each courier is expected to go."""
    plan = app.repository.get(event.originator_id).plan
    key = event_key("assign-dispatched-orders", event)
    result = app.assign_planned_orders(plan, idempotency_key=key)
    for route in result["routes"]:
        app.set_planned_route(
            route["courier"], route["route"], route["stops"], plan=plan, idempotency_key=f"{key}:{route['courier']}",
        )


def replan_routes_in_traffic(app: Any, event: TrafficConditions.TrafficReported) -> None:  # type: ignore[name-defined]
    """Traffic report that changes a zone's factor -> re-plans of the routes on the road that cross the zone."""
    if event.factor == event.previous:
        return
    app.replan_routes_crossing(
        event.zone, f"traffic in zone {event.zone}: travel takes {event.factor:g} times as long",
        idempotency_key=event_key("replan-routes-in-traffic", event),
    )


STOP_OUTCOME_OF: dict[type, str] = {
    Order.OrderDelivered: DELIVERED_STOP,  # type: ignore[attr-defined]
    Order.DeliveryFailed: FAILED_STOP,  # type: ignore[attr-defined]
    Order.OrderCancelled: CANCELLED_STOP,  # type: ignore[attr-defined]
}


def complete_stops(app: Any, event: Any) -> None:
    """Order delivered, failed or cancelled -> its stop on the route it is assigned to is completed."""
    order = app.repository.get(event.originator_id)
    if order.assigned_plan is None:
        return
    plan = app.get_or_none(RoutePlan.create_id(order.assigned_plan))
    if plan is None or plan.status != DISPATCHED or plan.route_of(order.number) is None \
            or order.number in plan.completed:
        return
    app.complete_stop(
        order.assigned_plan, order.number, STOP_OUTCOME_OF[type(event)],
        idempotency_key=event_key("complete-stops", event),
    )


def detect_delays(app: Any, event: RoutePlan.RoutePlanDispatched) -> None:  # type: ignore[name-defined]
    """A plan on the road -> its ETAs checked against the promised windows at once, not at the next tick."""
    app.check_delivery_delays(idempotency_key=event_key("detect-delays", event))


def announce_situations(app: Any, event: RoutePlan.RoutePlanDispatched) -> None:  # type: ignore[name-defined]
    """A plan dispatched while special situations slow its zones -> each affected customer told once."""
    plan = app.repository.get(event.originator_id, version=event.originator_version).plan
    app.announce_situations(plan, idempotency_key=event_key("announce-situations", event))


POLICIES: tuple[Policy, ...] = (
    Policy("replenish-low-stock", (StockItem.LowStockDetected,), replenish_low_stock),  # type: ignore[attr-defined]
    Policy("assign-dispatched-orders", (RoutePlan.RoutePlanDispatched,),  # type: ignore[attr-defined]
           assign_dispatched_orders),
    Policy("replan-routes-in-traffic", (TrafficConditions.TrafficReported,),  # type: ignore[attr-defined]
           replan_routes_in_traffic),
    Policy("complete-stops", tuple(STOP_OUTCOME_OF), complete_stops),
    Policy("notify-customers", tuple(ANNOUNCERS), notify_customers),
    Policy("tell-purchasing", (REPLENISHMENT_REQUESTED,), tell_purchasing),
    Policy("announce-situations", (RoutePlan.RoutePlanDispatched,), announce_situations),  # type: ignore[attr-defined]
    Policy("detect-delays", (RoutePlan.RoutePlanDispatched,), detect_delays),  # type: ignore[attr-defined]
)
