"""Reading stock levels, alerts, shortages and due counts from their projections."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import AtLeast
from api.audit.time_travel import AsOf, AtVersion, read_as_of
from api.context import Context
from api.errors import NOT_FOUND, ApiError
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from api.stock.types import LowStockAlert, OverdueStockCount, Shortage, StockItem
from domain.stock import StockItem as StockItemAggregate
from projections.alerts import low_stock_alerts, shortages
from projections.stock import StockProjector, get_stock, list_stock, overdue_counts

STOCK = StockProjector()
CAPPED = "At most `first` (up to the server's page cap); narrow by warehouse to see the rest."


@strawberry.type
class StockQueries:
    @strawberry.field
    async def stock_item(
        self, info: Info[Context, None], warehouse: str, sku: str, at_least: AtLeast = None, as_of: AsOf = None,
        version: AtVersion = None,
    ) -> StockItem | None:
        view = await read_as_of(
            info.context, get_stock, warehouse, sku, aggregate_id=StockItemAggregate.create_id(warehouse, sku),
            projector=STOCK, as_of=as_of, version=version, at_least=at_least,
        )
        if view is None:
            raise ApiError(
                NOT_FOUND, f"no stock of {sku} in {warehouse}", field="sku", warehouse=warehouse, sku=sku,
            )
        return StockItem.from_view(view)

    @strawberry.field(description="Stock levels, filtered by warehouse, SKU and available range.")
    async def stock_items(
        self, info: Info[Context, None], warehouse: str | None = None, sku: str | None = None,
        min_available: int | None = None, max_available: int | None = None, after: str | None = None,
        first: int = DEFAULT_PAGE_SIZE, at_least: AtLeast = None,
    ) -> Connection[StockItem]:
        page = await info.context.read(
            list_stock, warehouse=warehouse, sku=sku, min_available=min_available, max_available=max_available,
            after=after, first=info.context.page_size(first), at_least=at_least,
        )
        return connection(page, StockItem.from_view)

    @strawberry.field(description=CAPPED)
    async def low_stock_alerts(
        self, info: Info[Context, None], warehouse: str | None = None, open_only: bool = True,
        first: int = DEFAULT_PAGE_SIZE, at_least: AtLeast = None,
    ) -> list[LowStockAlert]:
        first = info.context.page_size(first)
        views = await info.context.read(low_stock_alerts, warehouse=warehouse, open_only=open_only, at_least=at_least)
        return [LowStockAlert.from_view(v) for v in views[:first]]

    @strawberry.field(description=CAPPED)
    async def shortages(
        self, info: Info[Context, None], warehouse: str | None = None, first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> list[Shortage]:
        first = info.context.page_size(first)
        views = await info.context.read(shortages, warehouse=warehouse, at_least=at_least)
        return [Shortage.from_view(v) for v in views[:first]]

    @strawberry.field(description="Stock-takes due now, by the shop's business clock, soonest due first. " + CAPPED)
    async def overdue_stock_counts(
        self, info: Info[Context, None], first: int = DEFAULT_PAGE_SIZE, at_least: AtLeast = None,
    ) -> list[OverdueStockCount]:
        first = info.context.page_size(first)
        now = info.context.application.clock.now()
        views = await info.context.read(overdue_counts, now, at_least=at_least)
        return [OverdueStockCount.from_view(v) for v in views[:first]]
