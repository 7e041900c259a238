"""GraphQL views of stored events and of each projection's distance from the head of the log."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from api.views import thin
from projections.views import EventRecord, ProjectionLag


@strawberry.type(description="One stored event, in log order.")
class LoggedEvent:
    position: int = strawberry.field(description="Resume a feed after a disconnect with `after: position`.")
    aggregate_id: str
    aggregate_type: str
    version: int = strawberry.field(description="The aggregate's version this event made.")
    type: str = strawberry.field(description="The past-tense fact, e.g. OrderPlaced.")
    timestamp: datetime = strawberry.field(description="Business time of the command that recorded it.")
    data: JSON

    @classmethod
    def from_record(cls, record: EventRecord) -> "LoggedEvent":
        return thin(cls, record, type=record.event_type)


@strawberry.type(description="A page of the log in order; pass `endCursor` back as `after` for the next one.")
class EventPage:
    nodes: list[LoggedEvent]
    end_cursor: int = strawberry.field(
        description="A log position: the last event shown, or the head when nothing more matched up to it."
    )
    has_next_page: bool


@strawberry.type
class ProjectionProgress:
    name: str
    position: int = strawberry.field(description="The last log position this projection has processed.")
    head: int = strawberry.field(description="The last position in the log.")
    lag: int = strawberry.field(description="Events recorded but not yet processed.")

    @classmethod
    def from_view(cls, view: ProjectionLag) -> "ProjectionProgress":
        return cls(name=view.name, position=view.position, head=view.head, lag=view.lag)
