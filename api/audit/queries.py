"""History for auditors, straight from the log: every event with its audit trail, up to any moment or version."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.arguments import AtLeast
from api.audit.time_travel import AsOf, AtVersion
from api.audit.types import HistoryEntry, StateReplay
from api.context import Context
from api.errors import BAD_INPUT, NOT_FOUND, ApiError
from domain.orders import Order
from domain.stock import StockItem
from projections.time_travel import history_as_of

DEFAULT_HISTORY_PAGE = 100

AfterVersion = Annotated[
    int, strawberry.argument(description="Continue after this version: pass the last entry's version for the next page.")
]
First = Annotated[int, strawberry.argument(description="At most this many events (up to the server's page cap).")]


async def history_of(
    context: Context, aggregate_id: str | UUID, what: str, field: str, *, as_of: AsOf, version: AtVersion,
    after: int, first: int, at_least: int | None,
) -> list[HistoryEntry]:
    if after < 0:
        raise ApiError(BAD_INPUT, "after is a version, zero or more", field="after", value=after)
    records = await context.read_log(
        history_as_of, aggregate_id, as_of=as_of, version=version, after_version=after,
        first=context.page_size(first), at_least=at_least,
    )
    if records is None:
        raise ApiError(NOT_FOUND, f"{what} has no history", field=field)
    replay = StateReplay(context, aggregate_id, [r.version for r in records])
    return [HistoryEntry.from_audited(r, replay) for r in records]


HOW = (
    " Each event says who recorded it, through which command and which request. With `asOf` or `version` the "
    "history stops where the aggregate then stood; the last entry's `state` is the aggregate at that point."
)


@strawberry.type
class AuditQueries:
    @strawberry.field(description="Every event of one aggregate, oldest first." + HOW)
    async def history(
        self, info: Info[Context, None], aggregate_id: str, as_of: AsOf = None, version: AtVersion = None,
        after: AfterVersion = 0, first: First = DEFAULT_HISTORY_PAGE, at_least: AtLeast = None,
    ) -> list[HistoryEntry]:
        return await history_of(
            info.context, aggregate_id, f"aggregate {aggregate_id}", "aggregateId",
            as_of=as_of, version=version, after=after, first=first, at_least=at_least,
        )

    @strawberry.field(description="Every event of one order, oldest first." + HOW)
    async def order_history(
        self, info: Info[Context, None], number: str, as_of: AsOf = None, version: AtVersion = None,
        after: AfterVersion = 0, first: First = DEFAULT_HISTORY_PAGE, at_least: AtLeast = None,
    ) -> list[HistoryEntry]:
        return await history_of(
            info.context, Order.create_id(number), f"order {number}", "number",
            as_of=as_of, version=version, after=after, first=first, at_least=at_least,
        )

    @strawberry.field(description="Every event of one SKU in one warehouse, oldest first." + HOW)
    async def stock_history(
        self, info: Info[Context, None], warehouse: str, sku: str, as_of: AsOf = None, version: AtVersion = None,
        after: AfterVersion = 0, first: First = DEFAULT_HISTORY_PAGE, at_least: AtLeast = None,
    ) -> list[HistoryEntry]:
        return await history_of(
            info.context, StockItem.create_id(warehouse, sku), f"stock of {sku} in {warehouse}", "sku",
            as_of=as_of, version=version, after=after, first=first, at_least=at_least,
        )
