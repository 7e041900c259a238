"""Orders as the dispatcher and the customer see them: status, lines and the whole timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Sequence

from sqlalchemy import (
    BigInteger, Boolean, Column, Connection, Float, Index, Integer, String, Table, Text, exists, func, select,
)
from sqlalchemy.engine import RowMapping

from domain.orders import (
    CANCELLED, DELIVERED, DELIVERY_FAILED, HANDED_TO_COURIER, OUT_FOR_DELIVERY, PACKED, PICKED, PLACED, RETURNED,
    Order,
)
from projections.columns import Instant, JsonList, Money
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import after_key, check_aware, check_first, decode_cursor, make_page
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import OrderLineView, OrderView, Page, TimelineEntry

orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("customer", String(64), nullable=False, index=True),
    Column("status", String(32), nullable=False, index=True),
    Column("warehouses", JsonList, nullable=False),
    Column("warehouse_rule", String(16), nullable=False),
    Column("address_text", Text, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("window_start", Instant, nullable=False),
    Column("window_end", Instant, nullable=False),
    Column("weight_kg", Money, nullable=False),
    Column("volume_l", Money, nullable=False),
    Column("courier_id", String(64)),
    Column("zone", String(64)),
    Column("delivery_code_required", Boolean, nullable=False),
    Column("placed_at", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
    Index("ix_orders_placed_at_number", "placed_at", "number"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(36), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("warehouse", String(40), nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("weight_kg", Money, nullable=False),
    Column("volume_l", Money, nullable=False),
    Index("ix_order_lines_warehouse", "warehouse", "order_id"),
)

order_timeline = Table(
    "order_timeline",
    metadata,
    Column("order_id", String(36), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("status", String(32), nullable=False),
    Column("at", Instant, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("detail", Text, nullable=False),
)

# Each later event of an order: the status it leads to and what the timeline says about it.
STEPS: dict[type, tuple[str, Callable[[Any], str]]] = {
    Order.OrderPicked: (PICKED, lambda e: e.picker),  # type: ignore[attr-defined]
    Order.OrderPacked: (PACKED, lambda e: e.packer),  # type: ignore[attr-defined]
    Order.OrderHandedToCourier: (HANDED_TO_COURIER, lambda e: e.courier_id),  # type: ignore[attr-defined]
    Order.OrderOutForDelivery: (OUT_FOR_DELIVERY, lambda e: f"attempt {e.attempt}"),  # type: ignore[attr-defined]
    Order.OrderDelivered: (DELIVERED, lambda e: f"proof: {e.proof_kind}"),  # type: ignore[attr-defined]
    Order.DeliveryFailed: (DELIVERY_FAILED, lambda e: e.reason),  # type: ignore[attr-defined]
    Order.OrderReturnedToWarehouse: (RETURNED, lambda e: e.reason),  # type: ignore[attr-defined]
    Order.OrderCancelled: (CANCELLED, lambda e: e.reason),  # type: ignore[attr-defined]
}
PLACED_EVENT: type = Order.OrderPlaced  # type: ignore[attr-defined]


class OrdersProjector(Projector):
    name = "orders"
    tables = (orders, order_lines, order_timeline)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({PLACED_EVENT, *STEPS})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        batch = RowBatch(orders, "id")
        batch.load(conn, (str(c.event.originator_id) for c in changes if not isinstance(c.event, PLACED_EVENT)))
        lines: list[dict[str, Any]] = []
        timeline: list[dict[str, Any]] = []
        for position, event in changes:
            order_id = str(event.originator_id)
            if isinstance(event, PLACED_EVENT):
                batch.add(placed_row(order_id, event))
                lines.extend(line_rows(order_id, event.lines))
                status, detail = PLACED, ""
            else:
                status, describe = STEPS[type(event)]
                row = batch.change(order_id)
                if row is None:
                    raise LookupError(f"order {order_id} changed at position {position} but was never placed")
                row["status"] = status
                row["updated_at"] = event.timestamp
                if status == HANDED_TO_COURIER:
                    row["courier_id"] = event.courier_id
                detail = describe(event)
            timeline.append({
                "order_id": order_id, "position": position, "status": status, "at": event.timestamp,
                "event_type": type(event).__name__, "detail": detail,
            })
        batch.flush(conn)
        if lines:
            conn.execute(order_lines.insert(), lines)
        conn.execute(order_timeline.insert(), timeline)


def placed_row(order_id: str, event: Any) -> dict[str, Any]:
    address = event.address
    return {
        "id": order_id,
        "number": event.number,
        "customer": event.customer_id,
        "status": PLACED,
        "warehouses": sorted({str(line["warehouse"]) for line in event.lines}),
        "warehouse_rule": event.warehouse_rule,
        "zone": getattr(event, "zone", None),
        "address_text": str(address.get("text", "")),
        "lat": float(address["lat"]),
        "lon": float(address["lon"]),
        "window_start": event.window_start,
        "window_end": event.window_end,
        "weight_kg": event.weight_kg,
        "volume_l": event.volume_l,
        "courier_id": None,
        "delivery_code_required": bool(event.delivery_code_required),
        "placed_at": event.timestamp,
        "updated_at": event.timestamp,
    }


def line_rows(order_id: str, lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order_id, "line_no": number, "sku": line["sku"], "quantity": int(line["quantity"]),
            "warehouse": line["warehouse"], "unit_price": line["unit_price"],
            "weight_kg": line["weight_kg"], "volume_l": line["volume_l"],
        }
        for number, line in enumerate(lines, start=1)
    ]


# -- queries: the only way the API reads orders -------------------------------------------


def get_order(db: ReadDatabase, number: str) -> OrderView | None:
    with db.read() as conn:
        row = conn.execute(select(orders).where(orders.c.number == number)).mappings().first()
        if row is None:
            return None
        lines, timeline = _lines_and_timelines(conn, [row["id"]])
    return order_view(row, lines, timeline)


def list_orders(
    db: ReadDatabase,
    *,
    status: str | None = None,
    customer: str | None = None,
    warehouse: str | None = None,
    placed_from: datetime | None = None,
    placed_to: datetime | None = None,
    after: str | None = None,
    first: int = 50,
) -> Page[OrderView]:
    """Orders oldest first (placed_at, then number); `placed_from` is inclusive, `placed_to` exclusive."""
    check_first(first)
    check_aware(placed_from, "placedFrom")
    check_aware(placed_to, "placedTo")
    criteria = []
    if status is not None:
        criteria.append(orders.c.status == status)
    if customer is not None:
        criteria.append(orders.c.customer == customer)
    if warehouse is not None:
        criteria.append(exists().where(order_lines.c.order_id == orders.c.id, order_lines.c.warehouse == warehouse))
    if placed_from is not None:
        criteria.append(orders.c.placed_at >= placed_from)
    if placed_to is not None:
        criteria.append(orders.c.placed_at < placed_to)
    sort = (orders.c.placed_at, orders.c.number)
    page_criteria = list(criteria)
    if after is not None:
        page_criteria.append(after_key(sort, decode_cursor(after, datetime, str)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(orders).where(*criteria)).scalar_one()
        rows = conn.execute(
            select(orders).where(*page_criteria).order_by(*sort).limit(first + 1)
        ).mappings().all()
        lines, timeline = _lines_and_timelines(conn, [row["id"] for row in rows[:first]])
    return make_page(
        rows, first, total,
        view=lambda row: order_view(row, lines, timeline),
        key=lambda row: (row["placed_at"], row["number"]),
    )


def _lines_and_timelines(
    conn: Connection, order_ids: list[str]
) -> tuple[dict[str, list[OrderLineView]], dict[str, list[TimelineEntry]]]:
    """Lines and timelines of a whole page in two queries."""
    lines: dict[str, list[OrderLineView]] = {order_id: [] for order_id in order_ids}
    timeline: dict[str, list[TimelineEntry]] = {order_id: [] for order_id in order_ids}
    if not order_ids:
        return lines, timeline
    for row in conn.execute(
        select(order_lines).where(order_lines.c.order_id.in_(order_ids))
        .order_by(order_lines.c.order_id, order_lines.c.line_no)
    ).mappings():
        lines[row["order_id"]].append(OrderLineView(
            sku=row["sku"], quantity=row["quantity"], warehouse=row["warehouse"],
            unit_price=row["unit_price"], weight_kg=row["weight_kg"], volume_l=row["volume_l"],
        ))
    for row in conn.execute(
        select(order_timeline).where(order_timeline.c.order_id.in_(order_ids))
        .order_by(order_timeline.c.order_id, order_timeline.c.position)
    ).mappings():
        timeline[row["order_id"]].append(TimelineEntry(
            status=row["status"], at=row["at"], position=row["position"],
            event_type=row["event_type"], detail=row["detail"],
        ))
    return lines, timeline


def order_view(
    row: RowMapping, lines: dict[str, list[OrderLineView]], timeline: dict[str, list[TimelineEntry]]
) -> OrderView:
    return OrderView(
        id=row["id"], number=row["number"], customer=row["customer"], status=row["status"],
        warehouses=list(row["warehouses"]), warehouse_rule=row["warehouse_rule"],
        address_text=row["address_text"], lat=row["lat"], lon=row["lon"],
        window_start=row["window_start"], window_end=row["window_end"],
        weight_kg=row["weight_kg"], volume_l=row["volume_l"], courier_id=row["courier_id"], zone=row["zone"],
        delivery_code_required=row["delivery_code_required"],
        placed_at=row["placed_at"], updated_at=row["updated_at"],
        lines=lines[row["id"]], timeline=timeline[row["id"]],
    )
