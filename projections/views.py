"""The read models' shapes as the API sees them: plain frozen records, never domain objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor-paginated list; `end_cursor` is passed back as `after`."""

    items: list[T]
    end_cursor: str | None
    has_next_page: bool
    total_count: int


@dataclass(frozen=True)
class OrderLineView:
    sku: str
    quantity: int
    warehouse: str
    unit_price: Decimal
    weight_kg: Decimal
    volume_l: Decimal


@dataclass(frozen=True)
class TimelineEntry:
    status: str
    at: datetime
    position: int
    event_type: str
    detail: str


@dataclass(frozen=True)
class OrderView:
    id: str
    number: str
    customer: str
    status: str
    warehouses: list[str]
    warehouse_rule: str
    address_text: str
    lat: float
    lon: float
    window_start: datetime
    window_end: datetime
    weight_kg: Decimal
    volume_l: Decimal
    courier_id: str | None
    delivery_code_required: bool
    placed_at: datetime
    updated_at: datetime
    lines: list[OrderLineView]
    timeline: list[TimelineEntry]


@dataclass(frozen=True)
class StockView:
    warehouse: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    threshold: int
    last_counted_at: datetime | None
    last_count: int | None
    last_variance: int | None
    updated_at: datetime


@dataclass(frozen=True)
class LowStockAlertView:
    warehouse: str
    sku: str
    available: int
    threshold: int
    raised_at: datetime
    replenishment_requested: int | None
    purchasing_contact: str


@dataclass(frozen=True)
class ShortageView:
    warehouse: str
    sku: str
    shortfall: int
    orders: list[str]
    found_at: datetime


@dataclass(frozen=True)
class OverdueCountView:
    warehouse: str
    sku: str
    last_counted_at: datetime | None
    due_at: datetime


@dataclass(frozen=True)
class ProductView:
    sku: str
    name: str
    weight_kg: Decimal
    volume_l: Decimal
    price: Decimal
    category: str
    discontinued: bool


@dataclass(frozen=True)
class WarehouseView:
    code: str
    name: str
    lat: float
    lon: float
    opens: str
    closes: str
    stock_take_interval_days: int
    purchasing_contact: str


@dataclass(frozen=True)
class CustomerView:
    reference: str
    name: str
    phone: str
    language: str
    channels: list[str]
    opted_out: list[str]
    addresses: list[dict[str, object]]


@dataclass(frozen=True)
class ProjectionLag:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return self.head - self.position


@dataclass(frozen=True)
class EventRecord:
    """One stored event in log order, decoded to plain data (history, feeds, subscriptions)."""

    position: int
    aggregate_id: str
    aggregate_type: str
    version: int
    event_type: str
    timestamp: datetime
    data: dict[str, object]
