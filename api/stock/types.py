"""GraphQL views of stock levels, alerts and counts, and the inputs that move stock."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.recorded import Recorded
from api.views import thin
from projections.views import LowStockAlertView, OverdueCountView, ShortageView, StockView


@strawberry.type(description="One SKU in one warehouse.")
class StockItem:
    warehouse: str
    sku: str
    on_hand: int
    reserved: int = strawberry.field(description="Promised to placed orders, not yet shipped.")
    available: int = strawberry.field(description="On hand minus reserved: what new orders may take.")
    threshold: int = strawberry.field(description="Available at or below this raises a low-stock alert.")
    last_counted_at: datetime | None
    last_count: int | None
    last_variance: int | None = strawberry.field(description="Counted minus the book quantity at the last count.")
    updated_at: datetime

    @classmethod
    def from_view(cls, view: StockView) -> "StockItem":
        return thin(cls, view)


@strawberry.type
class LowStockAlert:
    warehouse: str
    sku: str
    available: int
    threshold: int
    raised_at: datetime
    replenishment_requested: int | None = strawberry.field(description="Units asked of purchasing, once asked.")
    purchasing_contact: str
    cleared_at: datetime | None = strawberry.field(description="When stock rose above the threshold again.")

    @classmethod
    def from_view(cls, view: LowStockAlertView) -> "LowStockAlert":
        return thin(cls, view)


@strawberry.type(description="More promised than held (after a count or adjustment): these orders lose out.")
class Shortage:
    warehouse: str
    sku: str
    shortfall: int
    orders: list[str]
    found_at: datetime

    @classmethod
    def from_view(cls, view: ShortageView) -> "Shortage":
        return thin(cls, view, orders=list(view.orders))


@strawberry.type(description="A SKU whose stock-take is due (never counted, or counted too long ago).")
class OverdueStockCount:
    warehouse: str
    sku: str
    last_counted_at: datetime | None
    due_at: datetime

    @classmethod
    def from_view(cls, view: OverdueCountView) -> "OverdueStockCount":
        return thin(cls, view)


@strawberry.input
class ReceiptLineInput:
    warehouse: str
    sku: str
    quantity: int


@strawberry.input(description="One delivery note: every line is booked, or none.")
class ReceiveStockInput:
    reference: str = ""
    lines: list[ReceiptLineInput]


@strawberry.input
class CountStockInput:
    warehouse: str
    sku: str
    counted: int
    counted_by: str = ""


@strawberry.input
class AdjustStockInput:
    warehouse: str
    sku: str
    delta: int = strawberry.field(description="Units added (positive) or written off (negative).")
    reason: str


@strawberry.input
class SetReorderThresholdInput:
    warehouse: str
    sku: str
    threshold: int


@strawberry.type
class ReceiveStockPayload(Recorded):
    lines: int = strawberry.field(description="Receipt lines booked.")


@strawberry.type
class StockChangePayload(Recorded):
    warehouse: str
    sku: str
    on_hand: int | None = strawberry.field(description="Units on hand after the change, where it moved them.")
