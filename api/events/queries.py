"""The log for its readers, straight from the store: the paged feed and the read models' lag (history: api/audit/)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.arguments import AtLeast
from api.context import Context
from api.events.types import EventPage, LoggedEvent, ProjectionProgress
from api.feeds.pages import feed_page
from api.feeds.records import check_after, feed_filter


@strawberry.type
class EventQueries:
    @strawberry.field(description="Every stored event in log order, a page at a time from a cursor; filters combine.")
    async def events(
        self,
        info: Info[Context, None],
        after: Annotated[int | None, strawberry.argument(description="A log position; 0 or none: from the start.")] = None,
        first: int = 100,
        types: Annotated[list[str] | None, strawberry.argument(description="Event types, e.g. OrderPlaced.")] = None,
        aggregate_type: Annotated[str | None, strawberry.argument(description="e.g. Order, StockItem.")] = None,
        aggregate_id: str | None = None,
        at_least: AtLeast = None,
    ) -> EventPage:
        context = info.context
        page = await context.read_log(
            feed_page, check_after(after or 0), context.page_size(first),
            feed_filter(types, aggregate_type, aggregate_id), at_least=at_least,
        )
        return EventPage(
            nodes=[LoggedEvent.from_record(r) for r in page.records],
            end_cursor=page.end_cursor, has_next_page=page.has_next_page,
        )

    @strawberry.field(description="How far each projection (and policy) trails the head of the log.")
    async def projection_lag(self, info: Info[Context, None], at_least: AtLeast = None) -> list[ProjectionProgress]:
        await info.context.reached(at_least)
        lags = await run_in_threadpool(info.context.services.runner.lags)
        return [ProjectionProgress.from_view(lag) for lag in lags]
