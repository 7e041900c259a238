"""What the customer's tracking page reads: the timeline in plain words, the courier while out for delivery, a live
ETA and how many stops away.

The projection keeps what the ETA needs from the routing events (each dispatched route with its
planned times, stops reached and completed, the request's places and speeds, the zones' traffic)
and each order's plan and latest delay notice. The ETA itself is computed when asked, from the
courier's latest position (the locations projection) and the clock, with the same arithmetic the
delay check uses (domain/delays.py): the page and the delay notices never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Sequence

from sqlalchemy import Column, Connection, Float, String, Table, select

from domain.delays import FALLBACK_KMH, DeliveryDelay, Eta, Position, RouteRecord, live_etas, request_parts
from domain.orders import (
    CANCELLED, DELIVERED, DELIVERY_FAILED, HANDED_TO_COURIER, OUT_FOR_DELIVERY, PACKED, PICKED, PLACED, RETURNED, Order,
)
from domain.routing import DISPATCHED, RoutePlan
from domain.situations import SituationNotice
from domain.templates import language_or_default, local_time, phrase, word
from domain.traffic import TrafficConditions
from projections.columns import Instant, JsonList
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.locations import latest_positions
from projections.orders import get_order, orders
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import CourierPositionView, OrderView, TrackingStepView, TrackingView

tracking_plans = Table(
    "tracking_plans",
    metadata,
    Column("id", String(36), primary_key=True),  # the RoutePlan aggregate's id
    Column("status", String(16), nullable=False),
    Column("day_origin", String(40)),
    Column("points", JsonList, nullable=False),  # [[stop id, lat, lon, zone], ...]
    Column("depot", JsonList, nullable=False),  # [lat, lon]
    Column("speeds", JsonList, nullable=False),  # [[vehicle, km/h], ...]
    Column("detour_factor", Float, nullable=False),
    Column("routes", JsonList, nullable=False),  # [{courier, vehicle, visits}, ...] as RoutePlanned recorded them
    Column("reached", JsonList, nullable=False),  # [[order, ISO time], ...]
    Column("completed", JsonList, nullable=False),  # [order, ...]
)

tracking_orders = Table(
    "tracking_orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("plan", String(64)),
    Column("courier", String(64)),
    Column("delay_eta", Instant),
    Column("delay_reason", String(40)),
    Column("situation", String(40)),
    Column("situation_eta", Instant),
)

tracking_traffic = Table(
    "tracking_traffic",
    metadata,
    Column("zone", String(40), primary_key=True),
    Column("factor", Float, nullable=False),
)

PLACED_EVENT: type = Order.OrderPlaced  # type: ignore[attr-defined]
ASSIGNED: type = Order.OrderAssigned  # type: ignore[attr-defined]
UNASSIGNED: type = Order.OrderUnassigned  # type: ignore[attr-defined]
STARTED: type = RoutePlan.PlanningStarted  # type: ignore[attr-defined]
PLANNED: type = RoutePlan.RoutePlanned  # type: ignore[attr-defined]
REACHED: type = RoutePlan.StopReached  # type: ignore[attr-defined]
COMPLETED: type = RoutePlan.StopCompleted  # type: ignore[attr-defined]
PLAN_STATUS: dict[type, str] = {
    RoutePlan.RoutePlanDispatched: DISPATCHED,  # type: ignore[attr-defined]
    RoutePlan.RoutePlanReplaced: "REPLACED",  # type: ignore[attr-defined]
    RoutePlan.RoutePlanCompleted: "COMPLETED",  # type: ignore[attr-defined]
    RoutePlan.RoutePlanDiscarded: "DISCARDED",  # type: ignore[attr-defined]
}
DELAYED: type = DeliveryDelay.DeliveryDelayed  # type: ignore[attr-defined]
NOTICE: type = SituationNotice.SituationNoticeIssued  # type: ignore[attr-defined]
TRAFFIC: type = TrafficConditions.TrafficReported  # type: ignore[attr-defined]
PLAN_EVENTS = frozenset({STARTED, PLANNED, REACHED, COMPLETED, *PLAN_STATUS})

# The order's own timeline in plain words: status -> the phrase (domain/templates.py PHRASES) and its fillers.
STATUS_PHRASES: dict[str, str] = {
    PLACED: "placed", PICKED: "picked", PACKED: "packed", HANDED_TO_COURIER: "handed", OUT_FOR_DELIVERY: "out",
    DELIVERED: "delivered", DELIVERY_FAILED: "failed", RETURNED: "returned", CANCELLED: "cancelled",
}
EN_ROUTE = (PACKED, HANDED_TO_COURIER, OUT_FOR_DELIVERY)


class TrackingProjector(Projector):
    name = "tracking"
    tables = (tracking_plans, tracking_orders, tracking_traffic)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({PLACED_EVENT, ASSIGNED, UNASSIGNED, STARTED, PLANNED, REACHED, COMPLETED, *PLAN_STATUS,
                          DELAYED, NOTICE, TRAFFIC})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        plans = RowBatch(tracking_plans, "id")
        tracked = RowBatch(tracking_orders, "id")
        traffic = RowBatch(tracking_traffic, "zone")
        plans.load(conn, (str(c.event.originator_id) for c in changes if type(c.event) in PLAN_EVENTS))
        tracked.load(conn, (_order_id(c.event) for c in changes
                            if type(c.event) in (ASSIGNED, UNASSIGNED, DELAYED, NOTICE)))
        traffic.load(conn, (c.event.zone for c in changes if type(c.event) is TRAFFIC))
        for position, event in changes:
            kind = type(event)
            if kind is PLACED_EVENT:
                tracked.add({"id": str(event.originator_id), "number": event.number, "plan": None, "courier": None,
                             "delay_eta": None, "delay_reason": None, "situation": None, "situation_eta": None})
            elif kind is TRAFFIC:
                if traffic.get(event.zone) is None:
                    traffic.add({"zone": event.zone, "factor": float(event.factor)})
                else:
                    traffic.change(event.zone)["factor"] = float(event.factor)  # type: ignore[index]
            elif kind in (ASSIGNED, UNASSIGNED, DELAYED, NOTICE):
                row = tracked.change(_order_id(event))
                if row is None:
                    raise LookupError(f"{kind.__name__} at position {position} names an order never placed")
                if kind is ASSIGNED:
                    row.update(plan=event.plan, courier=event.courier_id)
                elif kind is UNASSIGNED:
                    row.update(plan=None, courier=None)
                elif kind is DELAYED:
                    row.update(delay_eta=event.eta, delay_reason=event.reason)
                else:
                    row.update(situation=event.kind, situation_eta=event.eta)
            else:
                self._plan_change(plans, position, event)
        plans.flush(conn)
        tracked.flush(conn)
        traffic.flush(conn)

    def _plan_change(self, plans: RowBatch, position: int, event: Any) -> None:
        key = str(event.originator_id)
        kind = type(event)
        row = plans.get(key)
        if kind is STARTED:
            parts = request_parts(event.request)
            fields = {
                "day_origin": event.request.get("day_origin"),
                "points": [[stop, lat, lon, zone] for stop, (lat, lon, zone) in parts["points"].items()],
                "depot": list(parts["depot"]), "speeds": [[v, kmh] for v, kmh in parts["speeds"].items()],
                "detour_factor": parts["detour_factor"],
            }
            if row is None:
                plans.add({"id": key, "status": "PLANNING", "routes": [], "reached": [], "completed": [], **fields})
            else:
                plans.change(key).update(fields)  # type: ignore[union-attr]
            return
        if row is None:
            return  # a plan that was never solved has no routes to track
        row = plans.change(key)
        assert row is not None
        if kind is PLANNED:
            row.update(status="PRODUCED", day_origin=event.day_origin, routes=[
                {"courier": r["courier"], "vehicle": r["vehicle"], "visits": [
                    {k: v[k] for k in ("kind", "ref", "arrival_s", "start_s", "departure_s")} for v in r["visits"]]}
                for r in event.routes
            ])
        elif kind is REACHED:
            row["reached"] = [*row["reached"], [event.order, event.at.isoformat()]]
        elif kind is COMPLETED:
            row["completed"] = [*row["completed"], event.order]
        else:
            row["status"] = PLAN_STATUS[kind]


def _order_id(event: Any) -> str:
    if type(event) in (ASSIGNED, UNASSIGNED):
        return str(event.originator_id)
    return str(Order.create_id(event.order))


# -- the query: the tracking page ----------------------------------------------------------------------


def tracking_view(db: ReadDatabase, number: str, now: datetime, timezone: str, language: str | None = None,
                  language_of: Callable[[str], str | None] | None = None) -> TrackingView | None:
    """The order's tracking page at `now`, in `language` (else the customer's, via `language_of(customer)`)."""
    order = get_order(db, number)
    if order is None:
        return None
    tongue = language_or_default(language or (language_of(order.customer) if language_of else None))
    with db.read() as conn:
        tracked = conn.execute(select(tracking_orders).where(tracking_orders.c.number == number)).mappings().first()
        route = _route(conn, tracked) if tracked is not None and order.status in EN_ROUTE else None
        factors = dict(conn.execute(select(tracking_traffic.c.zone, tracking_traffic.c.factor)).all())
        finished = _finished(conn, route) if route is not None else set()
    eta: Eta | None = None
    courier = route.courier if route is not None else order.courier_id
    seen = latest_positions(db, couriers=[courier]) if courier is not None and order.status in EN_ROUTE else []
    position = seen[0] if seen else None
    if route is not None:
        here = Position(position.lat, position.lon, position.at) if position is not None else None
        visits = route.remaining(lambda ref: ref in finished)
        eta = next((e for e in live_etas(visits, here, now, route.travel(lambda z: factors.get(z, 1.0)))
                    if e.ref == number), None)
    return _view(order, tracked, eta, position if order.status == OUT_FOR_DELIVERY else None, now, timezone, tongue)


def _route(conn: Connection, tracked: Any) -> RouteRecord | None:
    if tracked["plan"] is None or tracked["courier"] is None:
        return None
    plan = conn.execute(
        select(tracking_plans).where(tracking_plans.c.id == str(RoutePlan.create_id(tracked["plan"])))
    ).mappings().first()
    if plan is None or plan["status"] != DISPATCHED or plan["day_origin"] is None:
        return None
    mine = next((r for r in plan["routes"] if r["courier"] == tracked["courier"]), None)
    if mine is None:
        return None
    speeds = {vehicle: kmh for vehicle, kmh in plan["speeds"]}
    return RouteRecord(
        courier=tracked["courier"], day_origin=plan["day_origin"], visits=tuple(mine["visits"]),
        points={stop: (lat, lon, zone) for stop, lat, lon, zone in plan["points"]},
        depot=(plan["depot"][0], plan["depot"][1]), completed=frozenset(plan["completed"]),
        reached={order: datetime.fromisoformat(at) for order, at in plan["reached"]},
        kmh=float(speeds.get(mine["vehicle"], FALLBACK_KMH)), detour_factor=float(plan["detour_factor"]),
    )


def _finished(conn: Connection, route: RouteRecord) -> set[str]:
    """Orders of the route already delivered, failed or cancelled, even if the plan has not heard yet."""
    refs = [v["ref"] for v in route.visits if v["kind"] != "reload"]
    rows = conn.execute(select(orders.c.number, orders.c.status).where(orders.c.number.in_(refs))).all()
    return {number for number, status in rows if status not in EN_ROUTE}


def _view(order: OrderView, tracked: Any, eta: Eta | None, position: CourierPositionView | None, now: datetime,
          timezone: str, language: str) -> TrackingView:
    steps = [
        TrackingStepView(status=entry.status, at=entry.at, text=_step_text(entry.status, entry.detail, language))
        for entry in order.timeline
    ]
    delay_reason = tracked["delay_reason"] if tracked is not None else None
    situation = tracked["situation"] if tracked is not None else None
    delayed = delay_reason is not None and order.status in EN_ROUTE
    lines = [steps[-1].text] if steps else []
    if eta is not None:
        lines.append(phrase("next_stop", language) if eta.stops_away == 0
                     else phrase("stops_away", language, stops=eta.stops_away))
        when = local_time(eta.eta, timezone)
        if delayed:
            lines.append(phrase("delayed", language, reason=word(delay_reason, language), eta=when))
        else:
            lines.append(phrase("arriving", language, eta=when))
    return TrackingView(
        number=order.number, customer=order.customer, status=order.status, language=language,
        window_start=order.window_start, window_end=order.window_end, courier_id=order.courier_id,
        headline=" · ".join(lines), steps=steps, eta=eta.eta if eta is not None else None,
        eta_live=bool(eta.live) if eta is not None else False,
        planned_arrival=eta.planned if eta is not None else None,
        stops_away=eta.stops_away if eta is not None else None, courier_position=position,
        delayed=delayed, delay_reason=word(delay_reason, language) if delayed else None,
        situation=word(situation, language) if situation is not None and order.status in EN_ROUTE else None,
        as_of=now,
    )


def _step_text(status: str, detail: str, language: str) -> str:
    key = STATUS_PHRASES.get(status, "placed")
    if key == "handed":
        return phrase(key, language, courier=detail)
    if key == "failed":
        return phrase(key, language, reason=detail)
    return phrase(key, language)
