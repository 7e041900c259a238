"""`GET /reports/<chart>.png` (or `.svg`): the analysis, forecast and staffing charts.

Each chart is for the callers of the query it draws (its row of `api.permissions.OPERATION_ROLES`),
signed in with the same bearer token, and takes that query's filters as query parameters:
`from`, `to` (business days, both included), `zone`, and per chart `days`, `threshold`,
`cellSizeM` or `date`. Refusals come as JSON in the feeds' shape, with the HTTP status of their code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from api.analytics.queries import business_days
from api.context import Context
from api.errors import BAD_INPUT, NOT_FOUND, ApiError, forbidden
from api.feeds.access import error_response
from api.permissions import OPERATION_ROLES
from api.reports import charts
from projections.analytics import ALL
from projections.forecasts import MAX_FORECAST_DAYS, business_today, forecast_zones, zone_demand
from projections.order_analysis import heat_grid, orders_per_hour, peak_hours
from projections.staffing import staffing_recommendation
from projections.zones import list_zones

CHART_DAYS = 14  # orders per hour: two weeks of history before the forecast


@dataclass(frozen=True)
class Chart:
    operation: str  # the query whose callers may see the chart
    draw: Callable[[Context, Request, str], Awaitable[bytes]]


async def report(request: Request) -> Response:
    name, fmt = request.path_params["chart"], request.path_params["fmt"]
    try:
        chart = CHARTS.get(name)
        if chart is None:
            raise ApiError(NOT_FOUND, f"there is no chart {name!r}; charts are {', '.join(sorted(CHARTS))}",
                           field="chart")
        if fmt not in charts.FORMATS:
            raise ApiError(BAD_INPUT, "a chart is drawn as png or svg", field="format")
        context = _context(request, chart.operation)
        body = await chart.draw(context, request, fmt)
    except Exception as error:
        return error_response(error)
    return Response(body, media_type=charts.FORMATS[fmt], headers={"Cache-Control": "private, max-age=60"})


def _context(request: Request, operation: str) -> Context:
    context = Context(request.app.state.services, request)
    principal = context.require_principal()
    if principal.role not in OPERATION_ROLES[operation]:
        raise forbidden(f"a {principal.role} may not see the charts of {operation}")
    return context


async def _orders_per_hour(context: Context, request: Request, fmt: str) -> bytes:
    zone = request.query_params.get("zone") or None
    days = _int(request, "days", 7)
    if not 1 <= days <= MAX_FORECAST_DAYS:
        raise ApiError(BAD_INPUT, f"days is from 1 to {MAX_FORECAST_DAYS}", field="days")
    today = _today(context)
    first, last = _date(request, "from"), _date(request, "to")
    if first is None and last is None:
        first = today - timedelta(days=CHART_DAYS - 1)
    span = business_days(context, first, last)
    actual = await context.read(orders_per_hour, span, zone)
    demand = None
    if span.last >= today - timedelta(days=1):
        zones = await context.read(forecast_zones, zone) if zone is not None else [ALL]  # ALL: the shop's total
        demand = await context.read(zone_demand, today, zones, days)
    title = f"Orders per hour, {zone or 'all zones'}, {span.first} to {span.last}"
    return await run_in_threadpool(lambda: charts.render(charts.orders_per_hour(actual, demand, title), fmt))


async def _peak_heatmap(context: Context, request: Request, fmt: str) -> bytes:
    zone = request.query_params.get("zone") or None
    span = business_days(context, _date(request, "from"), _date(request, "to"))
    peaks = await context.read(peak_hours, span, zone, _float(request, "threshold", 0.3))
    title = f"Orders by hour of the week, {zone or 'all zones'}, {span.first} to {span.last}"
    return await run_in_threadpool(lambda: charts.render(charts.peak_heatmap(peaks, title), fmt))


async def _zone_heat_grid(context: Context, request: Request, fmt: str) -> bytes:
    zone = request.query_params.get("zone") or None
    span = business_days(context, _date(request, "from"), _date(request, "to"))
    grid = await context.read(heat_grid, span, _int(request, "cellSizeM", 500), zone)
    zones = [(z.code, z.boundary) for z in await context.read(list_zones) if zone is None or z.code == zone]
    title = f"Delivery addresses, {zone or 'all zones'}, {span.first} to {span.last}"
    return await run_in_threadpool(lambda: charts.render(charts.zone_heat_grid(grid, zones, title), fmt))


async def _couriers_needed(context: Context, request: Request, fmt: str) -> bytes:
    zone = request.query_params.get("zone") or None
    day = _date(request, "date") or _today(context)
    recommendation = await context.read(staffing_recommendation, context.application.clock.now(), day, zone)
    title = f"Couriers needed and planned, {zone or 'all zones'}, {day}"
    return await run_in_threadpool(lambda: charts.render(charts.couriers_needed(recommendation, title), fmt))


CHARTS = {
    "orders-per-hour": Chart("demandForecast", _orders_per_hour),
    "peak-heatmap": Chart("peakHours", _peak_heatmap),
    "zone-heat-grid": Chart("heatGrid", _zone_heat_grid),
    "couriers-needed": Chart("staffingRecommendation", _couriers_needed),
}


def _today(context: Context) -> date:
    return business_today(context.application.clock.now(), context.settings.business_timezone)


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(BAD_INPUT, f"{name} must be a day as YYYY-MM-DD", field=name) from None


def _int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(BAD_INPUT, f"{name} must be a whole number", field=name) from None


def _float(request: Request, name: str, default: float) -> float:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ApiError(BAD_INPUT, f"{name} must be a number", field=name) from None
