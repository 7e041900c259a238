"""One page of the log for a cursor: the records, where the next page starts, and whether one is waiting."""

from __future__ import annotations

from dataclasses import dataclass

from api.feeds.records import FeedFilter
from domain.app import Peisong
from projections.events import read_events
from projections.views import EventRecord


@dataclass(frozen=True)
class FeedPage:
    records: list[EventRecord]
    # Pass back as `after`. Past the last record when the page scanned on to the head with
    # nothing more matching, so a sparse filter does not rescan that stretch next time.
    end_cursor: int
    has_next_page: bool


def feed_page(application: Peisong, after: int, limit: int, filters: FeedFilter) -> FeedPage:
    head = application.head_position()
    records = read_events(application, after=after, limit=limit + 1, **filters.as_arguments())
    if len(records) > limit:
        shown = records[:limit]
        return FeedPage(shown, shown[-1].position if shown else after, True)
    return FeedPage(records, max(after, head, *(r.position for r in records[-1:])), False)
