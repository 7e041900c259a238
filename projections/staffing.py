"""How many couriers on which vehicles each zone needs each hour of a day, and where the planned shifts
fall short or over.

The demand is the upper bound of the order forecast's 80% band (`projections/forecasts.py`); a
courier's pace is measured, not assumed: deliveries per hour worked (breaks taken out) over the
last four weeks of their shifts, per zone and vehicle type, from the couriers, performance and
fleet projections; a courier-hour costs the courier's pay plus the vehicle type's hourly cost. The
model itself is `solver/staffing.py`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import case, func, literal, select

from domain.errors import InvalidInput
from projections.analytics import UNZONED, local_zone
from projections.columns import Instant
from projections.couriers import CANCELLED, courier_shifts
from projections.database import ReadDatabase
from projections.forecasts import MAX_FORECAST_DAYS, business_today, forecast_zones, zone_demand
from projections.performance import performance_attempts
from projections.vehicles import vehicle_types, vehicles
from solver.staffing import (
    CourierProductivity, PlannedShift, StaffingPlan, VehicleOption, compare_with_planned, productivity_rates,
    staff_demand,
)

PRODUCTIVITY_DAYS = 28
MIN_WORKED_HOURS = 0.5  # shorter shifts say more about the start of a shift than about a courier's pace
NO_VEHICLE = "none"
DEMAND_LEVEL = 0.8
DEMAND_BAND = "upper 80%"


@dataclass(frozen=True)
class VehicleCount:
    vehicle_type: str
    couriers: int


@dataclass(frozen=True)
class StaffingHourView:
    zone: str | None
    hour: datetime
    demand: float
    couriers: list[VehicleCount]
    total_couriers: int
    capacity: float
    cost: float
    shortfall: float
    planned_couriers: float


@dataclass(frozen=True)
class StaffingGapView:
    zone: str | None
    hour: datetime
    status: str  # SHORT or OVER
    demand: float
    planned_capacity: float
    planned_couriers: float
    recommended_couriers: int
    orders: float


@dataclass(frozen=True)
class RateView:
    zone: str
    vehicle_type: str
    deliveries_per_hour: float
    measured: bool  # false: borrowed from the same vehicle type's pace in other zones


@dataclass(frozen=True)
class StaffingRecommendationView:
    day: date
    zone: str | None
    ready: bool
    note: str | None
    demand_band: str
    proven_cheapest: bool
    cost: float
    courier_hours: int
    shortfall: float
    digest: str
    planned_shifts: int
    hours: list[StaffingHourView]
    gaps: list[StaffingGapView]
    rates: list[RateView]

    def slots(self) -> list[dict[str, Any]]:
        """The recommendation as a plan to adopt: each zone and hour with its couriers per vehicle type."""
        return [
            {"zone": h.zone, "hour": h.hour, "couriers": {c.vehicle_type: c.couriers for c in h.couriers},
             "demand": h.demand, "shortfall": h.shortfall}
            for h in self.hours
        ]


def courier_productivity(db: ReadDatabase, since: datetime, until: datetime) -> list[CourierProductivity]:
    """Each courier's deliveries per hour worked, per zone and vehicle type, over shifts started in the span."""
    s, a, v = courier_shifts.c, performance_attempts.c, vehicles.c
    worked_until = func.coalesce(s.ended_at, literal(until, Instant()))  # a running shift counts up to now
    delivered = (
        select(func.count()).where(a.courier == s.courier, a.delivered.is_(True), a.at >= s.started_at,
                                   a.at < worked_until)
        .scalar_subquery()
    )
    with db.read() as conn:
        rows = conn.execute(
            select(s.courier, s.zone, v.vehicle_type, s.started_at, s.ended_at, s.break_seconds, delivered)
            .select_from(courier_shifts.outerjoin(vehicles, v.plate == s.vehicle))
            .where(s.started_at.is_not(None), s.started_at >= since, s.started_at < until)
        ).all()
    hours: dict[tuple[str, str, str], float] = defaultdict(float)
    done: dict[tuple[str, str, str], int] = defaultdict(int)
    for courier, zone, vehicle_type, started, ended, breaks, deliveries in rows:
        worked = ((ended or until) - started).total_seconds() / 3600 - (breaks or 0) / 3600
        if worked < MIN_WORKED_HOURS:
            continue
        key = (courier, zone, vehicle_type or NO_VEHICLE)
        hours[key] += worked
        done[key] += int(deliveries)
    return [
        CourierProductivity(courier, zone, vehicle_type, done[(courier, zone, vehicle_type)] / worked)
        for (courier, zone, vehicle_type), worked in sorted(hours.items())
    ]


def fleet_options(db: ReadDatabase, courier_cost_per_hour: float) -> list[VehicleOption]:
    """Every vehicle type with a vehicle in service: what a courier on it costs an hour, and how many there are."""
    t, v = vehicle_types.c, vehicles.c
    with db.read() as conn:
        rows = conn.execute(
            select(t.name, t.cost_per_hour, func.sum(case((v.in_service.is_(True), 1), else_=0)))
            .select_from(vehicle_types.join(vehicles, v.vehicle_type == t.name))
            .group_by(t.name, t.cost_per_hour).order_by(t.name)
        ).all()
    return [
        VehicleOption(name, courier_cost_per_hour + float(cost), int(in_service))
        for name, cost, in_service in rows if in_service
    ]


