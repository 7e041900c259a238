"""The staffing plans supervisors adopted: per day and zone, the couriers they committed to and who decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence

from sqlalchemy import Column, Connection, Float, Integer, String, Table, select

from domain.audit import ACTOR, metadata_of
from domain.staffing import ALL_ZONES, StaffingPlan
from projections.columns import Instant, JsonList
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.projector import Projector
from projections.rows import RowBatch

staffing_plans = Table(
    "staffing_plans",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("day", String(10), nullable=False),
    Column("zone", String(40), nullable=False),  # "*" for a plan of every zone
    Column("digest", String(128), nullable=False),
    Column("demand_band", String(40), nullable=False),
    Column("courier_hours", Integer, nullable=False),
    Column("shortfall", Float, nullable=False),
    Column("slots", JsonList, nullable=False),  # [[zone, hour ISO, {vehicle type: couriers}, demand, shortfall]]
    Column("version", Integer, nullable=False),
    Column("adopted_at", Instant, nullable=False),
    Column("adopted_by", String(120), nullable=False),
)

ADOPTED: type = StaffingPlan.StaffingPlanAdopted  # type: ignore[attr-defined]
REVISED: type = StaffingPlan.StaffingPlanRevised  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AdoptedSlotView:
    zone: str | None
    hour: datetime
    couriers: dict[str, int]
    demand: float
    shortfall: float


@dataclass(frozen=True)
class AdoptedPlanView:
    day: date
    zone: str | None
    digest: str
    demand_band: str
    courier_hours: int
    shortfall: float
    version: int
    adopted_at: datetime
    adopted_by: str
    slots: list[AdoptedSlotView]


class StaffingPlansProjector(Projector):
    name = "staffing_plans"
    tables = (staffing_plans,)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({ADOPTED, REVISED})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        plans = RowBatch(staffing_plans, "id")
        plans.load(conn, (str(c.event.originator_id) for c in changes if isinstance(c.event, REVISED)))
        for position, event in changes:
            key = str(event.originator_id)
            decision = {
                "digest": event.digest, "demand_band": event.demand_band, "courier_hours": event.couriers,
                "shortfall": float(event.shortfall), "slots": [_slot(slot) for slot in event.slots],
                "version": event.originator_version, "adopted_at": event.timestamp,
                "adopted_by": str(metadata_of(event).get(ACTOR, "")),
            }
            if isinstance(event, ADOPTED):
                plans.add({"id": key, "day": event.day, "zone": event.zone or ALL_ZONES, **decision})
                continue
            row = plans.change(key)
            if row is None:
                raise LookupError(f"staffing plan {key} revised at position {position} but never adopted")
            row.update(decision)
        plans.flush(conn)


def _slot(slot: dict[str, Any]) -> list[Any]:
    return [slot["zone"], slot["hour"].isoformat(), dict(slot["couriers"]), slot["demand"], slot["shortfall"]]


# -- queries: the only way the API reads adopted plans -------------------------------------------


def adopted_plan(db: ReadDatabase, day: date, zone: str | None) -> AdoptedPlanView | None:
    """The plan in force for the day and zone (None: the plan of every zone), if one was adopted."""
    p = staffing_plans.c
    with db.read() as conn:
        row = conn.execute(
            select(staffing_plans).where(p.day == day.isoformat(), p.zone == (zone or ALL_ZONES))
        ).mappings().first()
    if row is None:
        return None
    return AdoptedPlanView(
        day=date.fromisoformat(row["day"]), zone=None if row["zone"] == ALL_ZONES else row["zone"],
        digest=row["digest"], demand_band=row["demand_band"], courier_hours=row["courier_hours"],
        shortfall=row["shortfall"], version=row["version"], adopted_at=row["adopted_at"],
        adopted_by=row["adopted_by"],
        slots=[
            AdoptedSlotView(zone=z, hour=datetime.fromisoformat(h), couriers=dict(c), demand=d, shortfall=s)
            for z, h, c, d, s in row["slots"]
        ],
    )
