"""Drawing, staffing and retiring zones, and proposing and accepting partitions, through the application's commands."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.context import Context
from api.couriers.periods import day_range
from api.zones.types import (
    AcceptedProposalPayload,
    AcceptZoneProposalInput,
    DefineZoneInput,
    ProposedZoneSummary,
    ProposeZonesInput,
    RedrawZoneInput,
    RetireZoneInput,
    ZoneCourierInput,
    ZonePayload,
    ZoneProposalPayload,
    ZoneStaffingPayload,
)
from domain.execution import CommandResult
from projections.performance import Span
from projections.zones import delivery_addresses

HISTORY_DAYS = 28


def staffing(result: CommandResult) -> ZoneStaffingPayload:
    return ZoneStaffingPayload(
        position=result.position, repeated=result.repeated, code=result["code"], couriers=list(result["couriers"]),
    )


async def addresses_of(context: Context, given: ProposeZonesInput) -> tuple[list[tuple[float, ...]], float]:
    """The addresses to partition and how many days they span: as given, or the delivery history."""
    if given.addresses is not None:
        points = [(a.lat, a.lon) if a.service_minutes is None else (a.lat, a.lon, a.service_minutes)
                  for a in given.addresses]
        return points, given.days if given.days is not None else 1.0
    first, last = day_range(context, given.first_day, given.last_day, default_days=HISTORY_DAYS)
    start, end = Span("", first, last + timedelta(days=1)).instants(context.settings.business_timezone)
    history = await context.read(delivery_addresses, start, end, at_least=await context.head())
    return list(history), given.days if given.days is not None else float((last - first).days + 1)


@strawberry.type
class ZoneMutations:
    @strawberry.mutation(description="A zone may touch others along edges but never share area with them.")
    async def define_zone(
        self, info: Info[Context, None], input: DefineZoneInput, idempotency_key: IdempotencyKey = None,
    ) -> ZonePayload:
        result = await info.context.command(
            "define_zone", input.code, input.name, input.kind.value, input.boundary, idempotency_key=idempotency_key,
        )
        return ZonePayload(position=result.position, repeated=result.repeated, code=result["code"],
                           area_km2=result["areaKm2"])

    @strawberry.mutation
    async def redraw_zone(
        self, info: Info[Context, None], input: RedrawZoneInput, idempotency_key: IdempotencyKey = None,
    ) -> ZonePayload:
        result = await info.context.command(
            "redraw_zone", input.code, input.boundary, idempotency_key=idempotency_key,
        )
        return ZonePayload(position=result.position, repeated=result.repeated, code=result["code"],
                           area_km2=result["areaKm2"])

    @strawberry.mutation
    async def assign_courier_to_zone(
        self, info: Info[Context, None], input: ZoneCourierInput, idempotency_key: IdempotencyKey = None,
    ) -> ZoneStaffingPayload:
        return staffing(await info.context.command(
            "assign_courier_to_zone", input.zone, input.courier, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def unassign_courier_from_zone(
        self, info: Info[Context, None], input: ZoneCourierInput, idempotency_key: IdempotencyKey = None,
    ) -> ZoneStaffingPayload:
        return staffing(await info.context.command(
            "unassign_courier_from_zone", input.zone, input.courier, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="The zone leaves the map: orders there are flagged as outside every zone.")
    async def retire_zone(
        self, info: Info[Context, None], input: RetireZoneInput, idempotency_key: IdempotencyKey = None,
    ) -> ZonePayload:
        result = await info.context.command("retire_zone", input.code, input.reason, idempotency_key=idempotency_key)
        return ZonePayload(position=result.position, repeated=result.repeated, code=result["code"])

    @strawberry.mutation(description="Ask the solver for zones of even daily workload; recorded for someone to accept.")
    async def propose_zones(
        self, info: Info[Context, None], input: ProposeZonesInput, idempotency_key: IdempotencyKey = None,
    ) -> ZoneProposalPayload:
        addresses, days = await addresses_of(info.context, input)
        options: dict[str, Any] = {
            "city": input.city, "service_minutes": input.service_minutes, "speed_kmh": input.speed_kmh, "days": days,
            "tolerance": input.tolerance, "seed": input.seed, "code_prefix": input.code_prefix,
            "kind": input.kind.value, "proposal": input.proposal,
        }
        result = await info.context.command(
            "propose_zones", addresses, input.zones, **options, idempotency_key=idempotency_key,
        )
        return ZoneProposalPayload(
            position=result.position, repeated=result.repeated, proposal=result["proposal"],
            imbalance=result["imbalance"],
            zones=[ProposedZoneSummary(code=z["code"], workload_minutes=z["workloadMinutes"], addresses=z["addresses"])
                   for z in result["zones"]],
        )

    @strawberry.mutation(description="The proposal becomes zones in one save: new codes defined, existing ones "
                         "redrawn, zones it covers retired.")
    async def accept_zone_proposal(
        self, info: Info[Context, None], input: AcceptZoneProposalInput, idempotency_key: IdempotencyKey = None,
    ) -> AcceptedProposalPayload:
        result = await info.context.command("accept_zone_proposal", input.proposal, idempotency_key=idempotency_key)
        return AcceptedProposalPayload(
            position=result.position, repeated=result.repeated, proposal=result["proposal"],
            defined=list(result["defined"]), redrawn=list(result["redrawn"]), retired=list(result["retired"]),
        )
