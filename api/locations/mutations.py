"""Reporting positions, setting planned routes and checking for silent couriers, through the application's commands.

A courier reports only their own positions. Pings are judged one by one in the domain: bad
ones are counted by reason, never refused, so a phone's stream never stops on one wrong fix.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.context import Context
from api.couriers.permissions import acting_courier, courier_not_found
from api.locations.stale_watch import watched_couriers
from api.locations.types import (
    AlertChange, AlertKind, PlannedRoutePayload, ReportPositionsBatchInput, ReportPositionsInput,
    ReportPositionsPayload, SetPlannedRouteInput, StalePositionsPayload, rejections,
)
from domain.execution import CommandResult
from projections.couriers import known_couriers


async def check_known(context: Context, couriers: Sequence[str], field: str) -> None:
    """Positions only for couriers the shop has: a track opened for a typo would never be read."""
    found = await context.read(known_couriers, couriers)
    if len(found) < len(set(couriers)):
        found = await context.read(known_couriers, couriers, at_least=await context.head())
    for i, courier in enumerate(couriers):
        if courier not in found:
            raise courier_not_found(courier, field.format(i=i))


def reported(result: CommandResult) -> ReportPositionsPayload:
    rejected = result["rejected"]
    return ReportPositionsPayload(
        position=result.position, repeated=result.repeated, couriers=result["couriers"],
        received=result["received"], accepted=result["accepted"], rejected=sum(rejected.values()),
        rejected_by_reason=rejections(rejected),
        alerts=[AlertChange(courier=a["courier"], kind=AlertKind(a["kind"]), raised=a["raised"], at=a["at"])
                for a in result["alerts"]],
    )


@strawberry.type
class LocationMutations:
    @strawberry.mutation(description="One courier's batch of pings; returns how many were accepted and rejected, "
                         "and the alerts they started or ended.")
    async def report_positions(
        self, info: Info[Context, None], input: ReportPositionsInput, idempotency_key: IdempotencyKey = None,
    ) -> ReportPositionsPayload:
        courier = acting_courier(info.context.require_principal(), input.courier)
        await check_known(info.context, [courier], "courier")
        return reported(await info.context.command(
            "report_positions", courier, [p.as_ping() for p in input.pings], idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="Many couriers' batches in one save, as a gateway uploads them.")
    async def report_positions_batch(
        self, info: Info[Context, None], input: ReportPositionsBatchInput, idempotency_key: IdempotencyKey = None,
    ) -> ReportPositionsPayload:
        await check_known(info.context, [r.courier for r in input.reports], "reports.{i}.courier")
        return reported(await info.context.command(
            "report_positions_batch", [(r.courier, [p.as_ping() for p in r.pings]) for r in input.reports],
            idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(
        description="The route a courier is expected to follow on a day; off-route alerts measure from it.")
    async def set_planned_route(
        self, info: Info[Context, None], input: SetPlannedRouteInput, idempotency_key: IdempotencyKey = None,
    ) -> PlannedRoutePayload:
        await check_known(info.context, [input.courier], "courier")
        result = await info.context.command(
            "set_planned_route", input.courier, [(p.lat, p.lon) for p in input.route],
            [(p.lat, p.lon) for p in input.stops], day=input.day, plan=input.plan, idempotency_key=idempotency_key,
        )
        return PlannedRoutePayload(
            position=result.position, repeated=result.repeated, courier=result["courier"],
            day=date.fromisoformat(result["day"]), points=result["points"], stops=result["stops"],
        )

    @strawberry.mutation(description="Raise a stale-position alert for each courier on shift who has been silent too "
                         "long, and end those of couriers now off shift. The worker runs this every minute; without "
                         "`couriers` it checks the same couriers the worker does.")
    async def check_stale_positions(
        self, info: Info[Context, None], couriers: list[str] | None = None, idempotency_key: IdempotencyKey = None,
    ) -> StalePositionsPayload:
        if couriers is None:
            couriers = await info.context.read(watched_couriers, at_least=await info.context.head())
        result = await info.context.command("check_stale_positions", couriers, idempotency_key=idempotency_key)
        return StalePositionsPayload(
            position=result.position, repeated=result.repeated, checked=result["checked"],
            raised=list(result["raised"]), ended=list(result["ended"]), unknown=list(result["unknown"]),
        )
