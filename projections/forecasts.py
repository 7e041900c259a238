"""Forecasts read from the order counters: orders per zone and hour for the days ahead, and each SKU's demand,
cover and reorder point in a warehouse.

Forecasts start at the shop's local midnight of `today` and learn from every whole day before it;
the models are `solver/forecast.py` (orders) and `solver/reorder.py` (stock), fed here with what
the analytics projection counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Sequence

import numpy as np
from scipy import stats
from sqlalchemy import select

from domain.errors import InvalidInput, NotFound
from projections.analytics import local_zone
from projections.database import ReadDatabase
from projections.order_analysis import DayRange, daily_demand, hourly_history, order_zones
from projections.stock import stock_levels
from solver.forecast import HOURS_PER_WEEK, Forecast, OrderHistory, ZoneForecast, forecast_orders
from solver.reorder import ReorderPolicy, advise_reorder

MAX_FORECAST_DAYS = 14
LEVELS = (0.8, 0.95)
MIN_HISTORY_HOURS = 2 * HOURS_PER_WEEK  # what the order model needs to tell a weekday from a weekend


@dataclass(frozen=True)
class ForecastHour:
    hour: datetime
    expected: float
    lower80: float
    upper80: float
    lower95: float
    upper95: float


@dataclass(frozen=True)
class ZoneForecastView:
    zone: str | None
    expected_orders: float
    hours: list[ForecastHour]


@dataclass(frozen=True)
class SpecialDayView:
    day: date
    name: str
    kind: str


@dataclass(frozen=True)
class DemandForecastView:
    """`ready` is false (and `zones` empty) until there are two weeks of history; `note` says why."""

    start: datetime
    days: int
    history_from: date | None
    history_days: int
    ready: bool
    note: str | None
    zones: list[ZoneForecastView]
    special_days: list[SpecialDayView]


@dataclass(frozen=True)
class ZoneDemand:
    """The order history of some zones up to today and, given two weeks of it, their forecast; the zones
    as the API names them (None: orders outside every zone)."""

    zones: list[str | None]
    history: OrderHistory | None
    forecast: Forecast | None

    @property
    def history_days(self) -> int:
        return self.history.hours // 24 if self.history is not None else 0

    @property
    def note(self) -> str | None:
        if self.forecast is not None:
            return None
        return (f"a forecast needs {MIN_HISTORY_HOURS // 24} whole days of orders before today; "
                f"there are {self.history_days}")


def business_today(now: datetime, timezone: str) -> date:
    return now.astimezone(local_zone(timezone)).date()


def forecast_zones(db: ReadDatabase, zone: str | None) -> list[str | None]:
    """The zones a forecast covers: the one asked for, else every zone orders were placed in."""
    known = order_zones(db)
    if zone is None:
        return known
    if zone not in known:
        raise NotFound(f"no order was ever placed in zone {zone}", field="zone", zone=zone)
    return [zone]


def zone_demand(db: ReadDatabase, today: date, zones: Sequence[str | None], days: int) -> ZoneDemand:
    """The zones' orders up to today's midnight, and the forecast of the `days` days from it."""
    history = hourly_history(db, today, zones) if zones else None
    ready = history is not None and history.hours >= MIN_HISTORY_HOURS
    if not ready:
        return ZoneDemand(list(zones), history, None)
    with np.errstate(over="ignore", invalid="ignore"):  # the overflowing hours are mended by finite_bands
        forecast = forecast_orders(history, days * 24, levels=LEVELS)  # type: ignore[arg-type]
    return ZoneDemand(list(zones), history, finite_bands(forecast))


def finite_bands(forecast: Forecast) -> Forecast:
    """The forecast with every band a number. An hour that never had an order in weeks (a weekend night) has
    a mean of practically zero and a fitted variance that overflows to NaN; its band is then the Poisson band
    of its mean, as for any hour that is not overdispersed, which is a band of zero to (about) zero."""
    zones = []
    for zone in forecast.zones:
        lower, upper = dict(zone.lower), dict(zone.upper)
        for level in forecast.levels:
            low, high = np.array(lower[level], dtype=float), np.array(upper[level], dtype=float)
            broken = ~(np.isfinite(low) & np.isfinite(high))
            if broken.any():
                mean = zone.mean[broken]
                low[broken] = np.minimum(stats.poisson.ppf((1 - level) / 2, mean), mean)
                high[broken] = np.maximum(stats.poisson.ppf((1 + level) / 2, mean), mean)
            lower[level], upper[level] = low, high
        zones.append(ZoneForecast(zone.zone, zone.mean, lower, upper))
    return replace(forecast, zones=tuple(zones))


def demand_forecast(
    db: ReadDatabase, now: datetime, zone: str | None = None, days: int = 7
) -> DemandForecastView:
    """Orders per zone and hour from today's midnight for `days` days, with 80% and 95% prediction bands."""
    if not 1 <= days <= MAX_FORECAST_DAYS:
        raise InvalidInput(f"days is from 1 to {MAX_FORECAST_DAYS}", field="days", days=days)
    timezone = db.settings.business_timezone
    today = business_today(now, timezone)
    local = local_zone(timezone)
    start = datetime.combine(today, datetime.min.time(), local)
    demand = zone_demand(db, today, forecast_zones(db, zone), days)
    history_from = demand.history.start.date() if demand.history is not None else None
    forecast = demand.forecast
    if forecast is None:
        return DemandForecastView(start, days, history_from, demand.history_days, False, demand.note, [], [])
    hours = [moment.replace(tzinfo=local) for moment in forecast.timestamps()]
    views = []
    for name, zone_forecast in zip(demand.zones, forecast.zones):
        views.append(ZoneForecastView(
            zone=name, expected_orders=float(zone_forecast.mean.sum()),
            hours=[
                ForecastHour(
                    hour, float(zone_forecast.mean[h]), float(zone_forecast.lower[0.8][h]),
                    float(zone_forecast.upper[0.8][h]), float(zone_forecast.lower[0.95][h]),
                    float(zone_forecast.upper[0.95][h]),
                )
                for h, hour in enumerate(hours)
            ],
        ))
    specials = [SpecialDayView(d.date, d.name, d.kind) for d in forecast.special_days]
    return DemandForecastView(start, days, history_from, demand.history_days, True, None, views, specials)


