"""One stored event as every feed hands it out: the JSON of feed pages, SSE messages and webhook payloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from api.errors import BAD_INPUT, ApiError
from api.events_schema import check_event_types
from projections.views import EventRecord


def event_id(record: EventRecord) -> str:
    """Stable across re-deliveries and feeds: an aggregate's version names one event for ever."""
    return f"{record.aggregate_id}:{record.version}"


def event_document(record: EventRecord) -> dict[str, Any]:
    return {
        "position": record.position,
        "eventId": event_id(record),
        "type": record.event_type,
        "aggregateType": record.aggregate_type,
        "aggregateId": record.aggregate_id,
        "version": record.version,
        "timestamp": record.timestamp.isoformat(),
        "data": record.data,
    }


@dataclass(frozen=True)
class FeedFilter:
    """Which events a feed carries; every filter given must match (None: no filter)."""

    types: tuple[str, ...] | None = None
    aggregate_type: str | None = None
    aggregate_id: str | None = None

    def as_arguments(self) -> dict[str, Any]:
        return {"types": self.types, "aggregate_type": self.aggregate_type, "aggregate_id": self.aggregate_id}


def feed_filter(types: list[str] | None, aggregate_type: str | None, aggregate_id: str | None) -> FeedFilter:
    """The filters as given, checked: known event types, and an aggregate id that is a UUID."""
    if aggregate_id is not None:
        try:
            UUID(aggregate_id)
        except ValueError:
            raise ApiError(BAD_INPUT, "aggregateId is not an aggregate id", field="aggregateId") from None
    return FeedFilter(
        types=check_event_types(types, "types") if types else None,
        aggregate_type=aggregate_type or None,
        aggregate_id=aggregate_id,
    )


def check_after(after: int) -> int:
    if after < 0:
        raise ApiError(BAD_INPUT, "after is a log position, zero or more", field="after")
    return after
