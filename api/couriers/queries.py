"""Reading couriers, their figures and the month's awards from the projections; a courier sees only themselves."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import AtLeast
from api.audit.time_travel import AsOf, AtVersion, read_as_of
from api.context import Context
from api.couriers.periods import span_of
from api.couriers.permissions import check_may_read, courier_not_found
from api.couriers.types import (
    COURIERS_PROJECTOR, Courier, CourierKpis, CourierStatus, IncentiveResults, RankedAward,
)
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from domain.assessment import clean_period
from domain.couriers import Courier as CourierAggregate
from projections.couriers import get_courier, list_couriers
from projections.performance import courier_kpis, incentive_ranking, incentive_results

DEFAULT_RANKING = 10


@strawberry.type
class CourierQueries:
    @strawberry.field(description="Couriers by reference; in a zone means assigned to it or living there (home zone).")
    async def couriers(
        self,
        info: Info[Context, None],
        status: CourierStatus | None = None,  # type: ignore[valid-type]
        zone: str | None = None,
        on_shift: bool | None = None,
        after: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> Connection[Courier]:
        page = await info.context.read(
            list_couriers, status=status.value if status is not None else None, zone=zone, on_shift=on_shift,
            after=after, first=info.context.page_size(first), at_least=at_least,
        )
        return connection(page, Courier.from_view)

    @strawberry.field(description="One courier: standing, grade, flags, shifts, history and figures. With `asOf` "
                      "or `version`, the courier's own record as it then stood.")
    async def courier(
        self, info: Info[Context, None], reference: str, as_of: AsOf = None, version: AtVersion = None,
        at_least: AtLeast = None,
    ) -> Courier | None:
        check_may_read(info.context.require_principal(), reference)
        view = await read_as_of(
            info.context, get_courier, reference, aggregate_id=CourierAggregate.create_id(reference),
            projector=COURIERS_PROJECTOR, as_of=as_of, version=version, at_least=at_least,
        )
        if view is None:
            if as_of is None and version is None:
                raise courier_not_found(reference)
            return None
        return Courier.from_view(view, as_of, version)

    @strawberry.field(description="A courier's figures for a month (YYYY-MM) or one business day (YYYY-MM-DD).")
    async def courier_kpis(
        self, info: Info[Context, None], reference: str, period: str, at_least: AtLeast = None,
    ) -> CourierKpis:
        check_may_read(info.context.require_principal(), reference)
        span = span_of(period)
        if await info.context.read(get_courier, reference, at_least=at_least) is None:
            raise courier_not_found(reference)
        return CourierKpis.from_view(await info.context.read(courier_kpis, reference, span))

    @strawberry.field(description="A month's awards, once the month is closed.")
    async def incentive_results(
        self, info: Info[Context, None], period: str, at_least: AtLeast = None,
    ) -> IncentiveResults:
        month = clean_period(period)
        return IncentiveResults.from_view(month, await info.context.read(incentive_results, month, at_least=at_least))

    @strawberry.field(description="The month's best couriers: highest total award, then best on-time rate.")
    async def incentive_ranking(
        self, info: Info[Context, None], period: str, first: int = DEFAULT_RANKING, at_least: AtLeast = None,
    ) -> list[RankedAward]:
        month = clean_period(period)
        views = await info.context.read(incentive_ranking, month, info.context.page_size(first), at_least=at_least)
        return [RankedAward.ranked(view, rank) for rank, view in enumerate(views, start=1)]
