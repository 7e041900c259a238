"""A supervisor's decision on how many couriers, on which vehicles, each zone gets each hour of one day.

The optimiser only recommends; what the shop commits to is what a supervisor adopts, so the
adoption is the fact an auditor asks about ("who decided we would run three vans on Saturday
evening, and on which forecast?"). A plan covers one business day, for one zone or for all of
them; adopting again later (the forecast moved, the roster changed) revises it, and the
history keeps every version.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Mapping, Sequence
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import AlreadyExists, InvalidInput, PreconditionFailed

ALL_ZONES = "*"
MAX_SLOTS = 24 * 200  # a day of hours for two hundred zones


class StaffingDayOver(PreconditionFailed):
    pass


class RecommendationChanged(PreconditionFailed):
    pass


class StaffingPlan(PeisongAggregate):
    @staticmethod
    def create_id(day: date | str, zone: str | None) -> UUID:
        """One plan per business day (a date, or its ISO form as the event keeps it) and zone."""
        return natural_id("staffing-plan", str(day), zone or ALL_ZONES)

    @event("StaffingPlanAdopted")
    def __init__(
        self, day: str, zone: str | None, demand_band: str, digest: str, slots: tuple[dict[str, Any], ...],
        couriers: int, shortfall: float,
    ) -> None:
        self.day = day
        self.zone = zone
        self.demand_band = demand_band
        self.digest = digest
        self.slots = [dict(slot) for slot in slots]
        self.couriers = couriers
        self.revisions = 0

    def revise(self, demand_band: str, digest: str, slots: tuple[dict[str, Any], ...], couriers: int,
               shortfall: float) -> None:
        """Adopt a new recommendation for the same day; the same one twice is refused."""
        if digest == self.digest:
            raise AlreadyExists(
                f"this recommendation is already the adopted plan for {self.day}", field="digest",
                day=self.day, zone=self.zone, digest=digest,
            )
        self._revised(demand_band=demand_band, digest=digest, slots=slots, couriers=couriers, shortfall=shortfall)

    @event("StaffingPlanRevised")
    def _revised(self, demand_band: str, digest: str, slots: tuple[dict[str, Any], ...], couriers: int,
                 shortfall: float) -> None:
        self.demand_band = demand_band
        self.digest = digest
        self.slots = [dict(slot) for slot in slots]
        self.couriers = couriers
        self.revisions += 1


def check_day_not_over(day: date, day_end: datetime, now: datetime) -> None:
    """A plan is for a day still to come (or under way): a finished day is history, not a plan."""
    if day_end <= now:
        raise StaffingDayOver(f"{day.isoformat()} is over; plan today or a day ahead", field="date",
                              day=day.isoformat())


def check_recommendation_unchanged(accepted: str, digest: str) -> None:
    """A supervisor adopts what they saw: if the forecast or roster moved since, they look again first."""
    if accepted != digest:
        raise RecommendationChanged(
            "the recommendation has changed since it was read; read it again and adopt the new one",
            field="digest", accepted=accepted, current=digest,
        )


def clean_slots(
    slots: Sequence[Mapping[str, Any]], zone: str | None, day_start: datetime, day_end: datetime
) -> tuple[tuple[dict[str, Any], ...], int, float]:
    """The plan's hours as plain data, each inside the day and (for a zone's plan) in that zone, with
    whole non-negative courier counts per vehicle type; and the total courier-hours and shortfall."""
    if not slots:
        raise InvalidInput("a plan needs at least one hour", field="slots")
    if len(slots) > MAX_SLOTS:
        raise InvalidInput(f"a plan holds at most {MAX_SLOTS} hours", field="slots")
    cleaned, courier_hours, shortfall = [], 0, 0.0
    seen: set[tuple[str | None, datetime]] = set()
    for i, slot in enumerate(slots):
        hour = slot.get("hour")
        if not isinstance(hour, datetime) or hour.tzinfo is None:
            raise InvalidInput("an hour must be a moment with a timezone", field=f"slots.{i}.hour")
        if not day_start <= hour < day_end or hour.minute or hour.second or hour.microsecond:
            raise InvalidInput("each hour starts on the hour within the plan's day", field=f"slots.{i}.hour")
        slot_zone = slot.get("zone")
        if zone is not None and slot_zone != zone:
            raise InvalidInput(f"a plan for zone {zone} covers only that zone", field=f"slots.{i}.zone")
        if (slot_zone, hour) in seen:
            raise InvalidInput("each zone and hour appears once", field=f"slots.{i}.hour")
        seen.add((slot_zone, hour))
        couriers: dict[str, int] = {}
        for vehicle_type, count in dict(slot.get("couriers") or {}).items():
            if not isinstance(vehicle_type, str) or not vehicle_type.strip():
                raise InvalidInput("a vehicle type is named", field=f"slots.{i}.couriers")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise InvalidInput("courier counts are whole numbers, zero or more", field=f"slots.{i}.couriers")
            if count:
                couriers[vehicle_type] = count
        demand = float(slot.get("demand") or 0.0)
        missing = float(slot.get("shortfall") or 0.0)
        if demand < 0 or missing < 0:
            raise InvalidInput("demand and shortfall are not negative", field=f"slots.{i}.demand")
        courier_hours += sum(couriers.values())
        shortfall += missing
        cleaned.append({
            "zone": slot_zone, "hour": hour, "couriers": couriers, "demand": round(demand, 3),
            "shortfall": round(missing, 3),
        })
    return tuple(cleaned), courier_hours, round(shortfall, 3)


def day_bounds(day: date, timezone: Any) -> tuple[datetime, datetime]:
    """The instants a business day runs between in the shop's timezone."""
    start = datetime(day.year, day.month, day.day, tzinfo=timezone)
    return start, start + timedelta(days=1)