# -- stock -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockForecastView:
    """One SKU in one warehouse: its demand (units a day, over the policy's window of whole days before
    today), how long the available stock lasts, and when and how much to reorder."""

    warehouse: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    threshold: int
    history_from: date | None
    history_days: int
    daily_demand: float
    daily_demand_std: float
    lead_time_days: float
    service_level: float
    lead_time_demand: float
    safety_stock: float
    reorder_point: float
    order_quantity: int
    reorder_now: bool
    days_of_cover: float | None  # None: nothing is asked for, so it lasts for ever
    policy: str

    @property
    def forecast_threshold(self) -> int:
        """The reorder threshold at which the low-stock warning fires at the forecast reorder point."""
        return math.ceil(self.reorder_point - 1e-9)


def reorder_policy(db: ReadDatabase, lead_time_days: float | None = None,
                   service_level: float | None = None) -> ReorderPolicy:
    settings = db.settings
    try:
        return ReorderPolicy(
            lead_time_days=settings.reorder_lead_time_days if lead_time_days is None else lead_time_days,
            service_level=settings.reorder_service_level if service_level is None else service_level,
        )
    except ValueError as problem:
        field = "serviceLevel" if "service level" in str(problem) else "leadTimeDays"
        raise InvalidInput(str(problem), field=field) from None


def stock_forecasts(
    db: ReadDatabase, now: datetime, warehouse: str, sku: str | None = None, policy: ReorderPolicy | None = None,
) -> list[StockForecastView]:
    """The warehouse's SKUs (or the one asked for), shortest cover first."""
    policy = policy or reorder_policy(db)
    today = business_today(now, db.settings.business_timezone)
    s = stock_levels.c
    query = select(s.warehouse, s.sku, s.on_hand, s.reserved, s.available, s.threshold).where(s.warehouse == warehouse)
    if sku is not None:
        query = query.where(s.sku == sku)
    with db.read() as conn:
        items = conn.execute(query.order_by(s.sku)).all()
    if not items:
        what = f"{sku} in {warehouse}" if sku is not None else f"warehouse {warehouse}"
        raise NotFound(f"no stock of {what}", field="sku" if sku is not None else "warehouse",
                       warehouse=warehouse, sku=sku)
    window = DayRange(today - timedelta(days=policy.window_days), today - timedelta(days=1))
    demand = daily_demand(db, warehouse, [item.sku for item in items] if sku is not None else None, window)
    views = []
    for item in items:
        started, series = demand.get(item.sku, (None, []))
        advice = advise_reorder(item.sku, warehouse, series or [0.0], on_hand=item.available, policy=policy)
        views.append(StockForecastView(
            warehouse=warehouse, sku=item.sku, on_hand=item.on_hand, reserved=item.reserved,
            available=item.available, threshold=item.threshold, history_from=started, history_days=len(series),
            daily_demand=advice.daily_demand, daily_demand_std=advice.daily_demand_std,
            lead_time_days=policy.lead_time_days, service_level=policy.service_level,
            lead_time_demand=advice.lead_time_demand, safety_stock=advice.safety_stock,
            reorder_point=advice.reorder_point, order_quantity=advice.order_quantity,
            reorder_now=advice.reorder_now,
            days_of_cover=None if math.isinf(advice.days_of_cover) else advice.days_of_cover,
            policy=advice.policy,
        ))
    views.sort(key=lambda v: (v.days_of_cover is None, v.days_of_cover or 0.0, v.sku))
    return views


def warehouses_with_stock(db: ReadDatabase) -> list[str]:
    with db.read() as conn:
        return list(conn.execute(select(stock_levels.c.warehouse).distinct().order_by(stock_levels.c.warehouse))
                    .scalars())

