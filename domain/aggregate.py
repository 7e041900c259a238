"""The base aggregate: events are stamped with the command's business time and its audit metadata."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.audit import current_metadata
from domain.clock import current_command_time

PEISONG_NAMESPACE = uuid5(NAMESPACE_URL, "https://peisong.dev/ids")


@lru_cache(maxsize=65_536)
def natural_id(kind: str, *parts: str) -> UUID:
    """A stable aggregate id from a natural key (SKU, warehouse code, order number).

    Memoised: a command derives the same few ids (customer, SKUs, stock items) again and again.
    """
    return uuid5(PEISONG_NAMESPACE, ":".join((kind, *parts)))


class PeisongAggregate(Aggregate):
    class Event(Aggregate.Event):
        # Who, which command, which request (domain/audit.py). Keyword-only with a default,
        # so every subclass keeps its own fields in order; events stored without it decode
        # to the class default, None.
        metadata: dict[str, Any] | None = field(default=None, kw_only=True)

        def __post_init__(self) -> None:
            super().__post_init__()
            # Runs only when an event is created: the mapper decodes stored events without __init__.
            if self.metadata is None:
                object.__setattr__(self, "metadata", current_metadata())

        @staticmethod
        def create_timestamp() -> datetime:
            return current_command_time()

    class Created(Event, Aggregate.Created):
        pass
