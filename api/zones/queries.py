"""Reading zones, their workload, the orders outside every zone and the proposals, from the zones projection."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Sequence

import strawberry
from strawberry.types import Info

from api.arguments import AtLeast
from api.context import Context
from api.couriers.periods import day_range
from api.errors import BAD_INPUT, NOT_FOUND, ApiError
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from api.zones.types import (
    DEFAULT_SERVICE_MINUTES, FromDay, ServiceMinutes, ToDay, UnzonedOrder, Zone, ZoneProposal, ZoneWorkload,
)
from projections.performance import Span
from projections.zones import get_zone, list_zones, unzoned_orders, zone_proposals_list, zone_workloads


async def workloads(
    context: Context, codes: Sequence[str], first: date | None, last: date | None, service_minutes: Decimal,
) -> dict[str, ZoneWorkload]:
    """Each zone's workload over business days `first`..`last` (default today)."""
    if service_minutes < 0:
        raise ApiError(BAD_INPUT, "serviceMinutes must be zero or more", field="serviceMinutes")
    first, last = day_range(context, first, last)
    start, end = Span("", first, last + timedelta(days=1)).instants(context.settings.business_timezone)
    views = await context.read(zone_workloads, codes, start, end, service_minutes)
    return {code: ZoneWorkload.from_view(view, first, last) for code, view in views.items()}


@strawberry.type
class ZoneQueries:
    @strawberry.field(
        description="Zones by code, each with its workload over business days `from`..`to` (default today).")
    async def zones(
        self, info: Info[Context, None], include_retired: bool = False, first_day: FromDay = None,
        last_day: ToDay = None, service_minutes: ServiceMinutes = DEFAULT_SERVICE_MINUTES, at_least: AtLeast = None,
    ) -> list[Zone]:
        views = await info.context.read(list_zones, include_retired=include_retired, at_least=at_least)
        loads = await workloads(info.context, [v.code for v in views], first_day, last_day, service_minutes)
        return [Zone.from_view(view, loads[view.code]) for view in views]

    @strawberry.field(description="One zone with its boundary, couriers, orders and workload.")
    async def zone(
        self, info: Info[Context, None], code: str, first_day: FromDay = None, last_day: ToDay = None,
        service_minutes: ServiceMinutes = DEFAULT_SERVICE_MINUTES, at_least: AtLeast = None,
    ) -> Zone:
        view = await info.context.read(get_zone, code, at_least=at_least)
        if view is None:
            raise ApiError(NOT_FOUND, f"zone {code} not found", field="code", zone=code)
        loads = await workloads(info.context, [code], first_day, last_day, service_minutes)
        return Zone.from_view(view, loads[code])

    @strawberry.field(description="Orders placed outside every zone, as found; by default only those still open.")
    async def unzoned_orders(
        self, info: Info[Context, None], open_only: bool = True, after: str | None = None,
        first: int = DEFAULT_PAGE_SIZE, at_least: AtLeast = None,
    ) -> Connection[UnzonedOrder]:
        page = await info.context.read(
            unzoned_orders, open_only=open_only, after=after, first=info.context.page_size(first), at_least=at_least,
        )
        return connection(page, UnzonedOrder.from_view)

    @strawberry.field(description="The latest `first` zone partitions proposed, newest first.")
    async def zone_proposals(
        self, info: Info[Context, None], open_only: bool = False, first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> list[ZoneProposal]:
        views = await info.context.read(
            zone_proposals_list, open_only=open_only, first=info.context.page_size(first), at_least=at_least,
        )
        return [ZoneProposal.from_view(v) for v in views]
