"""The promises still running: each open case's and after-sales request's next deadline, in one place.

Missing a deadline is an absence of events, so nothing in the log would wake anyone up; the
periodic SLA check reads this list instead of every case ever opened. Each command on a case
or request updates its entry in the same save, so the list and the cases never disagree.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id

CASE = "case"
AFTERSALES = "aftersales"


def watched(kind: str, number: str) -> str:
    return f"{kind}:{number}"


class SlaWatch(PeisongAggregate):
    @staticmethod
    def create_id() -> UUID:
        return natural_id("sla-watch", "shop")

    @event("SlaWatchOpened")
    def __init__(self) -> None:
        self.deadlines: dict[str, datetime] = {}

    def track(self, kind: str, number: str, due: datetime | None) -> None:
        """Keep `number`'s next deadline (None: nothing is running any more); records only a change."""
        key = watched(kind, number)
        if due is None:
            if key in self.deadlines:
                self._cleared(subject=key)
        elif self.deadlines.get(key) != due:
            self._watched(subject=key, due=due)

    def due_by(self, now: datetime) -> list[tuple[str, str]]:
        """(kind, number) of every deadline passed by `now`, earliest first."""
        passed = sorted((due, key) for key, due in self.deadlines.items() if due < now)
        return [tuple(key.split(":", 1)) for _, key in passed]  # type: ignore[misc]

    @event("DeadlineWatched")
    def _watched(self, subject: str, due: datetime) -> None:
        self.deadlines[subject] = due

    @event("DeadlineCleared")
    def _cleared(self, subject: str) -> None:
        self.deadlines.pop(subject, None)
