"""Orders pre-aggregated for analysis, so any date range is answered from small tables, never the log.

Every placed order adds to counters keyed by the shop's local hour or day and by what an analyst
filters on (zone, warehouse, product category), each with an "all" member (`*`) so that a total
is one row rather than a sum over members. When the order is later delivered or cancelled, the
same counters of its placing hour or day learn it (a cohort view: "of Saturday's orders, how
many arrived on time"). Alongside: order sizes as histogram bins, delivery addresses on a fixed
grid of 250 m cells (counted in aligned blocks of 1, 2, 4, ... 512 days, so that any range is a few
dozen blocks rather than every day in it), and the daily units of each SKU each warehouse was asked
for, which the stock forecast reads.

Counters are added with one upsert per row per batch (insert, or add to what is there), so a
batch and a rebuild from zero end in the same sums whatever the batch sizes.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, Connection, Index, Integer, String, Table

from domain.catalogue import Product
from domain.orders import Order
from domain.settings import Settings
from projections.columns import Instant, JsonList
from projections.database import metadata
from projections.decoding import Change
from projections.projector import Projector
from projections.rows import RowBatch

ALL = "*"  # the member of a dimension that stands for all of them
UNZONED = ""  # orders placed outside every zone (or before any was drawn)
EPOCH = date(1970, 1, 1).toordinal()

# The heat grid: square cells of BASE_CELL_M at GRID_LATITUDE (Shanghai; a few percent off square within
# a few hundred kilometres), counted from the south-west corner of the globe so every index is positive.
BASE_CELL_M = 250
GRID_LATITUDE = 31.23
METRES_PER_DEGREE = 111_320.0

# Order size histograms: each bin runs from its edge up to the next (the last is open-ended).
WEIGHT_EDGES_KG = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
VOLUME_EDGES_L = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
WEIGHT, VOLUME = "weight", "volume"

# Heat-grid blocks: level L counts the 2**L days from (day number >> L) << L. A range of days is covered by at
# most two blocks of each level (greedily, from its start): its cells are read from a few dozen blocks.
BLOCK_LEVELS = 10

# What every order counter holds; weights in grams and volumes in millilitres keep the sums exact.
MEASURES = ("orders", "units", "weight_g", "volume_ml", "cancelled", "delivered", "on_time", "lead_time_s")
OPEN, DELIVERED, CANCELLED = "OPEN", "DELIVERED", "CANCELLED"


def _measures() -> list[Column[Any]]:
    return [Column(name, BigInteger, nullable=False) for name in MEASURES]


analytics_hours = Table(
    "analytics_hours",
    metadata,
    Column("zone", String(40), primary_key=True),
    Column("warehouse", String(40), primary_key=True),
    Column("hour", BigInteger, primary_key=True),  # local hours since 1970-01-01 00:00
    *_measures(),
)

analytics_days = Table(
    "analytics_days",
    metadata,
    Column("zone", String(40), primary_key=True),
    Column("warehouse", String(40), primary_key=True),
    Column("category", String(60), primary_key=True),
    Column("day", Integer, primary_key=True),  # local days since 1970-01-01
    *_measures(),
    Index("ix_analytics_days_warehouse", "warehouse", "category", "day"),
    Index("ix_analytics_days_zone", "zone", "category", "day"),
)

analytics_sizes = Table(
    "analytics_sizes",
    metadata,
    Column("zone", String(40), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("measure", String(8), primary_key=True),
    Column("bin", Integer, primary_key=True),
    Column("orders", BigInteger, nullable=False),
)

analytics_cells = Table(
    "analytics_cells",
    metadata,
    Column("zone", String(40), primary_key=True),
    Column("level", Integer, primary_key=True),  # the block holds 2 ** level days
    Column("start", Integer, primary_key=True),  # the block's first day number >> level
    Column("row", Integer, primary_key=True),
    Column("col", Integer, primary_key=True),
    Column("orders", BigInteger, nullable=False),
)

analytics_demand = Table(
    "analytics_demand",
    metadata,
    Column("warehouse", String(40), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("units", BigInteger, nullable=False),
    Column("orders", BigInteger, nullable=False),
)

# What a later delivery or cancellation needs to find its order's counters again.
analytics_orders = Table(
    "analytics_orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("zone", String(40), nullable=False),
    Column("hour", BigInteger, nullable=False),
    Column("placed_at", Instant, nullable=False),
    Column("window_start", Instant, nullable=False),
    Column("window_end", Instant, nullable=False),
    Column("warehouses", JsonList, nullable=False),
    Column("categories", JsonList, nullable=False),  # [[warehouse, category], ...]
    Column("status", String(12), nullable=False),
)

analytics_products = Table(
    "analytics_products",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("sku", String(64), nullable=False),
    Column("category", String(60), nullable=False),
)

PLACED: type = Order.OrderPlaced  # type: ignore[attr-defined]
DELIVERED_EVENT: type = Order.OrderDelivered  # type: ignore[attr-defined]
CANCELLED_EVENT: type = Order.OrderCancelled  # type: ignore[attr-defined]
PRODUCT_ADDED: type = Product.ProductAdded  # type: ignore[attr-defined]
PRODUCT_UPDATED: type = Product.ProductUpdated  # type: ignore[attr-defined]

COUNTERS: dict[str, tuple[Table, tuple[str, ...], tuple[str, ...]]] = {
    # name: (table, key columns, summed columns)
    "hours": (analytics_hours, ("zone", "warehouse", "hour"), MEASURES),
    "days": (analytics_days, ("zone", "warehouse", "category", "day"), MEASURES),
    "sizes": (analytics_sizes, ("zone", "day", "measure", "bin"), ("orders",)),
    "cells": (analytics_cells, ("zone", "level", "start", "row", "col"), ("orders",)),
    "demand": (analytics_demand, ("warehouse", "sku", "day"), ("units", "orders")),
}


@lru_cache(maxsize=8)
def local_zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def day_number(day: date) -> int:
    return day.toordinal() - EPOCH


def day_of(number: int) -> date:
    return date.fromordinal(number + EPOCH)


def local_hour(moment: datetime, timezone: str) -> int:
    """The local hour an instant falls in, as hours since 1970-01-01 00:00 local time."""
    local = moment.astimezone(local_zone(timezone))
    return day_number(local.date()) * 24 + local.hour


def day_blocks(first: int, last: int) -> list[tuple[int, int]]:
    """The (level, start) blocks exactly covering day numbers `first` to `last`: from the first day, each block
    the largest aligned one that still fits, so at most two of each level."""
    blocks, day, end = [], first, last + 1
    while day < end:
        level = 0
        while level + 1 < BLOCK_LEVELS and day % (2 << level) == 0 and day + (2 << level) <= end:
            level += 1
        blocks.append((level, day >> level))
        day += 1 << level
    return blocks


def grid_cell(lat: float, lon: float, cell_m: float = BASE_CELL_M) -> tuple[int, int]:
    """The (row, col) of the fixed grid cell holding a point; a cell `k * BASE_CELL_M` wide is `k` by `k`
    base cells, so coarser grids are sums of the stored one."""
    row = math.floor((lat + 90.0) * METRES_PER_DEGREE / cell_m)
    col = math.floor((lon + 180.0) * METRES_PER_DEGREE * math.cos(math.radians(GRID_LATITUDE)) / cell_m)
    return row, col


def cell_bounds(row: int, col: int, cell_m: float) -> tuple[float, float, float, float]:
    """South, west, north, east of a grid cell of `cell_m` metres."""
    lat_step = cell_m / METRES_PER_DEGREE
    lon_step = cell_m / (METRES_PER_DEGREE * math.cos(math.radians(GRID_LATITUDE)))
    return row * lat_step - 90.0, col * lon_step - 180.0, (row + 1) * lat_step - 90.0, (col + 1) * lon_step - 180.0


def size_bin(value: float, edges: Sequence[float]) -> int:
    return max(bisect_right(edges, value) - 1, 0)


def _thousandths(value: Any) -> int:
    return int((Decimal(str(value)) * 1000).to_integral_value())


class _Counters:
    """Increments gathered over a batch, one vector per counter row."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple[Any, ...], list[int]]] = {name: {} for name in COUNTERS}

    def add(self, counter: str, key: tuple[Any, ...], **amounts: int) -> None:
        names = COUNTERS[counter][2]
        row = self.rows[counter].get(key)
        if row is None:
            row = self.rows[counter][key] = [0] * len(names)
        for i, name in enumerate(names):
            if name in amounts:
                row[i] += amounts[name]

    def flush(self, conn: Connection) -> None:
        for counter, rows in self.rows.items():
            if not rows:
                continue
            table, keys, sums = COUNTERS[counter]
            values = [{**dict(zip(keys, key)), **dict(zip(sums, amounts))} for key, amounts in rows.items()]
            conn.execute(_adding_upsert(conn, table, keys, sums), values)