def planned_shifts(db: ReadDatabase, start: datetime, end: datetime, zones: set[str]) -> list[PlannedShift]:
    """Shifts on the roster overlapping [start, end) in these zones, cancelled ones aside."""
    s, v = courier_shifts.c, vehicles.c
    with db.read() as conn:
        rows = conn.execute(
            select(s.courier, s.zone, v.vehicle_type, s.start, s.end)
            .select_from(courier_shifts.outerjoin(vehicles, v.plate == s.vehicle))
            .where(s.start < end, s.end > start, s.status != CANCELLED, s.zone.in_(sorted(zones)))
            .order_by(s.start, s.courier)
        ).all()
    return [PlannedShift(courier, zone, kind or NO_VEHICLE, start_, end_) for courier, zone, kind, start_, end_ in rows]


def staffing_recommendation(
    db: ReadDatabase, now: datetime, day: date, zone: str | None = None
) -> StaffingRecommendationView:
    """The cheapest couriers and vehicles covering each zone's forecast for `day` (today or one of the next
    13 days), against the shifts planned for it."""
    settings = db.settings
    local = local_zone(settings.business_timezone)
    today = business_today(now, settings.business_timezone)
    offset = (day - today).days
    if not 0 <= offset < MAX_FORECAST_DAYS:
        raise InvalidInput(f"date is today or one of the next {MAX_FORECAST_DAYS - 1} days", field="date",
                           date=day.isoformat())
    zones = forecast_zones(db, zone)
    demand = zone_demand(db, today, zones, offset + 1)
    if demand.forecast is None:
        return StaffingRecommendationView(day, zone, False, demand.note, DEMAND_BAND, True, 0.0, 0, 0.0,
                                          plan_digest([], DEMAND_BAND), 0, [], [], [])
    start = datetime.combine(day, datetime.min.time(), local)
    names = list(demand.forecast.zone_names)
    needed = demand.forecast.upper(DEMAND_LEVEL)[:, offset * 24:(offset + 1) * 24]
    productivity = courier_productivity(db, now - timedelta(days=PRODUCTIVITY_DAYS), now)
    options = fleet_options(db, settings.courier_cost_per_hour)
    plan = staff_demand(start, names, needed, productivity, options, demand_band=DEMAND_BAND)
    shifts = planned_shifts(db, start, start + timedelta(days=1), set(names))
    heads = _planned_heads(plan, shifts)
    hours = [
        StaffingHourView(
            zone=_named(slot.zone), hour=slot.hour, demand=slot.demand,
            couriers=[VehicleCount(kind, n) for kind, n in slot.couriers], total_couriers=slot.total,
            capacity=slot.capacity, cost=slot.cost, shortfall=slot.shortfall,
            planned_couriers=heads.get((slot.zone, slot.hour), 0.0),
        )
        for slot in sorted(plan.slots, key=lambda s: (s.zone, s.hour))
    ]
    gaps = [
        StaffingGapView(_named(g.zone), g.hour, g.status.upper(), g.demand, g.planned_capacity, g.planned_couriers,
                        g.recommended_couriers, g.orders)
        for g in compare_with_planned(plan, shifts)
    ]
    measured = productivity_rates(productivity)
    rates = [RateView(z, kind, rate, (z, kind) in measured) for (z, kind), rate in sorted(plan.rates.items())]
    notes = [] if options else ["no vehicle is in service"]
    if options and not productivity:
        notes.append(f"no courier has worked a shift in the last {PRODUCTIVITY_DAYS} days, so no pace is measured")
    return StaffingRecommendationView(
        day=day, zone=zone, ready=True, note="; ".join(notes) or None, demand_band=plan.demand_band,
        proven_cheapest=plan.proven_cheapest, cost=plan.cost, courier_hours=sum(h.total_couriers for h in hours),
        shortfall=sum(h.shortfall for h in hours), digest=plan_digest(hours, plan.demand_band),
        planned_shifts=len(shifts), hours=hours, gaps=gaps, rates=rates,
    )


def plan_digest(hours: Sequence[StaffingHourView], band: str) -> str:
    """A fingerprint of what is recommended, so an adoption can say which recommendation it accepted."""
    content = [band, [
        [h.zone, h.hour.isoformat(), sorted((c.vehicle_type, c.couriers) for c in h.couriers)] for h in hours
    ]]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()[:32]


def _planned_heads(plan: StaffingPlan, shifts: Sequence[PlannedShift]) -> dict[tuple[str, datetime], float]:
    """Couriers on the roster in each zone and hour, a part-hour counting for its part."""
    heads: dict[tuple[str, datetime], float] = defaultdict(float)
    for shift in shifts:
        first = max(0, math.floor((shift.start - plan.start).total_seconds() / 3600))
        last = min(plan.hours, math.ceil((shift.end - plan.start).total_seconds() / 3600))
        for h in range(first, last):
            hour = plan.start + timedelta(hours=h)
            overlap = (min(shift.end, hour + timedelta(hours=1)) - max(shift.start, hour)).total_seconds() / 3600
            if overlap > 0:
                heads[(shift.zone, hour)] += overlap
    return heads


def _named(zone: str) -> str | None:
    return None if zone == UNZONED else zone

