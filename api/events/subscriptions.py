"""The live change feed: every stored event after a cursor, in log order, then each new one as it lands.

A client that disconnects resumes with `after` set to the last position it saw and
gets nothing twice and nothing lost, because the feed reads the log itself (the same
follower as the SSE stream, `api/feeds/follow.py`).
"""

from __future__ import annotations

from typing import Annotated, AsyncGenerator

import strawberry
from strawberry.types import Info

from api.context import Context
from api.events.types import LoggedEvent
from api.feeds.follow import follow_log
from api.feeds.records import FeedFilter, check_after, feed_filter


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(description="Stored events after log position `after`, then live; filters combine.")
    async def events(
        self,
        info: Info[Context, None],
        after: int = 0,
        types: Annotated[list[str] | None, strawberry.argument(description="Event types, e.g. OrderPlaced.")] = None,
        aggregate_type: Annotated[str | None, strawberry.argument(description="e.g. Order, StockItem.")] = None,
        aggregate_id: str | None = None,
    ) -> AsyncGenerator[LoggedEvent, None]:
        # Checked before the stream starts, so bad input is the operation's error, not an event.
        filters = feed_filter(types, aggregate_type, aggregate_id)
        return logged_events(info.context, check_after(after), filters)


async def logged_events(context: Context, after: int, filters: FeedFilter) -> AsyncGenerator[LoggedEvent, None]:
    async for record in follow_log(context.application, context.watch, after, filters):
        if record is not None:
            yield LoggedEvent.from_record(record)
