"""What a projection is to the runner: a name, its tables, the events it follows, and one batch step."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, ClassVar, Sequence

from sqlalchemy import Connection, Table

from projections.database import ReadDatabase
from projections.decoding import Change
from projections.positions import advance_position

Handler = Callable[[Any, Change], None]


class Projector(ABC):
    """A read model filled from the log; its rows and its position always commit together."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]

    @property
    @abstractmethod
    def follows(self) -> frozenset[type]:
        """The event classes this projection reads; others only move its position."""

    @abstractmethod
    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        """Apply a batch of changes (all of followed classes, in log order) inside `conn`'s transaction."""


def project_batch(
    db: ReadDatabase, projector: Projector, changes: Sequence[Change], expected: int, position: int
) -> None:
    """One transaction: the projector's rows for `changes`, and its position moved to `position`."""
    with db.begin() as conn:
        if changes:
            projector.apply(conn, changes)
        advance_position(conn, projector.name, expected, position)
