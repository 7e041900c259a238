"""Stored notifications back into domain events, decoding only what someone follows."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, NamedTuple, Sequence

from eventsourcing.persistence import Notification
from eventsourcing.utils import TopicError, resolve_topic


class Change(NamedTuple):
    """One domain event and its position in the log."""

    position: int
    event: Any

    @property
    def kind(self) -> type:
        return type(self.event)


@lru_cache(maxsize=1024)
def event_class(topic: str) -> type | None:
    """The class a stored topic names now, or None for a topic no longer in the code."""
    try:
        return resolve_topic(topic)
    except TopicError:
        return None


class EventDecoder:
    """Looks at each notification's topic first; the application's mapper (upcasting included) does the rest."""

    def __init__(self, app: Any) -> None:
        self.mapper = app.mapper

    def decode(self, notifications: Sequence[Notification], wanted: Callable[[type], bool]) -> list[Change]:
        """Changes for the notifications whose event class is `wanted`, in log order."""
        to_domain_event = self.mapper.to_domain_event
        changes: list[Change] = []
        for notification in notifications:
            cls = event_class(notification.topic)
            if cls is not None and wanted(cls):
                changes.append(Change(notification.id, to_domain_event(notification)))
        return changes
