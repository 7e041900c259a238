"""Commands on special situations: declaring one for zones and a period, ending it, and the periodic check that
starts and ends them on the clock, changing the zones' traffic factors as it goes."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Sequence

from domain import validation as v
from domain.errors import AlreadyExists, InvalidInput
from domain.execution import CommandResult, CommandRunner
from domain.situations import RUNNING, SituationBoard, SpecialSituation
from domain.traffic import MIN_FACTOR, TrafficConditions, clean_factor
from domain.zones import Zone



def new_situation_code() -> str:
    return "SIT-" + secrets.token_hex(3).upper()


class SituationCommands(CommandRunner):
    def declare_special_situation(
        self,
        kind: str,
        zones: Sequence[str],
        starts_at: datetime,
        ends_at: datetime,
        description: str = "",
        factor: float | None = None,
        code: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Declare a situation; one whose period has begun slows its zones at once (and so re-plans routes)."""

        def body():  # type: ignore[no-untyped-def]
            name = v.text(code, "code", max_length=40) if code is not None else new_situation_code()
            if self.get_or_none(SpecialSituation.create_id(name)) is not None:
                raise AlreadyExists(f"situation {name} already exists", field="code", code=name)
            _check_zone_list(zones)
            start, end = v.window(starts_at, ends_at, "period")
            areas = [self._zone(z, f"zones.{i}") for i, z in enumerate(zones)]
            situation = SpecialSituation.declare(
                name, kind, v.text(description, "description", required=False, max_length=v.MAX_LONG_TEXT), areas,
                None if factor is None else clean_factor(factor), start, end, self.clock.now(),
            )
            board = self.situation_board()
            board.post(situation.code, situation.kind, tuple(situation.zones), start, end)
            saved: list[Any] = [situation, board]
            conditions = None
            if situation.due_to_start(self.clock.now()):
                conditions = self._start(situation, board)
            return [*saved, conditions], {"code": situation.code, "status": situation.status}

        return self.run_command("declareSpecialSituation", body, idempotency_key)

    def end_special_situation(self, code: str, reason: str = "", idempotency_key: str | None = None) -> CommandResult:
        """End a situation before its period is over (the rain stopped early)."""

        def body():  # type: ignore[no-untyped-def]
            situation = self.get_existing(SpecialSituation.create_id(v.text(code, "code", max_length=40)),
                                          f"situation {code}", "code")
            board = self.situation_board()
            conditions = self._end(situation, board, v.text(reason, "reason", required=False,
                                                            max_length=v.MAX_LONG_TEXT) or "ended by the dispatcher")
            return [situation, board, conditions], {"code": situation.code, "status": situation.status}

        return self.run_command("endSpecialSituation", body, idempotency_key)

    def check_special_situations(self, idempotency_key: str | None = None) -> CommandResult:
        """Start the situations whose period has begun and end those whose period is over (a worker's tick)."""

        def body():  # type: ignore[no-untyped-def]
            now = self.clock.now()
            board = self.situation_board()
            saved: list[Any] = []
            started, ended = [], []
            for code in sorted(board.current):
                situation = self.get_or_none(SpecialSituation.create_id(code))
                if situation is None:
                    continue
                if situation.due_to_end(now):
                    saved += [situation, self._end(situation, board, "its period is over")]
                    ended.append(code)
                elif situation.due_to_start(now):
                    saved += [situation, self._start(situation, board)]
                    started.append(code)
            return [*saved, board], {"started": started, "ended": ended}

        return self.run_command("checkSpecialSituations", body, idempotency_key)

    # -- reading -------------------------------------------------------------------------------

    def situation_board(self) -> SituationBoard:
        return self.get_or_none(SituationBoard.create_id()) or SituationBoard()

    def situations_covering(self, zone: str | None, moment: datetime) -> list[SpecialSituation]:
        board = self.get_or_none(SituationBoard.create_id())
        if board is None or zone is None:
            return []
        found = [self.get_or_none(SpecialSituation.create_id(code)) for code in board.covering(zone, moment)]
        return [s for s in found if s is not None and s.covers(zone, moment)]

    # -- helpers -------------------------------------------------------------------------------

    def _zone(self, code: str, field: str) -> str:
        zone = self.get_existing(Zone.create_id(v.text(code, field, max_length=40)), f"zone {code}", field)
        zone.check_active()
        return str(zone.code)

    def _conditions(self) -> TrafficConditions:
        return self.get_or_none(TrafficConditions.create_id()) or TrafficConditions()

    def _start(self, situation: SpecialSituation, board: SituationBoard) -> TrafficConditions:
        """Slow each zone to the situation's factor (never below what it already is)."""
        conditions = self._conditions()
        now = self.clock.now()
        situation.start({zone: conditions.factor(zone) for zone in situation.zones})
        for zone in situation.zones:
            if situation.factor > conditions.factor(zone):
                conditions.report(zone, situation.factor, now, _note(situation, situation.description))
        return conditions

    def _end(self, situation: SpecialSituation, board: SituationBoard, reason: str) -> TrafficConditions | None:
        """Give each zone back the factor it had, unless another running situation still slows it more."""
        was_running = situation.status == RUNNING
        situation.end(reason)
        board.take_down(situation.code)
        if not was_running:
            return None
        conditions = self._conditions()
        now = self.clock.now()
        for zone in situation.zones:
            others = [s.factor for s in self.situations_covering(zone, now) if s.code != situation.code]
            restored = max([situation.previous.get(zone, MIN_FACTOR), *others])
            if conditions.factor(zone) != restored:
                conditions.report(zone, restored, now, _note(situation, "over"))
        return conditions


def _note(situation: SpecialSituation, words: str) -> str:
    """The traffic report's note names the situation, so the re-plan it triggers can be traced back to it."""
    return f"special situation {situation.code} ({situation.kind}): {words}".rstrip(": ")


def _check_zone_list(zones: Sequence[str]) -> None:
    if isinstance(zones, str):
        raise InvalidInput("zones is a list of zone codes", field="zones")
