"""The fleet as dispatch and the warehouse see it: vehicle types, and each vehicle's holder and service state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import Boolean, Column, Connection, String, Table, Text, and_, case, func, select
from sqlalchemy.engine import RowMapping

from domain.vehicles import Vehicle, VehicleType
from projections.columns import Instant, JsonList, Money
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import after_key, check_first, decode_cursor, make_page
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import Page, SpeedBandView, VehicleTypeView, VehicleView

# What a vehicle is free for, as the read side names it.
AVAILABLE = "AVAILABLE"
ASSIGNED = "ASSIGNED"
OUT_OF_SERVICE = "OUT_OF_SERVICE"
VEHICLE_STATUSES = (AVAILABLE, ASSIGNED, OUT_OF_SERVICE)

vehicle_types = Table(
    "vehicle_types",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("capacity_kg", Money, nullable=False),
    Column("capacity_l", Money, nullable=False),
    Column("cruise_kmh", Money, nullable=False),
    Column("max_kmh", Money, nullable=False),
    Column("speed_bands", JsonList, nullable=False),  # [[start, end, km/h as text], ...]
    Column("cost_per_km", Money, nullable=False),
    Column("cost_per_hour", Money, nullable=False),
    Column("fixed_daily_cost", Money, nullable=False),
    Column("skills", JsonList, nullable=False),
    Column("defined_at", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
)

vehicles = Table(
    "vehicles",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("plate", String(16), nullable=False, unique=True),
    Column("vehicle_type", String(40), nullable=False, index=True),
    Column("in_service", Boolean, nullable=False),
    Column("out_of_service_reason", Text),
    Column("courier", String(64)),
    Column("shift", String(80)),
    Column("registered_at", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
)

TYPE_DEFINED: type = VehicleType.VehicleTypeDefined  # type: ignore[attr-defined]
SPEEDS_CHANGED: type = VehicleType.VehicleTypeSpeedsChanged  # type: ignore[attr-defined]
COSTS_CHANGED: type = VehicleType.VehicleTypeCostsChanged  # type: ignore[attr-defined]
REGISTERED: type = Vehicle.VehicleRegistered  # type: ignore[attr-defined]


def _assigned(row: dict[str, Any], e: Any) -> None:
    row.update(courier=e.courier, shift=e.shift)


def _returned(row: dict[str, Any], e: Any) -> None:
    row.update(courier=None, shift=None)


def _out_of_service(row: dict[str, Any], e: Any) -> None:
    row.update(in_service=False, out_of_service_reason=e.reason)


def _back_in_service(row: dict[str, Any], e: Any) -> None:
    row.update(in_service=True, out_of_service_reason=None)


VEHICLE_CHANGES = {
    Vehicle.VehicleAssigned: _assigned,  # type: ignore[attr-defined]
    Vehicle.VehicleReturned: _returned,  # type: ignore[attr-defined]
    Vehicle.VehicleTakenOutOfService: _out_of_service,  # type: ignore[attr-defined]
    Vehicle.VehicleBackInService: _back_in_service,  # type: ignore[attr-defined]
}


class VehiclesProjector(Projector):
    name = "vehicles"
    tables = (vehicle_types, vehicles)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({TYPE_DEFINED, SPEEDS_CHANGED, COSTS_CHANGED, REGISTERED, *VEHICLE_CHANGES})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        kinds = RowBatch(vehicle_types, "id")
        fleet = RowBatch(vehicles, "id")
        kinds.load(conn, (str(c.event.originator_id) for c in changes
                          if isinstance(c.event, (SPEEDS_CHANGED, COSTS_CHANGED))))
        fleet.load(conn, (str(c.event.originator_id) for c in changes if type(c.event) in VEHICLE_CHANGES))
        for position, event in changes:
            key = str(event.originator_id)
            kind = type(event)
            if kind is TYPE_DEFINED:
                kinds.add({
                    "id": key, "name": event.name, "capacity_kg": event.capacity_kg, "capacity_l": event.capacity_l,
                    **_speeds(event), **_costs(event), "skills": list(event.skills),
                    "defined_at": event.timestamp, "updated_at": event.timestamp,
                })
            elif kind is REGISTERED:
                fleet.add({
                    "id": key, "plate": event.plate, "vehicle_type": event.vehicle_type, "in_service": True,
                    "out_of_service_reason": None, "courier": None, "shift": None,
                    "registered_at": event.timestamp, "updated_at": event.timestamp,
                })
            elif kind in VEHICLE_CHANGES:
                row = fleet.change(key)
                if row is None:
                    raise LookupError(f"vehicle {key} changed at position {position} but was never registered")
                VEHICLE_CHANGES[kind](row, event)
                row["updated_at"] = event.timestamp
            else:
                row = kinds.change(key)
                if row is None:
                    raise LookupError(f"vehicle type {key} changed at position {position} but was never defined")
                row.update(_speeds(event) if kind is SPEEDS_CHANGED else _costs(event))
                row["updated_at"] = event.timestamp
        kinds.flush(conn)
        fleet.flush(conn)


def _speeds(event: Any) -> dict[str, Any]:
    return {
        "cruise_kmh": event.cruise_kmh, "max_kmh": event.max_kmh,
        "speed_bands": [[str(b["start"]), str(b["end"]), str(b["kmh"])] for b in event.speed_bands],
    }


def _costs(event: Any) -> dict[str, Any]:
    return {
        "cost_per_km": event.cost_per_km, "cost_per_hour": event.cost_per_hour,
        "fixed_daily_cost": event.fixed_daily_cost,
    }


# -- queries: the only way the API reads the fleet ----------------------------------------


def list_vehicle_types(db: ReadDatabase) -> list[VehicleTypeView]:
    """Every vehicle type by name, with how many vehicles of it there are and how many are free."""
    free = and_(vehicles.c.in_service.is_(True), vehicles.c.courier.is_(None))
    with db.read() as conn:
        counts = {
            name: (int(total), int(available or 0))
            for name, total, available in conn.execute(
                select(vehicles.c.vehicle_type, func.count(), func.sum(case((free, 1), else_=0)))
                .group_by(vehicles.c.vehicle_type)
            )
        }
        rows = conn.execute(select(vehicle_types).order_by(vehicle_types.c.name)).mappings().all()
    return [vehicle_type_view(row, *counts.get(row["name"], (0, 0))) for row in rows]


def get_vehicle(db: ReadDatabase, plate: str) -> VehicleView | None:
    with db.read() as conn:
        row = conn.execute(select(vehicles).where(vehicles.c.plate == plate)).mappings().first()
    return None if row is None else vehicle_view(row)


def list_vehicles(
    db: ReadDatabase,
    *,
    status: str | None = None,
    vehicle_type: str | None = None,
    after: str | None = None,
    first: int = 50,
) -> Page[VehicleView]:
    """Vehicles by plate; status is AVAILABLE (in service, with nobody), ASSIGNED or OUT_OF_SERVICE."""
    check_first(first)
    criteria = []
    if status == AVAILABLE:
        criteria += [vehicles.c.in_service.is_(True), vehicles.c.courier.is_(None)]
    elif status == ASSIGNED:
        criteria.append(vehicles.c.courier.is_not(None))
    elif status == OUT_OF_SERVICE:
        criteria.append(vehicles.c.in_service.is_(False))
    if vehicle_type is not None:
        criteria.append(vehicles.c.vehicle_type == vehicle_type)
    sort = (vehicles.c.plate,)
    page_criteria = list(criteria)
    if after is not None:
        page_criteria.append(after_key(sort, decode_cursor(after, str)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(vehicles).where(*criteria)).scalar_one()
        rows = conn.execute(select(vehicles).where(*page_criteria).order_by(*sort).limit(first + 1)).mappings().all()
    return make_page(rows, first, total, view=vehicle_view, key=lambda row: (row["plate"],))


def vehicle_status(row: RowMapping) -> str:
    if row["courier"] is not None:
        return ASSIGNED
    return AVAILABLE if row["in_service"] else OUT_OF_SERVICE


def vehicle_view(row: RowMapping) -> VehicleView:
    return VehicleView(
        plate=row["plate"], vehicle_type=row["vehicle_type"], status=vehicle_status(row),
        in_service=row["in_service"], out_of_service_reason=row["out_of_service_reason"], courier=row["courier"],
        shift=row["shift"], registered_at=row["registered_at"], updated_at=row["updated_at"],
    )


def vehicle_type_view(row: RowMapping, vehicles_total: int, vehicles_available: int) -> VehicleTypeView:
    return VehicleTypeView(
        name=row["name"], capacity_kg=row["capacity_kg"], capacity_l=row["capacity_l"],
        cruise_kmh=row["cruise_kmh"], max_kmh=row["max_kmh"],
        speed_bands=[SpeedBandView(start=s, end=e, kmh=Decimal(k)) for s, e, k in row["speed_bands"]],
        cost_per_km=row["cost_per_km"], cost_per_hour=row["cost_per_hour"],
        fixed_daily_cost=row["fixed_daily_cost"], skills=list(row["skills"]), vehicles=vehicles_total,
        vehicles_available=vehicles_available, updated_at=row["updated_at"],
    )
