"""Special situations a dispatcher declares for zones and a period (heavy rain, a road closure, a peak of orders).

While a situation runs, travel in its zones is slowed by its factor (a traffic report, so the
routes crossing them are re-planned), late deliveries there name it as their reason, and each
affected customer is told once, with the reason and the new arrival time. The board lists the
situations not over yet, so the periodic check knows which to start and end.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidInput, InvalidTransition

HEAVY_RAIN = "heavy_rain"
ROAD_CLOSURE = "road_closure"
PEAK_OVERLOAD = "peak_overload"
OTHER = "other"
KINDS = (HEAVY_RAIN, ROAD_CLOSURE, PEAK_OVERLOAD, OTHER)
# How much longer travel takes when the dispatcher gives no factor of their own.
DEFAULT_FACTORS = {HEAVY_RAIN: 1.5, ROAD_CLOSURE: 2.0, PEAK_OVERLOAD: 1.3, OTHER: 1.5}

DECLARED = "DECLARED"
RUNNING = "RUNNING"
ENDED = "ENDED"

MAX_ZONES = 200


class SpecialSituation(PeisongAggregate):
    @staticmethod
    def create_id(code: str) -> UUID:
        return natural_id("special-situation", code)

    @event("SpecialSituationDeclared")
    def __init__(
        self, code: str, kind: str, description: str, zones: tuple[str, ...], factor: float, starts_at: datetime,
        ends_at: datetime,
    ) -> None:
        self.code = code
        self.kind = kind
        self.description = description
        self.zones = list(zones)
        self.factor = factor
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.status = DECLARED
        self.previous: dict[str, float] = {}

    @classmethod
    def declare(cls, code: str, kind: str, description: str, zones: list[str], factor: float | None,
                starts_at: datetime, ends_at: datetime, now: datetime) -> "SpecialSituation":
        if kind not in KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind", value=kind)
        if not zones or len(zones) > MAX_ZONES:
            raise InvalidInput(f"a situation covers 1 to {MAX_ZONES} zones", field="zones")
        if ends_at <= now:
            raise InvalidInput("the situation's period is already over", field="endsAt")
        return cls(code=code, kind=kind, description=description, zones=tuple(dict.fromkeys(zones)),
                   factor=DEFAULT_FACTORS[kind] if factor is None else factor, starts_at=starts_at, ends_at=ends_at)

    def covers(self, zone: str | None, moment: datetime) -> bool:
        return self.status == RUNNING and zone in self.zones and self.starts_at <= moment < self.ends_at

    def due_to_start(self, now: datetime) -> bool:
        return self.status == DECLARED and self.starts_at <= now < self.ends_at

    def due_to_end(self, now: datetime) -> bool:
        return self.status != ENDED and now >= self.ends_at

    def start(self, previous: dict[str, float]) -> None:
        """Its factors now apply; `previous` are the zones' factors before, to restore at the end."""
        if self.status != DECLARED:
            raise InvalidTransition(f"situation {self.code} is {self.status}", field="code", code=self.code)
        self._started(previous=dict(previous))

    def end(self, reason: str) -> None:
        if self.status == ENDED:
            raise InvalidTransition(f"situation {self.code} is already over", field="code", code=self.code)
        self._ended(reason=reason, was_running=self.status == RUNNING)

    @event("SpecialSituationStarted")
    def _started(self, previous: dict[str, float]) -> None:
        self.status = RUNNING
        self.previous = dict(previous)

    @event("SpecialSituationEnded")
    def _ended(self, reason: str, was_running: bool) -> None:
        self.status = ENDED


class SituationBoard(PeisongAggregate):
    """The situations declared and not over yet: what the periodic check and delay reasons look through."""

    @staticmethod
    def create_id() -> UUID:
        return natural_id("situation-board", "shop")

    @event("SituationBoardOpened")
    def __init__(self) -> None:
        self.current: dict[str, dict[str, Any]] = {}

    @event("SituationPosted")
    def post(self, code: str, kind: str, zones: tuple[str, ...], starts_at: datetime, ends_at: datetime) -> None:
        self.current[code] = {"kind": kind, "zones": list(zones), "starts_at": starts_at, "ends_at": ends_at}

    @event("SituationTakenDown")
    def take_down(self, code: str) -> None:
        self.current.pop(code, None)

    def covering(self, zone: str | None, moment: datetime) -> list[str]:
        """Codes of the situations covering `zone` at `moment`, earliest declared first."""
        return [code for code, s in self.current.items()
                if zone in s["zones"] and s["starts_at"] <= moment < s["ends_at"]]


class SituationNotice(PeisongAggregate):
    """That a customer was told of a situation, once per order and situation, with the arrival time then planned."""

    @staticmethod
    def create_id(order: str, situation: str) -> UUID:
        return natural_id("situation-notice", order, situation)

    @event("SituationNoticeIssued")
    def __init__(
        self, order: str, situation: str, kind: str, description: str, customer: str, plan: str, eta: datetime,
        window_end: datetime,
    ) -> None:
        self.order = order
        self.situation = situation
        self.eta = eta
