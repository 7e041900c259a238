"""A customer's complaint, feedback or enquiry, from first contact to the follow-up call, against its SLAs.

Two promises run from the moment a case is opened: a proposed solution within two hours
(acknowledging does not stop that clock: a customer wants an answer, not a receipt), and a
resolution within a configurable time. A case past either is escalated once per promise and
round; reopening a case starts a new round with fresh clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidInput, InvalidTransition

COMPLAINT = "complaint"
FEEDBACK = "feedback"
ENQUIRY = "enquiry"
KINDS = (COMPLAINT, FEEDBACK, ENQUIRY)
# Feedback asks nothing of us, so it has no clocks.
KINDS_WITH_SLA = (COMPLAINT, ENQUIRY)

CATEGORIES = ("late", "damaged", "missing_item", "courier_behaviour", "other")
CONTACT_CHANNELS = ("phone", "wechat", "sms", "app", "email", "web")
ROOT_CAUSES = ("courier", "warehouse", "routing", "product", "weather", "customer", "other")

OPEN = "OPEN"
ACKNOWLEDGED = "ACKNOWLEDGED"
SOLUTION_PROPOSED = "SOLUTION_PROPOSED"
RESOLVED = "RESOLVED"
CLOSED = "CLOSED"
STATUSES = (OPEN, ACKNOWLEDGED, SOLUTION_PROPOSED, RESOLVED, CLOSED)
ACTIVE = (OPEN, ACKNOWLEDGED, SOLUTION_PROPOSED)

SOLUTION_SLA = "solution"
RESOLUTION_SLA = "resolution"
SLAS = (SOLUTION_SLA, RESOLUTION_SLA)

MIN_SATISFACTION, MAX_SATISFACTION = 1, 5


@dataclass(frozen=True)
class CaseClocks:
    """How long each promise runs, read from the settings when a round starts."""

    solution_hours: float
    resolution_hours: float

    def dues(self, kind: str, start: datetime) -> tuple[datetime | None, datetime | None]:
        if kind not in KINDS_WITH_SLA:
            return None, None
        return start + timedelta(hours=self.solution_hours), start + timedelta(hours=self.resolution_hours)


class CustomerCase(PeisongAggregate):
    class CaseOpened(PeisongAggregate.Created):
        number: str
        customer: str
        kind: str
        channel: str
        category: str
        description: str
        order: str | None
        courier: str | None
        zone: str | None
        solution_due: datetime | None
        resolution_due: datetime | None

    class ComplaintOpened(CaseOpened):
        """A complaint is its own fact: courier KPIs count these, never feedback or enquiries."""

    @staticmethod
    def create_id(number: str) -> UUID:
        return natural_id("case", number)

    @event(CaseOpened)
    def __init__(
        self,
        number: str,
        customer: str,
        kind: str,
        channel: str,
        category: str,
        description: str,
        order: str | None,
        courier: str | None,
        zone: str | None,
        solution_due: datetime | None,
        resolution_due: datetime | None,
    ) -> None:
        self.number = number
        self.customer = customer
        self.kind = kind
        self.channel = channel
        self.category = category
        self.description = description
        self.order = order
        self.courier = courier
        self.zone = zone
        self.status = OPEN
        self.round = 1
        self.dues: dict[str, datetime | None] = {SOLUTION_SLA: solution_due, RESOLUTION_SLA: resolution_due}
        self.met: set[str] = set()
        self.escalated: set[tuple[str, int]] = set()
        self.compensation = Decimal(0)

    @classmethod
    def open(cls, number: str, customer: str, kind: str, channel: str, category: str, description: str,
             order: str | None, courier: str | None, zone: str | None, clocks: CaseClocks,
             now: datetime) -> "CustomerCase":
        if kind not in KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind", value=kind)
        if channel not in CONTACT_CHANNELS:
            raise InvalidInput(f"channel must be one of {', '.join(CONTACT_CHANNELS)}", field="channel")
        if category not in CATEGORIES:
            raise InvalidInput(f"category must be one of {', '.join(CATEGORIES)}", field="category")
        solution_due, resolution_due = clocks.dues(kind, now)
        fields: dict[str, Any] = dict(
            number=number, customer=customer, kind=kind, channel=channel, category=category,
            description=description, order=order, courier=courier, zone=zone,
            solution_due=solution_due, resolution_due=resolution_due,
        )
        if kind == COMPLAINT:
            return cls._create(cls.ComplaintOpened, **fields)
        return cls(**fields)

    # -- the SLAs ---------------------------------------------------------------------------

    def overdue(self, now: datetime) -> list[tuple[str, datetime]]:
        """Promises of this round broken by `now` and not yet escalated."""
        if self.status not in ACTIVE:
            return []
        return [
            (sla, due) for sla in SLAS
            if (due := self.dues[sla]) is not None and sla not in self.met and now > due
            and (sla, self.round) not in self.escalated
        ]

    def next_deadline(self) -> datetime | None:
        """The earliest promise still running, for the SLA watch."""
        if self.status not in ACTIVE:
            return None
        running = [
            due for sla in SLAS
            if (due := self.dues[sla]) is not None and sla not in self.met and (sla, self.round) not in self.escalated
        ]
        return min(running, default=None)

    # -- commands: check, then record -------------------------------------------------------

    def acknowledge(self, by: str) -> None:
        self.check_status("acknowledged", (OPEN,))
        self._acknowledged(by=by)

    def propose_solution(self, solution: str, by: str) -> None:
        self.check_status("given a proposed solution", (OPEN, ACKNOWLEDGED, SOLUTION_PROPOSED))
        self._solution_proposed(solution=solution, by=by)

    def resolve(self, resolution: str, compensation: Decimal, root_cause: str, by: str) -> None:
        self.check_status("resolved", ACTIVE)
        if compensation < 0:
            raise InvalidInput("compensation cannot be negative", field="compensation")
        if root_cause not in ROOT_CAUSES:
            raise InvalidInput(f"rootCause must be one of {', '.join(ROOT_CAUSES)}", field="rootCause")
        self._resolved(resolution=resolution, compensation=compensation, root_cause=root_cause, by=by)

    def reopen(self, reason: str, clocks: CaseClocks, now: datetime) -> None:
        self.check_status("reopened", (RESOLVED,))
        solution_due, resolution_due = clocks.dues(self.kind, now)
        self._reopened(reason=reason, solution_due=solution_due, resolution_due=resolution_due)

    def close(self, satisfaction: int, notes: str, by: str) -> None:
        """After the follow-up call: the customer's satisfaction, 1 to 5."""
        self.check_status("closed", (RESOLVED,))
        if isinstance(satisfaction, bool) or not isinstance(satisfaction, int) \
                or not MIN_SATISFACTION <= satisfaction <= MAX_SATISFACTION:
            raise InvalidInput("satisfaction is a score from 1 to 5", field="satisfaction", value=satisfaction)
        self._closed(satisfaction=satisfaction, notes=notes, by=by)

    def escalate(self, now: datetime) -> list[str]:
        """Escalate every promise `now` finds broken; returns which."""
        broken = self.overdue(now)
        for sla, due in broken:
            self._escalated(sla=sla, due=due, round=self.round,
                            overdue_minutes=int((now - due).total_seconds() // 60))
        return [sla for sla, _ in broken]

    def check_status(self, doing: str, allowed: tuple[str, ...]) -> None:
        if self.status not in allowed:
            raise InvalidTransition(
                f"case {self.number} is {self.status} and cannot be {doing}",
                field="number", case=self.number, status=self.status,
            )

    # -- events: the only way state changes ----------------------------------------------------

    @event("CaseAcknowledged")
    def _acknowledged(self, by: str) -> None:
        self.status = ACKNOWLEDGED

    @event("CaseSolutionProposed")
    def _solution_proposed(self, solution: str, by: str) -> None:
        self.status = SOLUTION_PROPOSED
        self.met.add(SOLUTION_SLA)

    @event("CaseResolved")
    def _resolved(self, resolution: str, compensation: Decimal, root_cause: str, by: str) -> None:
        self.status = RESOLVED
        self.met.update(SLAS)
        self.compensation += compensation

    @event("CaseReopened")
    def _reopened(self, reason: str, solution_due: datetime | None, resolution_due: datetime | None) -> None:
        self.status = OPEN
        self.round += 1
        self.dues = {SOLUTION_SLA: solution_due, RESOLUTION_SLA: resolution_due}
        self.met = set()

    @event("CaseClosed")
    def _closed(self, satisfaction: int, notes: str, by: str) -> None:
        self.status = CLOSED

    @event("CaseEscalated")
    def _escalated(self, sla: str, due: datetime, round: int, overdue_minutes: int) -> None:  # noqa: A002
        self.escalated.add((sla, round))
