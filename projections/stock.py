"""Stock by SKU and warehouse: on hand, reserved, available, and which counts are overdue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import (
    Column, Connection, Index, Integer, String, Table, UniqueConstraint, and_, func, or_, select,
)
from sqlalchemy.engine import RowMapping

from domain.stock import StockItem
from domain.warehouses import Warehouse
from projections.columns import Instant
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import after_key, check_aware, check_first, decode_cursor, make_page
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import OverdueCountView, Page, StockView

stock_levels = Table(
    "stock_levels",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("warehouse", String(40), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("available", Integer, nullable=False, index=True),
    Column("threshold", Integer, nullable=False),
    Column("opened_at", Instant, nullable=False),
    Column("last_counted_at", Instant),
    Column("last_count", Integer),
    Column("last_variance", Integer),
    # The last count, or the opening if never counted: the next count is due an interval after it.
    Column("count_due_from", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
    UniqueConstraint("warehouse", "sku", name="uq_stock_levels_warehouse_sku"),
    Index("ix_stock_levels_count_due", "warehouse", "count_due_from"),
    Index("ix_stock_levels_sku", "sku"),
)

stock_count_schedules = Table(
    "stock_count_schedules",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("warehouse", String(40), nullable=False, unique=True),
    Column("interval_days", Integer, nullable=False),
)

OPENED: type = StockItem.StockItemOpened  # type: ignore[attr-defined]
WAREHOUSE_REGISTERED: type = Warehouse.WarehouseRegistered  # type: ignore[attr-defined]
SCHEDULE_SET: type = Warehouse.StockTakeScheduleSet  # type: ignore[attr-defined]


def _received(row: dict[str, Any], e: Any) -> None:
    row["on_hand"] += e.quantity


def _reserved(row: dict[str, Any], e: Any) -> None:
    row["reserved"] += e.quantity


def _released(row: dict[str, Any], e: Any) -> None:
    row["reserved"] -= e.quantity


def _shipped(row: dict[str, Any], e: Any) -> None:
    row["reserved"] -= e.quantity
    row["on_hand"] -= e.quantity


def _counted(row: dict[str, Any], e: Any) -> None:
    row["on_hand"] = e.counted
    row["last_counted_at"] = row["count_due_from"] = e.timestamp
    row["last_count"] = e.counted
    row["last_variance"] = e.variance


def _adjusted(row: dict[str, Any], e: Any) -> None:
    row["on_hand"] += e.delta


def _threshold_set(row: dict[str, Any], e: Any) -> None:
    row["threshold"] = e.threshold


ITEM_CHANGES = {
    StockItem.StockReceived: _received,  # type: ignore[attr-defined]
    StockItem.StockReserved: _reserved,  # type: ignore[attr-defined]
    StockItem.ReservationReleased: _released,  # type: ignore[attr-defined]
    StockItem.StockShipped: _shipped,  # type: ignore[attr-defined]
    StockItem.StockReturned: _received,  # type: ignore[attr-defined]
    StockItem.StockCounted: _counted,  # type: ignore[attr-defined]
    StockItem.StockAdjusted: _adjusted,  # type: ignore[attr-defined]
    StockItem.ReorderThresholdSet: _threshold_set,  # type: ignore[attr-defined]
}


class StockProjector(Projector):
    name = "stock"
    tables = (stock_levels, stock_count_schedules)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({OPENED, WAREHOUSE_REGISTERED, SCHEDULE_SET, *ITEM_CHANGES})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        items = RowBatch(stock_levels, "id")
        schedules = RowBatch(stock_count_schedules, "id")
        items.load(conn, (str(c.event.originator_id) for c in changes if type(c.event) in ITEM_CHANGES))
        schedules.load(conn, (str(c.event.originator_id) for c in changes if isinstance(c.event, SCHEDULE_SET)))
        for position, event in changes:
            key = str(event.originator_id)
            kind = type(event)
            if kind is OPENED:
                items.add(opened_row(key, event))
            elif kind is WAREHOUSE_REGISTERED:
                schedules.add({"id": key, "warehouse": event.code, "interval_days": event.stock_take_interval_days})
            elif kind is SCHEDULE_SET:
                schedule = schedules.change(key)
                if schedule is None:
                    raise LookupError(f"warehouse {key} changed at position {position} but was never registered")
                schedule["interval_days"] = event.stock_take_interval_days
            else:
                row = items.change(key)
                if row is None:
                    raise LookupError(f"stock item {key} changed at position {position} but was never opened")
                ITEM_CHANGES[kind](row, event)
                row["available"] = row["on_hand"] - row["reserved"]
                row["updated_at"] = event.timestamp
        items.flush(conn)
        schedules.flush(conn)


def opened_row(key: str, event: Any) -> dict[str, Any]:
    return {
        "id": key, "warehouse": event.warehouse, "sku": event.sku,
        "on_hand": 0, "reserved": 0, "available": 0, "threshold": event.threshold,
        "opened_at": event.timestamp, "last_counted_at": None, "last_count": None, "last_variance": None,
        "count_due_from": event.timestamp, "updated_at": event.timestamp,
    }


# -- queries: the only way the API reads stock --------------------------------------------


def get_stock(db: ReadDatabase, warehouse: str, sku: str) -> StockView | None:
    with db.read() as conn:
        row = conn.execute(
            select(stock_levels).where(stock_levels.c.warehouse == warehouse, stock_levels.c.sku == sku)
        ).mappings().first()
    return None if row is None else stock_view(row)


def list_stock(
    db: ReadDatabase,
    *,
    warehouse: str | None = None,
    sku: str | None = None,
    min_available: int | None = None,
    max_available: int | None = None,
    after: str | None = None,
    first: int = 50,
) -> Page[StockView]:
    """Stock sorted by warehouse then SKU; the available bounds are inclusive."""
    check_first(first)
    criteria = []
    if warehouse is not None:
        criteria.append(stock_levels.c.warehouse == warehouse)
    if sku is not None:
        criteria.append(stock_levels.c.sku == sku)
    if min_available is not None:
        criteria.append(stock_levels.c.available >= min_available)
    if max_available is not None:
        criteria.append(stock_levels.c.available <= max_available)
    sort = (stock_levels.c.warehouse, stock_levels.c.sku)
    page_criteria = list(criteria)
    if after is not None:
        page_criteria.append(after_key(sort, decode_cursor(after, str, str)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(stock_levels).where(*criteria)).scalar_one()
        rows = conn.execute(
            select(stock_levels).where(*page_criteria).order_by(*sort).limit(first + 1)
        ).mappings().all()
    return make_page(rows, first, total, view=stock_view, key=lambda row: (row["warehouse"], row["sku"]))


def overdue_counts(db: ReadDatabase, now: datetime) -> list[OverdueCountView]:
    """Stock items whose warehouse's count interval has run out, the longest overdue first."""
    check_aware(now, "now")
    with db.read() as conn:
        intervals = {
            row["warehouse"]: timedelta(days=row["interval_days"])
            for row in conn.execute(select(stock_count_schedules)).mappings()
        }
        if not intervals:
            return []
        due = or_(*(
            and_(stock_levels.c.warehouse == code, stock_levels.c.count_due_from <= now - interval)
            for code, interval in intervals.items()
        ))
        rows = conn.execute(
            select(
                stock_levels.c.warehouse, stock_levels.c.sku,
                stock_levels.c.last_counted_at, stock_levels.c.count_due_from,
            ).where(due)
        ).mappings().all()
    overdue = [
        OverdueCountView(
            warehouse=row["warehouse"], sku=row["sku"], last_counted_at=row["last_counted_at"],
            due_at=row["count_due_from"] + intervals[row["warehouse"]],
        )
        for row in rows
    ]
    return sorted(overdue, key=lambda item: (item.due_at, item.warehouse, item.sku))


def stock_view(row: RowMapping) -> StockView:
    return StockView(
        warehouse=row["warehouse"], sku=row["sku"], on_hand=row["on_hand"], reserved=row["reserved"],
        available=row["available"], threshold=row["threshold"], last_counted_at=row["last_counted_at"],
        last_count=row["last_count"], last_variance=row["last_variance"], updated_at=row["updated_at"],
    )