def _adding_upsert(conn: Connection, table: Table, keys: Sequence[str], sums: Sequence[str]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET m = m + excluded.m, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys],
        set_={name: table.c[name] + statement.excluded[name] for name in sums},
    )


class AnalyticsProjector(Projector):
    name = "analytics"
    tables = (analytics_hours, analytics_days, analytics_sizes, analytics_cells, analytics_demand, analytics_orders,
              analytics_products)

    def __init__(self, timezone: str = Settings.business_timezone) -> None:
        self.timezone = timezone

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({PLACED, DELIVERED_EVENT, CANCELLED_EVENT, PRODUCT_ADDED, PRODUCT_UPDATED})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        products = RowBatch(analytics_products, "id")
        orders = RowBatch(analytics_orders, "id")
        orders.load(conn, (str(c.event.originator_id) for c in changes if type(c.event) is not PLACED
                           and type(c.event) not in (PRODUCT_ADDED, PRODUCT_UPDATED)))
        products.load(conn, {
            str(Product.create_id(str(line["sku"])))
            for c in changes if type(c.event) is PLACED for line in c.event.lines
        } | {str(c.event.originator_id) for c in changes if type(c.event) is PRODUCT_UPDATED})
        counters = _Counters()
        for position, event in changes:
            kind = type(event)
            if kind is PRODUCT_ADDED:
                products.add({"id": str(event.originator_id), "sku": event.sku, "category": event.category})
            elif kind is PRODUCT_UPDATED:
                row = products.change(str(event.originator_id))
                if row is None:
                    raise LookupError(f"product {event.originator_id} updated at position {position} but never added")
                row["category"] = event.category
            elif kind is PLACED:
                orders.add(self._placed(counters, products, event))
            else:
                order = orders.change(str(event.originator_id))
                if order is None:
                    raise LookupError(f"order {event.originator_id} changed at position {position} but never placed")
                _settled(counters, order, event)
        products.flush(conn)
        orders.flush(conn)
        counters.flush(conn)

    def _placed(self, counters: _Counters, products: RowBatch, event: Any) -> dict[str, Any]:
        placed_at = event.timestamp
        local = placed_at.astimezone(local_zone(self.timezone))
        day = day_number(local.date())
        hour = day * 24 + local.hour
        zones = (event.zone or UNZONED, ALL)
        per_warehouse: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        per_category: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for line in event.lines:
            warehouse, sku, quantity = str(line["warehouse"]), str(line["sku"]), int(line["quantity"])
            product = products.get(str(Product.create_id(sku)))
            category = product["category"] if product is not None else "unknown"
            amounts = (quantity, _thousandths(line["weight_kg"]), _thousandths(line["volume_l"]))
            for key in ((warehouse, category), (ALL, category)):
                per_category[key] = [a + b for a, b in zip(per_category[key], amounts)]
            for key in (warehouse, ALL):
                per_warehouse[key] = [a + b for a, b in zip(per_warehouse[key], amounts)]
            counters.add("demand", (warehouse, sku, day), units=quantity, orders=1)
        weight_kg, volume_l = float(event.weight_kg), float(event.volume_l)
        row, col = grid_cell(float(event.address["lat"]), float(event.address["lon"]))
        for zone in zones:
            for warehouse, (units, grams, millilitres) in per_warehouse.items():
                figures = {"orders": 1, "units": units, "weight_g": grams, "volume_ml": millilitres}
                counters.add("hours", (zone, warehouse, hour), **figures)
                counters.add("days", (zone, warehouse, ALL, day), **figures)
            for (warehouse, category), (units, grams, millilitres) in per_category.items():
                counters.add("days", (zone, warehouse, category, day),
                             orders=1, units=units, weight_g=grams, volume_ml=millilitres)
            counters.add("sizes", (zone, day, WEIGHT, size_bin(weight_kg, WEIGHT_EDGES_KG)), orders=1)
            counters.add("sizes", (zone, day, VOLUME, size_bin(volume_l, VOLUME_EDGES_L)), orders=1)
            for level in range(BLOCK_LEVELS):
                counters.add("cells", (zone, level, day >> level, row, col), orders=1)
        return {
            "id": str(event.originator_id), "zone": zones[0], "hour": hour, "placed_at": placed_at,
            "window_start": event.window_start, "window_end": event.window_end,
            "warehouses": sorted(w for w in per_warehouse if w != ALL),
            "categories": sorted([w, c] for w, c in per_category if w != ALL), "status": OPEN,
        }


def _settled(counters: _Counters, order: dict[str, Any], event: Any) -> None:
    """A delivery or cancellation counts in the counters of the hour and day its order was placed."""
    if order["status"] != OPEN:
        return
    at = event.timestamp
    if isinstance(event, CANCELLED_EVENT):
        order["status"] = CANCELLED
        amounts = {"cancelled": 1}
    else:
        order["status"] = DELIVERED
        on_time = order["window_start"] <= at <= order["window_end"]
        amounts = {"delivered": 1, "on_time": int(on_time),
                   "lead_time_s": max(int((at - order["placed_at"]).total_seconds()), 0)}
    hour = order["hour"]
    day = hour // 24
    warehouses = [*order["warehouses"], ALL]
    categories = {(w, c) for w, c in order["categories"]} | {(ALL, c) for _, c in order["categories"]}
    for zone in (order["zone"], ALL):
        for warehouse in warehouses:
            counters.add("hours", (zone, warehouse, hour), **amounts)
            counters.add("days", (zone, warehouse, ALL, day), **amounts)
        for warehouse, category in categories:
            counters.add("days", (zone, warehouse, category, day), **amounts)

