"""GraphQL views of vehicle types and vehicles, and the inputs that define, register and assign them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from api.recorded import Recorded
from api.views import thin
from domain.vehicles import VEHICLE_SKILLS
from projections.vehicles import VEHICLE_STATUSES
from projections.views import SpeedBandView, VehicleTypeView, VehicleView

VehicleStatus = strawberry.enum(
    Enum("VehicleStatus", {status: status for status in VEHICLE_STATUSES}),  # type: ignore[misc]
    description="AVAILABLE: in service and with nobody; ASSIGNED: out on a courier's shift; OUT_OF_SERVICE.",
)
VehicleSkill = strawberry.enum(
    Enum("VehicleSkill", {skill.upper(): skill for skill in VEHICLE_SKILLS}),  # type: ignore[misc]
    description="What a vehicle can offer a delivery; the same words as a courier's skills.",
)


@strawberry.type(description="An hour band with its own average speed.")
class SpeedBand:
    start: str
    end: str
    kmh: Decimal

    @classmethod
    def from_view(cls, view: SpeedBandView) -> "SpeedBand":
        return thin(cls, view)


@strawberry.type
class VehicleType:
    name: str
    capacity_kg: Decimal
    capacity_l: Decimal
    cruise_kmh: Decimal
    max_kmh: Decimal = strawberry.field(description="Above this a courier is speeding.")
    speed_bands: list[SpeedBand]
    cost_per_km: Decimal
    cost_per_hour: Decimal
    fixed_daily_cost: Decimal
    skills: list[VehicleSkill]  # type: ignore[valid-type]
    vehicles: int
    vehicles_available: int
    updated_at: datetime

    @classmethod
    def from_view(cls, view: VehicleTypeView) -> "VehicleType":
        return thin(cls, view, speed_bands=[SpeedBand.from_view(b) for b in view.speed_bands],
                    skills=[VehicleSkill(s) for s in view.skills])


@strawberry.type
class Vehicle:
    plate: str
    vehicle_type: str
    status: VehicleStatus  # type: ignore[valid-type]
    in_service: bool
    out_of_service_reason: str | None
    courier: str | None = strawberry.field(description="Who has it out now.")
    shift: str | None
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, view: VehicleView) -> "Vehicle":
        return thin(cls, view, status=VehicleStatus(view.status))


@strawberry.input
class SpeedBandInput:
    start: str = strawberry.field(description="HH:MM")
    end: str = strawberry.field(description="HH:MM, or 24:00")
    kmh: Decimal


@strawberry.input
class DefineVehicleTypeInput:
    name: str
    capacity_kg: Decimal
    capacity_l: Decimal
    cruise_kmh: Decimal
    max_kmh: Decimal
    cost_per_km: Decimal
    cost_per_hour: Decimal
    fixed_daily_cost: Decimal
    skills: list[VehicleSkill] = strawberry.field(default_factory=list)  # type: ignore[valid-type]
    speed_bands: list[SpeedBandInput] = strawberry.field(default_factory=list)


@strawberry.input
class ChangeVehicleTypeSpeedsInput:
    name: str
    cruise_kmh: Decimal
    max_kmh: Decimal
    speed_bands: list[SpeedBandInput] = strawberry.field(default_factory=list)


@strawberry.input
class ChangeVehicleTypeCostsInput:
    name: str
    cost_per_km: Decimal
    cost_per_hour: Decimal
    fixed_daily_cost: Decimal


@strawberry.input
class RegisterVehicleInput:
    plate: str
    vehicle_type: str


@strawberry.input(
    description="Give a shift a vehicle; on a running shift it is handed over and the old one comes back.")
class AssignVehicleToShiftInput:
    plate: str
    courier: str
    shift: str


@strawberry.input
class PlateInput:
    plate: str


@strawberry.input
class TakeVehicleOutOfServiceInput:
    plate: str
    reason: str


@strawberry.input
class ReturnVehicleToServiceInput:
    plate: str
    note: str = ""


def bands(given: list[SpeedBandInput]) -> list[dict[str, object]]:
    return [{"start": b.start, "end": b.end, "kmh": b.kmh} for b in given]


@strawberry.type
class VehicleTypePayload(Recorded):
    name: str


@strawberry.type
class VehiclePayload(Recorded):
    plate: str
