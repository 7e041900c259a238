"""Low-stock alerts (one per crossing of the threshold) and stock shortages, for purchasing and dispatch."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import BigInteger, Column, Connection, Integer, String, Table, select

from domain.stock import StockItem
from domain.warehouses import Warehouse
from projections.columns import Instant, JsonList
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.projector import Projector
from projections.rows import CHUNK, RowBatch
from projections.views import LowStockAlertView, ShortageView

alerts_raised = Table(
    "low_stock_alerts",
    metadata,
    # "<stock item id>:<version of its LowStockDetected>", the trigger a replenishment request names.
    Column("key", String(80), primary_key=True),
    Column("stock_id", String(36), nullable=False, index=True),
    Column("warehouse", String(40), nullable=False, index=True),
    Column("sku", String(64), nullable=False),
    Column("available", Integer, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("raised_at", Instant, nullable=False),
    Column("position", BigInteger, nullable=False, index=True),
    Column("cleared_at", Instant),
    Column("replenishment_requested", Integer),
)

shortages_found = Table(
    "shortages_found",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("stock_id", String(36), nullable=False),
    Column("warehouse", String(40), nullable=False, index=True),
    Column("sku", String(64), nullable=False),
    Column("shortfall", Integer, nullable=False),
    Column("orders", JsonList, nullable=False),
    Column("found_at", Instant, nullable=False),
    Column("position", BigInteger, nullable=False, index=True),
)

# What an alert needs to name: the item's warehouse and SKU, the warehouse's purchasing contact.
alert_stock_items = Table(
    "alert_stock_items",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("warehouse", String(40), nullable=False),
    Column("sku", String(64), nullable=False),
)

alert_contacts = Table(
    "alert_contacts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("warehouse", String(40), nullable=False, unique=True),
    Column("purchasing_contact", String(200), nullable=False),
)

OPENED: type = StockItem.StockItemOpened  # type: ignore[attr-defined]
DETECTED: type = StockItem.LowStockDetected  # type: ignore[attr-defined]
CLEARED: type = StockItem.LowStockCleared  # type: ignore[attr-defined]
REQUESTED: type = StockItem.ReplenishmentRequested  # type: ignore[attr-defined]
SHORTAGE: type = StockItem.StockShortageFound  # type: ignore[attr-defined]
REGISTERED: type = Warehouse.WarehouseRegistered  # type: ignore[attr-defined]
ITEM_EVENTS = (DETECTED, CLEARED, REQUESTED, SHORTAGE)


class AlertsProjector(Projector):
    name = "alerts"
    tables = (alerts_raised, shortages_found, alert_stock_items, alert_contacts)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({OPENED, REGISTERED, *ITEM_EVENTS})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        items = RowBatch(alert_stock_items, "id")
        contacts = RowBatch(alert_contacts, "id")
        alerts = RowBatch(alerts_raised, "key")
        shortages = RowBatch(shortages_found, "key")
        touched = list(dict.fromkeys(str(c.event.originator_id) for c in changes if isinstance(c.event, ITEM_EVENTS)))
        items.load(conn, touched)
        for start in range(0, len(touched), CHUNK):
            alerts.load_where(
                conn, alerts_raised.c.stock_id.in_(touched[start:start + CHUNK]),
                alerts_raised.c.cleared_at.is_(None),
            )
        alerts.load(conn, (c.event.trigger for c in changes if isinstance(c.event, REQUESTED)))
        open_alert = {row["stock_id"]: key for key, row in alerts.rows.items() if row["cleared_at"] is None}

        for position, event in changes:
            item_id = str(event.originator_id)
            kind = type(event)
            if kind is OPENED:
                items.add({"id": item_id, "warehouse": event.warehouse, "sku": event.sku})
            elif kind is REGISTERED:
                contacts.add({"id": item_id, "warehouse": event.code, "purchasing_contact": event.purchasing_contact})
            elif kind is DETECTED:
                item = _item(items, item_id, position)
                key = f"{item_id}:{event.originator_version}"
                alerts.add({
                    "key": key, "stock_id": item_id, "warehouse": item["warehouse"], "sku": item["sku"],
                    "available": event.available, "threshold": event.threshold, "raised_at": event.timestamp,
                    "position": position, "cleared_at": None, "replenishment_requested": None,
                })
                open_alert[item_id] = key
            elif kind is CLEARED:
                key = open_alert.pop(item_id, None)
                if key is not None:
                    alerts.change(key)["cleared_at"] = event.timestamp  # type: ignore[index]
            elif kind is REQUESTED:
                # The policy names the crossing it answers; a request made by hand goes to the open alert.
                key = event.trigger if alerts.get(event.trigger) is not None else open_alert.get(item_id)
                if key is not None:
                    alert = alerts.change(key)
                    assert alert is not None
                    alert["replenishment_requested"] = (alert["replenishment_requested"] or 0) + event.quantity
            else:
                item = _item(items, item_id, position)
                shortages.add({
                    "key": f"{item_id}:{event.originator_version}", "stock_id": item_id,
                    "warehouse": item["warehouse"], "sku": item["sku"], "shortfall": event.shortfall,
                    "orders": [str(entry["order_id"]) for entry in event.orders],
                    "found_at": event.timestamp, "position": position,
                })
        items.flush(conn)
        contacts.flush(conn)
        alerts.flush(conn)
        shortages.flush(conn)


def _item(items: RowBatch, item_id: str, position: int) -> dict[str, Any]:
    item = items.get(item_id)
    if item is None:
        raise LookupError(f"stock item {item_id} has an alert at position {position} but was never opened")
    return item


# -- queries: the only way the API reads alerts -------------------------------------------


def _alerts_query(warehouse: str | None, open_only: bool) -> Any:
    query = (
        select(alerts_raised, alert_contacts.c.purchasing_contact)
        .join(alert_contacts, alert_contacts.c.warehouse == alerts_raised.c.warehouse, isouter=True)
        .order_by(alerts_raised.c.position)
    )
    if warehouse is not None:
        query = query.where(alerts_raised.c.warehouse == warehouse)
    if open_only:
        query = query.where(alerts_raised.c.cleared_at.is_(None))
    return query


def low_stock_alerts(db: ReadDatabase, *, warehouse: str | None = None, open_only: bool = True) -> list[LowStockAlertView]:
    """Alerts in the order they were raised; `open_only=False` includes those stock has since cleared."""
    with db.read() as conn:
        rows = conn.execute(_alerts_query(warehouse, open_only)).mappings().all()
    return [
        LowStockAlertView(
            warehouse=row["warehouse"], sku=row["sku"], available=row["available"], threshold=row["threshold"],
            raised_at=row["raised_at"], replenishment_requested=row["replenishment_requested"],
            purchasing_contact=row["purchasing_contact"] or "", cleared_at=row["cleared_at"],
        )
        for row in rows
    ]


def shortages(db: ReadDatabase, *, warehouse: str | None = None) -> list[ShortageView]:
    """Every shortage a count or adjustment revealed, in the order found."""
    query = select(shortages_found).order_by(shortages_found.c.position)
    if warehouse is not None:
        query = query.where(shortages_found.c.warehouse == warehouse)
    with db.read() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        ShortageView(
            warehouse=row["warehouse"], sku=row["sku"], shortfall=row["shortfall"],
            orders=list(row["orders"]), found_at=row["found_at"],
        )
        for row in rows
    ]
