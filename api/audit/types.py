"""An aggregate's history as auditors read it: each event with who, which command and which request."""

from __future__ import annotations

import asyncio
from typing import Any, Collection
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api.context import Context
from api.events.types import LoggedEvent
from api.views import thin
from projections.time_travel import states_after
from projections.views import EventRecord


class StateReplay:
    """One replay of the aggregate answers the `state` of every entry one history query returns."""

    def __init__(self, context: Context, aggregate_id: str | UUID, versions: Collection[int]) -> None:
        self.context = context
        self.aggregate_id = aggregate_id
        self.versions = frozenset(versions)
        self._states: asyncio.Future[dict[int, dict[str, Any]]] | None = None

    async def state_after(self, version: int) -> dict[str, Any]:
        if self._states is None:
            self._states = asyncio.ensure_future(self.context.read_log(states_after, self.aggregate_id, self.versions))
        return (await self._states)[version]


@strawberry.type(description="One event of an aggregate's history, with its audit trail.")
class HistoryEntry(LoggedEvent):
    actor: str | None = strawberry.field(
        default=None,
        description="Who: a role, with the party its token speaks for (customer:CUST-0001); system:<policy> for a "
        "policy's reaction; cli; or system. Null for events stored before the audit trail was kept.",
    )
    command: str | None = strawberry.field(default=None, description="The command that recorded it, e.g. placeOrder.")
    correlation_id: str | None = strawberry.field(
        default=None,
        description="The request behind it: the API call's X-Request-Id, shared by every event that call caused, "
        "the policies' reactions to it included.",
    )
    causation_id: str | None = strawberry.field(
        default=None,
        description="For a policy's reaction: the event that triggered it, as aggregateId:version.",
    )
    replay: strawberry.Private[StateReplay | None] = None

    @strawberry.field(description="The aggregate's whole state right after this event, rebuilt from the log.")
    async def state(self) -> JSON:
        assert self.replay is not None
        return await self.replay.state_after(self.version)

    @classmethod
    def from_audited(cls, record: EventRecord, replay: StateReplay) -> "HistoryEntry":
        return thin(cls, record, type=record.event_type, replay=replay)
