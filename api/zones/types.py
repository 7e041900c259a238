"""GraphQL views of zones, their workload and orders, proposals, and the inputs that draw and staff them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.context import Context
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from api.recorded import Recorded
from api.views import thin
from domain.zones import ZONE_KINDS
from projections.views import (
    ProposedZoneView, UnzonedOrderView, ZoneOrderView, ZoneProposalView, ZoneView, ZoneWorkloadView,
)
from projections.zones import orders_in_zone

ZoneKind = strawberry.enum(Enum("ZoneKind", {kind.upper(): kind for kind in ZONE_KINDS}))  # type: ignore[misc]

DEFAULT_SERVICE_MINUTES = Decimal(5)

FromDay = Annotated[date | None, strawberry.argument(name="from", description="First business day, included.")]
ToDay = Annotated[date | None, strawberry.argument(name="to", description="Last business day, included.")]
ServiceMinutes = Annotated[
    Decimal, strawberry.argument(description="Minutes a stop takes at the door, for the workload.")
]


@strawberry.type(description="Orders due in the zone over a range of business days, times the minutes each takes.")
class ZoneWorkload:
    first_day: date
    last_day: date
    orders: int = strawberry.field(description="Orders whose window starts in the range, cancelled ones aside.")
    service_minutes: Decimal
    workload_minutes: Decimal

    @classmethod
    def from_view(cls, view: ZoneWorkloadView, first_day: date, last_day: date) -> "ZoneWorkload":
        return thin(cls, view, first_day=first_day, last_day=last_day)


@strawberry.type(description="An order as zoning saw it: where it is going and which zone took it.")
class ZoneOrder:
    number: str
    zone: str | None
    lat: float
    lon: float
    window_start: datetime
    placed_at: datetime
    closed_as: str | None = strawberry.field(description="DELIVERED, RETURNED or CANCELLED once finished.")

    @classmethod
    def from_view(cls, view: ZoneOrderView) -> "ZoneOrder":
        return thin(cls, view)


@strawberry.type(description="An order placed outside every zone: the dispatcher's to place by hand.")
class UnzonedOrder:
    number: str
    lat: float
    lon: float
    window_start: datetime
    placed_at: datetime
    found_at: datetime
    zones_on_map: int
    closed_as: str | None

    @classmethod
    def from_view(cls, view: UnzonedOrderView) -> "UnzonedOrder":
        return thin(cls, view)


@strawberry.type
class Zone:
    code: str
    name: str
    kind: ZoneKind  # type: ignore[valid-type]
    boundary: JSON = strawberry.field(description="GeoJSON Polygon or MultiPolygon, lon/lat.")
    area_km2: float
    retired: bool
    retired_reason: str
    couriers: list[str] = strawberry.field(description="Couriers assigned to the zone.")
    proposal: str | None = strawberry.field(description="The accepted proposal that last drew it, if any.")
    defined_at: datetime
    updated_at: datetime
    workload: ZoneWorkload

    @classmethod
    def from_view(cls, view: ZoneView, workload: ZoneWorkload) -> "Zone":
        return thin(cls, view, kind=ZoneKind(view.kind), couriers=list(view.couriers), workload=workload)

    @strawberry.field(description="Orders placed in the zone, by window start; `from`/`to` bound the window start.")
    async def orders(
        self, info: Info[Context, None],
        window_from: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        window_to: Annotated[datetime | None, strawberry.argument(name="to")] = None, open_only: bool = False,
        after: str | None = None, first: int = DEFAULT_PAGE_SIZE,
    ) -> Connection[ZoneOrder]:
        page = await info.context.read(
            orders_in_zone, self.code, window_from=window_from, window_to=window_to, open_only=open_only,
            after=after, first=info.context.page_size(first),
        )
        return connection(page, ZoneOrder.from_view)


@strawberry.type
class Centre:
    lat: float
    lon: float


@strawberry.type
class ProposedZone:
    code: str
    name: str
    kind: ZoneKind  # type: ignore[valid-type]
    boundary: JSON
    addresses: int
    service_minutes: float
    travel_minutes: float
    workload_minutes: float
    area_km2: float
    centre: Centre

    @classmethod
    def from_view(cls, view: ProposedZoneView) -> "ProposedZone":
        return thin(cls, view, kind=ZoneKind(view.kind), centre=Centre(lat=view.centre_lat, lon=view.centre_lon))


@strawberry.type(description="A partition the solver proposed from delivery addresses, balanced by workload.")
class ZoneProposal:
    proposal: str
    proposed_at: datetime
    requested_zones: int
    addresses: int
    service_minutes: float
    speed_kmh: float
    days: float
    tolerance: float
    seed: int
    mean_workload_minutes: float
    max_workload_minutes: float
    imbalance: float = strawberry.field(description="Largest zone's workload over the mean.")
    repair_moves: int
    accepted_at: datetime | None
    defined: list[str]
    redrawn: list[str]
    retired: list[str]
    zones: list[ProposedZone]

    @classmethod
    def from_view(cls, view: ZoneProposalView) -> "ZoneProposal":
        return thin(cls, view, zones=[ProposedZone.from_view(z) for z in view.zones], defined=list(view.defined),
                    redrawn=list(view.redrawn), retired=list(view.retired))


@strawberry.input
class DefineZoneInput:
    code: str
    name: str
    kind: ZoneKind  # type: ignore[valid-type]
    boundary: JSON = strawberry.field(description="GeoJSON Polygon or MultiPolygon (or a Feature of one), lon/lat.")


@strawberry.input
class RedrawZoneInput:
    code: str
    boundary: JSON


@strawberry.input
class ZoneCourierInput:
    zone: str
    courier: str


@strawberry.input
class RetireZoneInput:
    code: str
    reason: str


@strawberry.input
class AddressPointInput:
    lat: float
    lon: float
    service_minutes: float | None = None


@strawberry.input(description="Propose `zones` zones of even workload. Without `addresses`, from where the orders due "
                  "in `from`..`to` (default the last 28 business days) were delivered, per day of that range.")
class ProposeZonesInput:
    zones: int
    addresses: list[AddressPointInput] | None = None
    first_day: date | None = strawberry.field(default=None, name="from")
    last_day: date | None = strawberry.field(default=None, name="to")
    days: float | None = strawberry.field(default=None, description="Days the given addresses span (default 1).")
    city: JSON | None = strawberry.field(default=None, description="GeoJSON the zones must stay within.")
    service_minutes: float = 5.0
    speed_kmh: float = 20.0
    tolerance: float = 1.2
    seed: int = 0
    code_prefix: str = "Z"
    kind: ZoneKind = ZoneKind.MIXED  # type: ignore[valid-type,attr-defined]
    proposal: str | None = strawberry.field(default=None, description="Leave out to have one generated.")


@strawberry.input
class AcceptZoneProposalInput:
    proposal: str


@strawberry.type
class ZonePayload(Recorded):
    code: str
    area_km2: float | None = None


@strawberry.type
class ZoneStaffingPayload(Recorded):
    code: str
    couriers: list[str]


@strawberry.type
class ProposedZoneSummary:
    code: str
    workload_minutes: float
    addresses: int


@strawberry.type
class ZoneProposalPayload(Recorded):
    proposal: str
    imbalance: float
    zones: list[ProposedZoneSummary]


@strawberry.type
class AcceptedProposalPayload(Recorded):
    proposal: str
    defined: list[str]
    redrawn: list[str]
    retired: list[str]
