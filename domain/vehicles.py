"""Vehicle types (capacity, speed, cost, what they can carry) and the vehicles couriers take out on shift."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidTransition, PreconditionFailed

# What a vehicle can offer a delivery; the same words as a courier's skills.
VEHICLE_SKILLS = ("cold_chain", "bulky")


class VehicleOutOfService(PreconditionFailed):
    pass


class VehicleAlreadyAssigned(PreconditionFailed):
    pass


class VehicleInUse(PreconditionFailed):
    pass


class VehicleType(PeisongAggregate):
    """What the planner needs to know of a kind of vehicle: how much, how fast, at what cost."""

    @staticmethod
    def create_id(name: str) -> UUID:
        return natural_id("vehicle-type", name)

    @event("VehicleTypeDefined")
    def __init__(
        self,
        name: str,
        capacity_kg: Decimal,
        capacity_l: Decimal,
        cruise_kmh: Decimal,
        max_kmh: Decimal,
        speed_bands: tuple[dict[str, Any], ...],
        cost_per_km: Decimal,
        cost_per_hour: Decimal,
        fixed_daily_cost: Decimal,
        skills: tuple[str, ...],
    ) -> None:
        self.name = name
        self.capacity_kg = capacity_kg
        self.capacity_l = capacity_l
        self.skills = tuple(skills)
        self._set_speeds(cruise_kmh, max_kmh, speed_bands)
        self._set_costs(cost_per_km, cost_per_hour, fixed_daily_cost)

    def speed_at(self, moment: datetime) -> Decimal:
        """Average speed at that time of day: the hour band covering it, else the cruise speed."""
        clock = f"{moment:%H:%M}"
        for start, end, kmh in self.speed_bands:
            if start <= clock < end:
                return kmh
        return self.cruise_kmh

    def is_speeding(self, kmh: Decimal | float) -> bool:
        return Decimal(str(kmh)) > self.max_kmh

    @event("VehicleTypeSpeedsChanged")
    def change_speeds(self, cruise_kmh: Decimal, max_kmh: Decimal, speed_bands: tuple[dict[str, Any], ...]) -> None:
        self._set_speeds(cruise_kmh, max_kmh, speed_bands)

    @event("VehicleTypeCostsChanged")
    def change_costs(self, cost_per_km: Decimal, cost_per_hour: Decimal, fixed_daily_cost: Decimal) -> None:
        self._set_costs(cost_per_km, cost_per_hour, fixed_daily_cost)

    def _set_speeds(self, cruise_kmh: Decimal, max_kmh: Decimal, speed_bands: Any) -> None:
        self.cruise_kmh = cruise_kmh
        self.max_kmh = max_kmh
        self.speed_bands = tuple((str(b["start"]), str(b["end"]), Decimal(b["kmh"])) for b in speed_bands)

    def _set_costs(self, cost_per_km: Decimal, cost_per_hour: Decimal, fixed_daily_cost: Decimal) -> None:
        self.cost_per_km = cost_per_km
        self.cost_per_hour = cost_per_hour
        self.fixed_daily_cost = fixed_daily_cost


class Vehicle(PeisongAggregate):
    """One vehicle by plate: one courier and one shift at a time, never while out of service."""

    @staticmethod
    def create_id(plate: str) -> UUID:
        return natural_id("vehicle", plate)

    @event("VehicleRegistered")
    def __init__(self, plate: str, vehicle_type: str) -> None:
        self.plate = plate
        self.vehicle_type = vehicle_type
        self.in_service = True
        self.out_of_service_reason: str | None = None
        self.courier: str | None = None
        self.shift: str | None = None

    @property
    def assigned(self) -> bool:
        return self.courier is not None

    def check_in_service(self) -> None:
        if not self.in_service:
            raise VehicleOutOfService(
                f"vehicle {self.plate} is out of service: {self.out_of_service_reason}", field="plate",
                plate=self.plate,
            )

    def assign(self, courier: str, shift: str) -> None:
        self.check_in_service()
        if self.assigned:
            raise VehicleAlreadyAssigned(
                f"vehicle {self.plate} is with courier {self.courier} on shift {self.shift}", field="plate",
                plate=self.plate, courier=self.courier, shift=self.shift,
            )
        self._assigned(courier=courier, shift=shift)

    def give_back(self) -> None:
        if not self.assigned:
            raise PreconditionFailed(f"vehicle {self.plate} is not assigned", field="plate", plate=self.plate)
        self._returned(courier=self.courier, shift=self.shift)

    def take_out_of_service(self, reason: str) -> None:
        if not self.in_service:
            raise InvalidTransition(f"vehicle {self.plate} is already out of service", field="plate",
                                    plate=self.plate)
        if self.assigned:
            raise VehicleInUse(
                f"vehicle {self.plate} is with courier {self.courier}; return or swap it first", field="plate",
                plate=self.plate, courier=self.courier, shift=self.shift,
            )
        self._out_of_service(reason=reason)

    def return_to_service(self, note: str) -> None:
        if self.in_service:
            raise InvalidTransition(f"vehicle {self.plate} is in service", field="plate", plate=self.plate)
        self._back_in_service(note=note)

    @event("VehicleAssigned")
    def _assigned(self, courier: str, shift: str) -> None:
        self.courier = courier
        self.shift = shift

    @event("VehicleReturned")
    def _returned(self, courier: str | None, shift: str | None) -> None:
        self.courier = None
        self.shift = None

    @event("VehicleTakenOutOfService")
    def _out_of_service(self, reason: str) -> None:
        self.in_service = False
        self.out_of_service_reason = reason

    @event("VehicleBackInService")
    def _back_in_service(self, note: str) -> None:
        self.in_service = True
        self.out_of_service_reason = None
