"""Commands on vehicle types and vehicles, including handing a vehicle to a courier's shift."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Sequence

from domain import validation as v
from domain.assessment import bounded_decimal
from domain.couriers import Courier
from domain.errors import AlreadyExists, InvalidInput
from domain.execution import CommandResult, CommandRunner
from domain.vehicles import VEHICLE_SKILLS, Vehicle, VehicleType

END_OF_DAY = "24:00"


def clean_plate(plate: str, field: str = "plate") -> str:
    """Plates are compared as written on the plate: upper case, no spaces or separator dots."""
    value = "".join(v.text(plate, field, max_length=16).upper().replace("·", "").split())
    if not all(c.isalnum() or c == "-" for c in value):
        raise InvalidInput("a plate holds letters, digits and '-' only", field=field, plate=plate)
    return value


def clean_speed_bands(bands: Sequence[dict[str, Any]], max_kmh: Decimal) -> tuple[dict[str, Any], ...]:
    """Hour bands with their own average speed: each within the day, none overlapping, none over max speed."""
    cleaned = []
    for i, band in enumerate(bands):
        start = v.clock_time(band.get("start"), f"speedBands.{i}.start")  # type: ignore[arg-type]
        end = END_OF_DAY if band.get("end") == END_OF_DAY else v.clock_time(
            band.get("end"), f"speedBands.{i}.end")  # type: ignore[arg-type]
        if end <= start:
            raise InvalidInput("a speed band must end after it starts", field=f"speedBands.{i}.end")
        kmh = v.positive_decimal(band.get("kmh"), f"speedBands.{i}.kmh", places="0.1")
        if kmh > max_kmh:
            raise InvalidInput("a band's speed cannot exceed the maximum speed", field=f"speedBands.{i}.kmh")
        cleaned.append({"start": start, "end": end, "kmh": kmh})
    cleaned.sort(key=lambda band: band["start"])
    for earlier, later in zip(cleaned, cleaned[1:]):
        if later["start"] < earlier["end"]:
            raise InvalidInput(f"speed bands {earlier['start']} and {later['start']} overlap", field="speedBands")
    return tuple(cleaned)


def clean_speeds(cruise_kmh: object, max_kmh: object, bands: Sequence[dict[str, Any]]) -> dict[str, Any]:
    cruise = v.positive_decimal(cruise_kmh, "cruiseKmh", places="0.1")
    top = v.positive_decimal(max_kmh, "maxKmh", places="0.1")
    if top < cruise:
        raise InvalidInput("the maximum speed cannot be below the cruise speed", field="maxKmh")
    return {"cruise_kmh": cruise, "max_kmh": top, "speed_bands": clean_speed_bands(bands, top)}


def clean_costs(cost_per_km: object, cost_per_hour: object, fixed_daily_cost: object) -> dict[str, Decimal]:
    return {
        "cost_per_km": bounded_decimal(cost_per_km, "costPerKm", places="0.01"),
        "cost_per_hour": bounded_decimal(cost_per_hour, "costPerHour", places="0.01"),
        "fixed_daily_cost": bounded_decimal(fixed_daily_cost, "fixedDailyCost", places="0.01"),
    }


class VehicleCommands(CommandRunner):
    def define_vehicle_type(
        self,
        name: str,
        capacity_kg: Decimal | float | str,
        capacity_l: Decimal | float | str,
        cruise_kmh: Decimal | float | str,
        max_kmh: Decimal | float | str,
        cost_per_km: Decimal | float | str,
        cost_per_hour: Decimal | float | str,
        fixed_daily_cost: Decimal | float | str,
        skills: Sequence[str] = (),
        speed_bands: Sequence[dict[str, Any]] = (),
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            name_ = v.text(name, "name", max_length=40)
            if self.get_or_none(VehicleType.create_id(name_)) is not None:
                raise AlreadyExists(f"vehicle type {name_} already exists", field="name", name=name_)
            vehicle_type = VehicleType(
                name=name_,
                capacity_kg=v.positive_decimal(capacity_kg, "capacityKg"),
                capacity_l=v.positive_decimal(capacity_l, "capacityL"),
                skills=tuple(dict.fromkeys(v.one_of(s, VEHICLE_SKILLS, "skills") for s in skills)),
                **clean_speeds(cruise_kmh, max_kmh, speed_bands),
                **clean_costs(cost_per_km, cost_per_hour, fixed_daily_cost),
            )
            return [vehicle_type], {"name": name_, "id": str(vehicle_type.id)}

        return self.run_command("defineVehicleType", body, idempotency_key)

    def change_vehicle_type_speeds(
        self,
        name: str,
        cruise_kmh: Decimal | float | str,
        max_kmh: Decimal | float | str,
        speed_bands: Sequence[dict[str, Any]] = (),
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            vehicle_type = self.existing_vehicle_type(name)
            vehicle_type.change_speeds(**clean_speeds(cruise_kmh, max_kmh, speed_bands))
            return [vehicle_type], {"name": name}

        return self.run_command("changeVehicleTypeSpeeds", body, idempotency_key)

    def change_vehicle_type_costs(
        self,
        name: str,
        cost_per_km: Decimal | float | str,
        cost_per_hour: Decimal | float | str,
        fixed_daily_cost: Decimal | float | str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            vehicle_type = self.existing_vehicle_type(name)
            vehicle_type.change_costs(**clean_costs(cost_per_km, cost_per_hour, fixed_daily_cost))
            return [vehicle_type], {"name": name}

        return self.run_command("changeVehicleTypeCosts", body, idempotency_key)

    def register_vehicle(self, plate: str, vehicle_type: str, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            plate_ = clean_plate(plate)
            self.existing_vehicle_type(vehicle_type, field="vehicleType")
            if self.get_or_none(Vehicle.create_id(plate_)) is not None:
                raise AlreadyExists(f"vehicle {plate_} already exists", field="plate", plate=plate_)
            vehicle = Vehicle(plate=plate_, vehicle_type=vehicle_type)
            return [vehicle], {"plate": plate_, "id": str(vehicle.id)}

        return self.run_command("registerVehicle", body, idempotency_key)

    def assign_vehicle_to_shift(
        self, plate: str, courier: str, shift: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """Give a shift a vehicle; on a running shift the new one is handed over and the old one comes back."""

        def body():  # type: ignore[no-untyped-def]
            person = self.get_existing(Courier.create_id(courier), f"courier {courier}", "courier")
            vehicle = self.existing_vehicle(plate)
            planned = person.open_shift(shift)
            previous = self.existing_vehicle(planned.vehicle) if planned.vehicle else None
            person.change_shift_vehicle(shift, vehicle.plate)
            if planned.started_at is None:
                vehicle.check_in_service()
            else:
                vehicle.assign(person.reference, shift)
            if planned.started_at is not None and previous is not None and previous.courier == person.reference:
                previous.give_back()
            return [person, vehicle, previous], {"plate": vehicle.plate, "courier": courier, "shift": shift}

        return self.run_command("assignVehicleToShift", body, idempotency_key)

    def return_vehicle(self, plate: str, idempotency_key: str | None = None) -> CommandResult:
        """The vehicle comes back early; the courier's running shift carries on without it."""

        def body():  # type: ignore[no-untyped-def]
            vehicle = self.existing_vehicle(plate)
            holder, shift = vehicle.courier, vehicle.shift
            vehicle.give_back()
            person = self.get_or_none(Courier.create_id(holder)) if holder else None
            held = person.open_shifts.get(shift) if person is not None else None
            if held is not None and held.vehicle == vehicle.plate:
                person.change_shift_vehicle(shift, None)
            return [vehicle, person], {"plate": vehicle.plate}

        return self.run_command("returnVehicle", body, idempotency_key)

    def take_vehicle_out_of_service(self, plate: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            vehicle = self.existing_vehicle(plate)
            vehicle.take_out_of_service(v.text(reason, "reason", max_length=v.MAX_LONG_TEXT))
            return [vehicle], {"plate": vehicle.plate, "inService": False}

        return self.run_command("takeVehicleOutOfService", body, idempotency_key)

    def return_vehicle_to_service(
        self, plate: str, note: str = "", idempotency_key: str | None = None
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            vehicle = self.existing_vehicle(plate)
            vehicle.return_to_service(v.text(note, "note", max_length=v.MAX_LONG_TEXT, required=False))
            return [vehicle], {"plate": vehicle.plate, "inService": True}

        return self.run_command("returnVehicleToService", body, idempotency_key)

    # -- helpers -------------------------------------------------------------------------

    def existing_vehicle_type(self, name: str, field: str = "name") -> VehicleType:
        return self.get_existing(VehicleType.create_id(name), f"vehicle type {name}", field)

    def existing_vehicle(self, plate: str, field: str = "plate") -> Vehicle:
        plate_ = clean_plate(plate, field)
        return self.get_existing(Vehicle.create_id(plate_), f"vehicle {plate_}", field)

    def hand_over_vehicle(self, plate: str | None, courier: str, shift: str) -> Vehicle | None:
        """The vehicle a starting shift takes out (refused if out of service or with someone else)."""
        if plate is None:
            return None
        vehicle = self.existing_vehicle(plate)
        vehicle.assign(courier, shift)
        return vehicle

    def take_back_vehicle(self, plate: str | None, courier: str, shift: str) -> Vehicle | None:
        """The vehicle an ending shift brings back, if this shift still holds it."""
        if plate is None:
            return None
        vehicle = self.existing_vehicle(plate)
        if vehicle.courier != courier or vehicle.shift != shift:
            return None
        vehicle.give_back()
        return vehicle
