"""Following the log from a cursor: what is stored first, then each event as it lands.

The one mechanism behind every live feed (the GraphQL `events` subscription and the SSE
stream): read the log itself after the cursor, and when caught up, wait on `LogWatch`
for this process's next save (or its poll, for other processes' saves). The cursor only
moves past what was read, so a follower that resumes after its last position gets
every later event exactly once.
"""

from __future__ import annotations

import time
from typing import AsyncIterator

from starlette.concurrency import run_in_threadpool

from api.feeds.records import FeedFilter
from api.log_watch import POLL_SECONDS, LogWatch
from domain.app import Peisong
from projections.events import read_events
from projections.views import EventRecord

BATCH = 100


async def follow_log(
    application: Peisong,
    watch: LogWatch,
    after: int,
    filters: FeedFilter,
    *,
    heartbeat: float | None = None,
) -> AsyncIterator[EventRecord | None]:
    """Records after position `after`, in log order, for ever; with `heartbeat`, None after that many idle seconds."""
    cursor = after
    last_sent = time.monotonic()
    while True:
        signal = watch.signal()
        head = await run_in_threadpool(application.head_position)
        records = await run_in_threadpool(
            read_events, application, after=cursor, limit=BATCH, **filters.as_arguments(),
        )
        for record in records:
            cursor = record.position
            yield record
        if records:
            last_sent = time.monotonic()
        if len(records) < BATCH:
            # The read covered the log up to `head`: a filtered feed need not scan that stretch again.
            cursor = max(cursor, head)
            if heartbeat is not None and time.monotonic() - last_sent >= heartbeat:
                last_sent = time.monotonic()
                yield None
            await watch.wait(signal, min(POLL_SECONDS, heartbeat) if heartbeat is not None else POLL_SECONDS)
