"""Traffic as the planner sees it: a factor per zone on travel times, changed by reports that take effect at once.

A report is a fact with a time ("from now on, travel in zone X takes 1.8 times as long"),
so it is an event: plans record the factors they used, and a report triggers the re-planning
of the routes that cross its zone (domain/policies.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidInput

# Slower than this is a closed road, not traffic; faster than free flow is a mistake.
MIN_FACTOR = 1.0
MAX_FACTOR = 10.0


def clean_factor(value: Any, field: str = "factor") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput("a traffic factor is a number", field=field)
    factor = float(value)
    if not MIN_FACTOR <= factor <= MAX_FACTOR:
        raise InvalidInput(
            f"a traffic factor is between {MIN_FACTOR:g} (free flow) and {MAX_FACTOR:g}", field=field, value=factor,
        )
    return round(factor, 3)


class TrafficConditions(PeisongAggregate):
    """The shop's one picture of traffic now: each zone's factor since its last report (1.0 when none)."""

    @staticmethod
    def create_id() -> UUID:
        return natural_id("traffic-conditions", "shop")

    @event("TrafficConditionsOpened")
    def __init__(self) -> None:
        self.factors: dict[str, float] = {}
        self.reported_at: dict[str, datetime] = {}

    def factor(self, zone: str | None) -> float:
        return self.factors.get(zone, MIN_FACTOR) if zone is not None else MIN_FACTOR

    def report(self, zone: str, factor: float, at: datetime, note: str) -> None:
        self._reported(zone=zone, factor=factor, previous=self.factor(zone), at=at, note=note)

    @event("TrafficReported")
    def _reported(self, zone: str, factor: float, previous: float, at: datetime, note: str) -> None:
        if factor == MIN_FACTOR:
            self.factors.pop(zone, None)
        else:
            self.factors[zone] = factor
        self.reported_at[zone] = at
