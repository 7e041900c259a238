"""Defining vehicle types and moving vehicles through the application's commands."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.context import Context
from api.vehicles.types import (
    AssignVehicleToShiftInput,
    ChangeVehicleTypeCostsInput,
    ChangeVehicleTypeSpeedsInput,
    DefineVehicleTypeInput,
    PlateInput,
    RegisterVehicleInput,
    ReturnVehicleToServiceInput,
    TakeVehicleOutOfServiceInput,
    VehiclePayload,
    VehicleTypePayload,
    bands,
)
from domain.execution import CommandResult


def vehicle_type(result: CommandResult) -> VehicleTypePayload:
    return VehicleTypePayload(position=result.position, repeated=result.repeated, name=result["name"])


def vehicle(result: CommandResult) -> VehiclePayload:
    return VehiclePayload(position=result.position, repeated=result.repeated, plate=result["plate"])


@strawberry.type
class VehicleMutations:
    @strawberry.mutation(description="Capacity, speeds and costs the planner reasons with.")
    async def define_vehicle_type(
        self, info: Info[Context, None], input: DefineVehicleTypeInput, idempotency_key: IdempotencyKey = None,
    ) -> VehicleTypePayload:
        return vehicle_type(await info.context.command(
            "define_vehicle_type", input.name, input.capacity_kg, input.capacity_l, input.cruise_kmh, input.max_kmh,
            input.cost_per_km, input.cost_per_hour, input.fixed_daily_cost,
            skills=[s.value for s in input.skills], speed_bands=bands(input.speed_bands),
            idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def change_vehicle_type_speeds(
        self, info: Info[Context, None], input: ChangeVehicleTypeSpeedsInput, idempotency_key: IdempotencyKey = None,
    ) -> VehicleTypePayload:
        return vehicle_type(await info.context.command(
            "change_vehicle_type_speeds", input.name, input.cruise_kmh, input.max_kmh,
            speed_bands=bands(input.speed_bands), idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def change_vehicle_type_costs(
        self, info: Info[Context, None], input: ChangeVehicleTypeCostsInput, idempotency_key: IdempotencyKey = None,
    ) -> VehicleTypePayload:
        return vehicle_type(await info.context.command(
            "change_vehicle_type_costs", input.name, input.cost_per_km, input.cost_per_hour, input.fixed_daily_cost,
            idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def register_vehicle(
        self, info: Info[Context, None], input: RegisterVehicleInput, idempotency_key: IdempotencyKey = None,
    ) -> VehiclePayload:
        return vehicle(await info.context.command(
            "register_vehicle", input.plate, input.vehicle_type, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="Give a shift a vehicle; on a running shift the old one comes back.")
    async def assign_vehicle_to_shift(
        self, info: Info[Context, None], input: AssignVehicleToShiftInput, idempotency_key: IdempotencyKey = None,
    ) -> VehiclePayload:
        return vehicle(await info.context.command(
            "assign_vehicle_to_shift", input.plate, input.courier, input.shift, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="The vehicle comes back early; the courier's shift carries on without it.")
    async def return_vehicle(
        self, info: Info[Context, None], input: PlateInput, idempotency_key: IdempotencyKey = None,
    ) -> VehiclePayload:
        return vehicle(await info.context.command("return_vehicle", input.plate, idempotency_key=idempotency_key))

    @strawberry.mutation
    async def take_vehicle_out_of_service(
        self, info: Info[Context, None], input: TakeVehicleOutOfServiceInput, idempotency_key: IdempotencyKey = None,
    ) -> VehiclePayload:
        return vehicle(await info.context.command(
            "take_vehicle_out_of_service", input.plate, input.reason, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def return_vehicle_to_service(
        self, info: Info[Context, None], input: ReturnVehicleToServiceInput, idempotency_key: IdempotencyKey = None,
    ) -> VehiclePayload:
        return vehicle(await info.context.command(
            "return_vehicle_to_service", input.plate, input.note, idempotency_key=idempotency_key,
        ))
