"""Commands on staffing: a supervisor adopts the recommended couriers and vehicles for a day."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo

from domain import validation as v
from domain.errors import InvalidInput
from domain.execution import CommandResult, CommandRunner
from domain.staffing import (
    StaffingPlan, check_day_not_over, check_recommendation_unchanged, clean_slots, day_bounds,
)


@lru_cache(maxsize=8)
def _timezone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class StaffingCommands(CommandRunner):
    def adopt_staffing_plan(
        self,
        day: date,
        zone: str | None,
        slots: Sequence[Mapping[str, Any]],
        demand_band: str,
        digest: str,
        accepted: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Record the plan a supervisor adopted for `day` (one zone, or all with `zone` None); a later
        adoption for the same day and zone revises it. `accepted` is the digest of the recommendation the
        supervisor read, which must still be the current one (`digest`, of `slots`)."""

        def body():  # type: ignore[no-untyped-def]
            if not isinstance(day, date):
                raise InvalidInput("date must be a calendar day", field="date")
            zone_ = v.text(zone, "zone", max_length=40) if zone is not None else None
            start, end = day_bounds(day, _timezone(self.settings.business_timezone))
            check_day_not_over(day, end, self.clock.now())
            cleaned, couriers, shortfall = clean_slots(slots, zone_, start, end)
            band = v.text(demand_band, "demandBand", max_length=40)
            fingerprint = v.text(digest, "digest", max_length=128)
            if accepted is not None:
                check_recommendation_unchanged(v.text(accepted, "digest", max_length=128), fingerprint)
            plan = self.get_or_none(StaffingPlan.create_id(day, zone_))
            if plan is None:
                plan = StaffingPlan(
                    day=day.isoformat(), zone=zone_, demand_band=band, digest=fingerprint, slots=cleaned,
                    couriers=couriers, shortfall=shortfall,
                )
            else:
                plan.revise(band, fingerprint, cleaned, couriers, shortfall)
            return [plan], {
                "date": day.isoformat(), "zone": zone_, "digest": fingerprint, "version": plan.version,
                "courierHours": couriers, "shortfall": shortfall,
            }

        return self.run_command("adoptStaffingPlan", body, idempotency_key)
