"""Reading live positions and location alerts from the locations projection; a courier sees only their own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from api.arguments import AtLeast
from api.context import Context
from api.couriers.permissions import check_may_read, only_own
from api.errors import NOT_FOUND, ApiError
from api.locations.types import AlertKind, CourierPosition, CourierPositionAt, LocationAlert
from api.pagination import DEFAULT_PAGE_SIZE
from projections.locations import latest_positions, location_alerts_list, position_as_of
from projections.zones import get_zone


async def zone_boundary(context: Context, zone: str | None) -> dict[str, Any] | None:
    """The GeoJSON a zone filter keeps positions inside, or None for no filter."""
    if zone is None:
        return None
    view = await context.read(get_zone, zone)
    if view is None:
        raise ApiError(NOT_FOUND, f"zone {zone} not found", field="zone", zone=zone)
    return view.boundary


@strawberry.type
class LocationQueries:
    @strawberry.field(description="Each courier's latest accepted position, inside `zone`'s boundary if given; "
                      "a courier's list is always their own.")
    async def live_positions(
        self, info: Info[Context, None], zone: str | None = None, courier: str | None = None, at_least: AtLeast = None,
    ) -> list[CourierPosition]:
        who = only_own(info.context.require_principal(), courier)
        await info.context.reached(at_least)
        within = await zone_boundary(info.context, zone)
        views = await info.context.read(latest_positions, couriers=[who] if who else None, within=within)
        return [CourierPosition.from_view(v) for v in views]

    @strawberry.field(description="Where a courier was at any moment, from the stored pings: exact at a ping, "
                      "interpolated between the two around it, or the last known; null if nothing was known yet.")
    async def courier_position_at(
        self, info: Info[Context, None], reference: str, at: datetime, at_least: AtLeast = None,
    ) -> CourierPositionAt | None:
        check_may_read(info.context.require_principal(), reference)
        view = await info.context.read_log(position_as_of, reference, at, at_least=at_least)
        return CourierPositionAt.from_view(view) if view is not None else None

    @strawberry.field(description="Stale, off-route, idle and speeding alerts, the first `first` in the order raised.")
    async def location_alerts(
        self, info: Info[Context, None], open_only: bool = True, courier: str | None = None,
        kind: AlertKind | None = None,  # type: ignore[valid-type]
        first: int = DEFAULT_PAGE_SIZE, at_least: AtLeast = None,
    ) -> list[LocationAlert]:
        views = await info.context.read(
            location_alerts_list, open_only=open_only, courier=courier, kind=kind.value if kind else None,
            first=info.context.page_size(first), at_least=at_least,
        )
        return [LocationAlert.from_view(v) for v in views]
