"""A command's idempotency key, saved with the command's own events: repeat it and get the first answer."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id


class IdempotentCommand(PeisongAggregate):
    @staticmethod
    def create_id(key: str) -> UUID:
        return natural_id("command", key)

    @event("CommandCompleted")
    def __init__(self, key: str, command: str, result: dict[str, object], head_before: int) -> None:
        self.key = key
        self.command = command
        self.result = result
        self.head_before = head_before
