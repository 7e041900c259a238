"""Reading the fleet from its projection: dispatch, the warehouse and auditors see every vehicle."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import AtLeast
from api.context import Context
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from api.vehicles.types import Vehicle, VehicleStatus, VehicleType
from projections.vehicles import list_vehicle_types, list_vehicles


@strawberry.type
class VehicleQueries:
    @strawberry.field(description="Vehicles by plate, filtered by status and type.")
    async def vehicles(
        self,
        info: Info[Context, None],
        status: VehicleStatus | None = None,  # type: ignore[valid-type]
        type: str | None = None,
        after: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> Connection[Vehicle]:
        page = await info.context.read(
            list_vehicles, status=status.value if status is not None else None, vehicle_type=type, after=after,
            first=info.context.page_size(first), at_least=at_least,
        )
        return connection(page, Vehicle.from_view)

    @strawberry.field(description="Vehicle types by name, with how many vehicles of each there are and are free.")
    async def vehicle_types(self, info: Info[Context, None], at_least: AtLeast = None) -> list[VehicleType]:
        return [VehicleType.from_view(v) for v in await info.context.read(list_vehicle_types, at_least=at_least)]
