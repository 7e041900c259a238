"""Reading the order analysis, the forecasts and the staffing recommendation; every range is in business days.

`from` and `to` are business days in the shop's timezone, both included; left out, the range is
the four weeks ending today by the shop's clock.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.analytics.types import (
    DemandForecast, HeatGrid, OrderAnalysis, OrderSizeDistribution, PeakHours, StaffingRecommendation, StockForecast,
)
from api.arguments import AtLeast
from api.context import Context
from projections.forecasts import business_today, demand_forecast, reorder_policy, stock_forecasts
from projections.order_analysis import DayRange, heat_grid, order_sizes, peak_hours
from projections.staffing import staffing_recommendation

DEFAULT_DAYS = 28

From = Annotated[date | None, strawberry.argument(name="from", description="First business day (default: four "
                                                  "weeks before `to`).")]
To = Annotated[date | None, strawberry.argument(description="Last business day, included (default: today).")]
Zone = Annotated[str | None, strawberry.argument(description="Only orders delivered into this zone.")]


def business_days(context: Context, first: date | None, last: date | None) -> DayRange:
    """The range asked for, its missing ends filled in from today by the shop's clock."""
    if last is None:
        last = business_today(context.application.clock.now(), context.settings.business_timezone)
        if first is not None and first > last:
            last = first
    if first is None:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    return DayRange.checked(first, last)


@strawberry.type
class AnalyticsQueries:
    @strawberry.field(description="Orders by day, hour of the week, zone, warehouse and product category: counts, "
                      "weight, volume, on-time share and lead time.")
    async def order_analysis(
        self, info: Info[Context, None], from_: From = None, to: To = None, zone: Zone = None,
        warehouse: str | None = None, at_least: AtLeast = None,
    ) -> OrderAnalysis:
        await info.context.reached(at_least)
        days = business_days(info.context, from_, to)
        return OrderAnalysis(from_=days.first, to=days.last, zone=zone, warehouse=warehouse)

    @strawberry.field(description="Hours of the week carrying more than `threshold` above the mean hour "
                      '(0.3: +30%), joined into runs such as "Saturday afternoon +30%".')
    async def peak_hours(
        self, info: Info[Context, None], from_: From = None, to: To = None, zone: Zone = None,
        threshold: float = 0.3, at_least: AtLeast = None,
    ) -> PeakHours:
        days = business_days(info.context, from_, to)
        return PeakHours.from_view(await info.context.read(peak_hours, days, zone, threshold, at_least=at_least))

    @strawberry.field(description="Orders per square of the delivery-address grid; `cellSizeM` is a multiple of "
                      "250 up to 5000.")
    async def heat_grid(
        self, info: Info[Context, None], from_: From = None, to: To = None, cell_size_m: int = 1000,
        zone: Zone = None, at_least: AtLeast = None,
    ) -> HeatGrid:
        days = business_days(info.context, from_, to)
        return HeatGrid.from_view(await info.context.read(heat_grid, days, cell_size_m, zone, at_least=at_least))

    @strawberry.field(description="How orders spread over weight and volume bins.")
    async def order_size_distribution(
        self, info: Info[Context, None], from_: From = None, to: To = None, zone: Zone = None,
        at_least: AtLeast = None,
    ) -> OrderSizeDistribution:
        days = business_days(info.context, from_, to)
        return OrderSizeDistribution.from_view(await info.context.read(order_sizes, days, zone, at_least=at_least))

    @strawberry.field(description="Orders per zone and hour from today's midnight for `days` days (1 to 14), "
                      "with 80% and 95% prediction bands; every zone unless one is named.")
    async def demand_forecast(
        self, info: Info[Context, None], zone: Zone = None, days: int = 7, at_least: AtLeast = None,
    ) -> DemandForecast:
        now = info.context.application.clock.now()
        return DemandForecast.from_view(await info.context.read(demand_forecast, now, zone, days, at_least=at_least))

    @strawberry.field(description="Expected demand, days of cover, reorder point and quantity of a warehouse's "
                      "SKUs (or one), shortest cover first; lead time and service level default to the shop's.")
    async def stock_forecast(
        self, info: Info[Context, None], warehouse: str, sku: str | None = None,
        lead_time_days: float | None = None, service_level: float | None = None, at_least: AtLeast = None,
    ) -> list[StockForecast]:
        now = info.context.application.clock.now()
        policy = reorder_policy(info.context.services.db, lead_time_days, service_level)
        views = await info.context.read(stock_forecasts, now, warehouse, sku, policy, at_least=at_least)
        return [StockForecast.from_view(view) for view in views]

    @strawberry.field(description="The cheapest couriers and vehicles per zone and hour covering the forecast for "
                      "`date` (today, or one of the next 13 days), and where the planned shifts fall short or over.")
    async def staffing_recommendation(
        self, info: Info[Context, None],
        date: Annotated[date | None, strawberry.argument(description="Default: today.")] = None,
        zone: Zone = None, at_least: AtLeast = None,
    ) -> StaffingRecommendation:
        now = info.context.application.clock.now()
        day = date or business_today(now, info.context.settings.business_timezone)
        view = await info.context.read(staffing_recommendation, now, day, zone, at_least=at_least)
        return StaffingRecommendation.from_view(view)
