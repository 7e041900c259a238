"""The base aggregate: events are stamped with the command's business time."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.clock import current_command_time

PEISONG_NAMESPACE = uuid5(NAMESPACE_URL, "https://peisong.dev/ids")


def natural_id(kind: str, *parts: str) -> UUID:
    """A stable aggregate id from a natural key (SKU, warehouse code, order number)."""
    return uuid5(PEISONG_NAMESPACE, ":".join((kind, *parts)))


class PeisongAggregate(Aggregate):
    class Event(Aggregate.Event):
        @staticmethod
        def create_timestamp() -> datetime:
            return current_command_time()

    class Created(Event, Aggregate.Created):
        pass
