"""Reading the pre-aggregated order tables: figures for any days, peaks, the heat grid, order sizes, and the
hourly and daily series the forecasts learn from.

Every query takes whole business days, `first` to `last` inclusive, in the shop's timezone, and an
optional zone and warehouse; each reads a few hundred to a few thousand counter rows, whatever
the number of orders behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Sequence

import numpy as np
from sqlalchemy import Integer, func, literal_column, select, union_all

from domain.errors import InvalidInput
from projections.analytics import (
    ALL, BASE_CELL_M, MEASURES, UNZONED, VOLUME, VOLUME_EDGES_L, WEIGHT, WEIGHT_EDGES_KG,
    analytics_cells, analytics_days, analytics_demand, analytics_hours, analytics_sizes, cell_bounds, day_number,
    day_blocks, day_of,
)
from projections.database import ReadDatabase
from solver.forecast import OrderHistory

MAX_DAYS = 3 * 366
MAX_CELL_M = 5_000
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
THOUSAND = Decimal(1000)


@dataclass(frozen=True)
class DayRange:
    """Business days from `first` to `last`, both included."""

    first: date
    last: date

    @classmethod
    def checked(cls, first: date, last: date) -> DayRange:
        if last < first:
            raise InvalidInput("the range ends before it starts", field="to", first=first, last=last)
        if (last - first).days >= MAX_DAYS:
            raise InvalidInput(f"a range spans at most {MAX_DAYS} days", field="from")
        return cls(first, last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def day_numbers(self) -> tuple[int, int]:
        return day_number(self.first), day_number(self.last)

    @property
    def hours(self) -> tuple[int, int]:
        """First hour included and first hour after, as local hour numbers."""
        first, last = self.day_numbers
        return first * 24, (last + 1) * 24


@dataclass(frozen=True)
class OrderFigures:
    orders: int
    units: int
    weight_kg: Decimal
    volume_l: Decimal
    cancelled: int
    delivered: int
    delivered_on_time: int
    on_time_share: float | None
    average_lead_time_minutes: float | None


@dataclass(frozen=True)
class DayFigures:
    day: date
    figures: OrderFigures


@dataclass(frozen=True)
class HourOfWeekFigures:
    weekday: int  # 0 is Monday
    hour: int
    occurrences: int  # how many such hours the range holds
    orders_per_hour: float
    figures: OrderFigures


@dataclass(frozen=True)
class MemberFigures:
    """The figures of one zone, warehouse or category (`member` None: orders outside every zone)."""

    member: str | None
    figures: OrderFigures


@dataclass(frozen=True)
class PeakCell:
    weekday: int
    hour: int
    orders_per_hour: float
    lift: float  # share above (or, negative, below) the mean hour
    peak: bool


@dataclass(frozen=True)
class PeakBlock:
    """Consecutive peak hours of one weekday, `start_hour` to `end_hour` (exclusive)."""

    weekday: int
    start_hour: int
    end_hour: int
    orders_per_hour: float
    lift: float
    label: str


@dataclass(frozen=True)
class PeakHoursView:
    first: date
    last: date
    zone: str | None
    threshold: float
    mean_orders_per_hour: float
    blocks: list[PeakBlock]
    cells: list[PeakCell]


@dataclass(frozen=True)
class HeatCell:
    """One square of the grid (`row`, `col` at `size_m`) and the orders addressed inside it; its corners are
    worked out when asked for (a year's grid has thousands of cells, and most callers draw only some)."""

    row: int
    col: int
    size_m: int
    orders: int

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return cell_bounds(self.row, self.col, self.size_m)

    @property
    def south(self) -> float:
        return self.bounds[0]

    @property
    def west(self) -> float:
        return self.bounds[1]

    @property
    def north(self) -> float:
        return self.bounds[2]

    @property
    def east(self) -> float:
        return self.bounds[3]

    @property
    def lat(self) -> float:
        south, _, north, _ = self.bounds
        return (south + north) / 2

    @property
    def lon(self) -> float:
        _, west, _, east = self.bounds
        return (west + east) / 2


@dataclass(frozen=True)
class HeatGridView:
    first: date
    last: date
    zone: str | None
    cell_size_m: int
    orders: int
    busiest: int
    cells: list[HeatCell]


@dataclass(frozen=True)
class SizeBin:
    low: float
    high: float | None  # None: open-ended
    orders: int
    share: float


@dataclass(frozen=True)
class SizeDistributionView:
    first: date
    last: date
    zone: str | None
    orders: int
    weight_kg: list[SizeBin]
    volume_l: list[SizeBin]


# -- figures ---------------------------------------------------------------------------------------


def _sums() -> list[Any]:
    return [func.coalesce(func.sum(analytics_days.c[name]), 0) for name in MEASURES]


def figures_of(values: Sequence[Any]) -> OrderFigures:
    orders, units, grams, millilitres, cancelled, delivered, on_time, lead_seconds = (int(v or 0) for v in values)
    return OrderFigures(
        orders=orders, units=units, weight_kg=Decimal(grams) / THOUSAND, volume_l=Decimal(millilitres) / THOUSAND,
        cancelled=cancelled, delivered=delivered, delivered_on_time=on_time,
        on_time_share=on_time / delivered if delivered else None,
        average_lead_time_minutes=lead_seconds / delivered / 60 if delivered else None,
    )


def _member(value: str | None) -> str:
    return ALL if value is None else value


def _days_where(days: DayRange, zone: str, warehouse: str, category: str) -> list[Any]:
    d = analytics_days.c
    first, last = days.day_numbers
    return [d.zone == zone, d.warehouse == warehouse, d.category == category, d.day >= first, d.day <= last]


def order_totals(
    db: ReadDatabase, days: DayRange, zone: str | None = None, warehouse: str | None = None
) -> OrderFigures:
    with db.read() as conn:
        row = conn.execute(select(*_sums()).where(*_days_where(days, _member(zone), _member(warehouse), ALL))).one()
    return figures_of(row)


def orders_by_date(
    db: ReadDatabase, days: DayRange, zone: str | None = None, warehouse: str | None = None
) -> list[DayFigures]:
    """Every day of the range, quiet days included."""
    d = analytics_days.c
    with db.read() as conn:
        rows = {
            row[0]: row[1:]
            for row in conn.execute(
                select(d.day, *_sums()).where(*_days_where(days, _member(zone), _member(warehouse), ALL))
                .group_by(d.day)
            )
        }
    first, last = days.day_numbers
    return [DayFigures(day_of(n), figures_of(rows.get(n, ()) or [0] * len(MEASURES))) for n in range(first, last + 1)]


def orders_by_zone(db: ReadDatabase, days: DayRange, warehouse: str | None = None) -> list[MemberFigures]:
    """Each zone that had orders, busiest first (None: orders outside every zone)."""
    d = analytics_days.c
    first, last = days.day_numbers
    with db.read() as conn:
        rows = conn.execute(
            select(d.zone, *_sums())
            .where(d.day >= first, d.day <= last, d.zone != ALL, d.warehouse == _member(warehouse), d.category == ALL)
            .group_by(d.zone)
        ).all()
    return _ranked(rows, lambda zone: None if zone == UNZONED else zone)


def orders_by_warehouse(db: ReadDatabase, days: DayRange, zone: str | None = None) -> list[MemberFigures]:
    d = analytics_days.c
    first, last = days.day_numbers
    with db.read() as conn:
        rows = conn.execute(
            select(d.warehouse, *_sums())
            .where(d.zone == _member(zone), d.category == ALL, d.day >= first, d.day <= last, d.warehouse != ALL)
            .group_by(d.warehouse)
        ).all()
    return _ranked(rows, str)


def orders_by_category(
    db: ReadDatabase, days: DayRange, zone: str | None = None, warehouse: str | None = None
) -> list[MemberFigures]:
    """Per product category: the orders holding it, and the units, weight and volume of its lines."""
    d = analytics_days.c
    first, last = days.day_numbers
    with db.read() as conn:
        rows = conn.execute(
            select(d.category, *_sums())
            .where(d.zone == _member(zone), d.warehouse == _member(warehouse), d.category != ALL,
                   d.day >= first, d.day <= last)
            .group_by(d.category)
        ).all()
    return _ranked(rows, str)


def _ranked(rows: Sequence[Any], name: Any) -> list[MemberFigures]:
    members = [MemberFigures(name(row[0]), figures_of(row[1:])) for row in rows]
    return sorted(members, key=lambda m: (-m.figures.orders, m.member or ""))


def orders_by_hour_of_week(
    db: ReadDatabase, days: DayRange, zone: str | None = None, warehouse: str | None = None
) -> list[HourOfWeekFigures]:
    """The 168 hours of the week, Monday 00:00 first, each summed over its occurrences in the range."""
    h = analytics_hours.c
    first, end = days.hours
    weekday = (h.hour // _whole(24) + _whole(3)) % _whole(7)  # 1970-01-01 was a Thursday
    hour = h.hour % _whole(24)
    with db.read() as conn:
        rows = {
            (int(row[0]), int(row[1])): row[2:]
            for row in conn.execute(
                select(weekday.label("weekday"), hour.label("hour_of_day"),
                       *[func.sum(h[name]) for name in MEASURES])
                .where(h.zone == _member(zone), h.warehouse == _member(warehouse), h.hour >= first, h.hour < end)
                .group_by(literal_column("weekday"), literal_column("hour_of_day"))
            )
        }
    occurrences = _weekday_counts(days)
    cells = []
    for wd in range(7):
        for hr in range(24):
            figures = figures_of(rows.get((wd, hr)) or [0] * len(MEASURES))
            seen = occurrences[wd]
            cells.append(HourOfWeekFigures(wd, hr, seen, figures.orders / seen if seen else 0.0, figures))
    return cells


def _whole(number: int) -> Any:
    """An integer written into the statement, so that PostgreSQL sees the same expression in SELECT and GROUP BY
    (bound parameters are different expressions to it) and both databases divide whole numbers."""
    return literal_column(str(int(number)), Integer)


def _weekday_counts(days: DayRange) -> list[int]:
    counts = [days.days // 7] * 7
    for extra in range(days.days % 7):
        counts[(days.first + timedelta(days=extra)).weekday()] += 1
    return counts


# -- peaks -------------------------------------------------------------------------------------------


def peak_hours(db: ReadDatabase, days: DayRange, zone: str | None = None, threshold: float = 0.3) -> PeakHoursView:
    """Hours of the week whose orders run more than `threshold` above the mean hour, joined into blocks
    per weekday ("Saturday afternoon +30%")."""
    if not 0 < threshold <= 10:
        raise InvalidInput("the threshold is a share above the mean, more than 0 and at most 10", field="threshold")
    hours = orders_by_hour_of_week(db, days, zone)
    seen = sum(cell.occurrences for cell in hours)
    mean = sum(cell.figures.orders for cell in hours) / seen if seen else 0.0
    cells = [
        PeakCell(c.weekday, c.hour, c.orders_per_hour, c.orders_per_hour / mean - 1 if mean else 0.0,
                 bool(mean) and c.orders_per_hour > (1 + threshold) * mean)
        for c in hours
    ]
    blocks: list[PeakBlock] = []
    for wd in range(7):
        run: list[PeakCell] = []
        for cell in [*cells[wd * 24:(wd + 1) * 24], None]:
            if cell is not None and cell.peak:
                run.append(cell)
                continue
            if run:
                rate = sum(c.orders_per_hour for c in run) / len(run)
                lift = rate / mean - 1
                middle = (run[0].hour + run[-1].hour + 1) / 2
                blocks.append(PeakBlock(
                    wd, run[0].hour, run[-1].hour + 1, rate, lift, f"{WEEKDAYS[wd]} {_part_of_day(middle)} +{lift:.0%}",
                ))
                run = []
    blocks.sort(key=lambda b: -b.lift)
    return PeakHoursView(days.first, days.last, zone, threshold, mean, blocks, cells)


def _part_of_day(hour: float) -> str:
    return "night" if hour < 6 else "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"


# -- where and how big ----------------------------------------------------------------------------------


def heat_grid(db: ReadDatabase, days: DayRange, cell_size_m: int = 1000, zone: str | None = None) -> HeatGridView:
    """Orders per square cell of `cell_size_m` (a multiple of 250 m) over the range, summed from the few
    blocks of days that cover it exactly (each one read as a range of the table's key)."""
    if cell_size_m % BASE_CELL_M or not BASE_CELL_M <= cell_size_m <= MAX_CELL_M:
        raise InvalidInput(
            f"cellSizeM is a multiple of {BASE_CELL_M} from {BASE_CELL_M} to {MAX_CELL_M}", field="cellSizeM",
        )
    c = analytics_cells.c
    pieces = [
        select(c.row, c.col, c.orders).where(c.zone == _member(zone), c.level == level, c.start == start)
        for level, start in day_blocks(*days.day_numbers)
    ]
    counts = union_all(*pieces).subquery() if len(pieces) > 1 else pieces[0].subquery()
    factor = _whole(cell_size_m // BASE_CELL_M)
    row, col = (counts.c.row // factor).label("cell_row"), (counts.c.col // factor).label("cell_col")
    with db.read() as conn:
        rows = conn.execute(
            select(row, col, func.sum(counts.c.orders)).group_by(literal_column("cell_row"), literal_column("cell_col"))
        ).all()
    cells = [HeatCell(int(r), int(k), cell_size_m, int(n)) for r, k, n in rows if n]
    cells.sort(key=lambda cell: (-cell.orders, cell.row, cell.col))
    return HeatGridView(days.first, days.last, zone, cell_size_m, sum(cell.orders for cell in cells),
                        max((cell.orders for cell in cells), default=0), cells)


def order_sizes(db: ReadDatabase, days: DayRange, zone: str | None = None) -> SizeDistributionView:
    """How heavy and how bulky orders were: the share of orders in each weight and volume bin."""
    s = analytics_sizes.c
    first, last = days.day_numbers
    with db.read() as conn:
        counts = {
            (measure, int(bin_)): int(n)
            for measure, bin_, n in conn.execute(
                select(s.measure, s.bin, func.sum(s.orders))
                .where(s.zone == _member(zone), s.day >= first, s.day <= last).group_by(s.measure, s.bin)
            )
        }
    total = sum(n for (measure, _), n in counts.items() if measure == WEIGHT)

    def bins(measure: str, edges: Sequence[float]) -> list[SizeBin]:
        return [
            SizeBin(low, edges[i + 1] if i + 1 < len(edges) else None, counts.get((measure, i), 0),
                    counts.get((measure, i), 0) / total if total else 0.0)
            for i, low in enumerate(edges)
        ]

    return SizeDistributionView(days.first, days.last, zone, total, bins(WEIGHT, WEIGHT_EDGES_KG),
                                bins(VOLUME, VOLUME_EDGES_L))


# -- series for the forecasts ---------------------------------------------------------------------------


def first_order_day(db: ReadDatabase) -> date | None:
    return _order_day(db, func.min)


def last_order_day(db: ReadDatabase) -> date | None:
    return _order_day(db, func.max)


def _order_day(db: ReadDatabase, extreme: Any) -> date | None:
    h = analytics_hours.c
    with db.read() as conn:
        hour = conn.execute(select(extreme(h.hour)).where(h.zone == ALL, h.warehouse == ALL)).scalar()
    return None if hour is None else day_of(int(hour) // 24)


def order_zones(db: ReadDatabase) -> list[str | None]:
    """Every zone orders were ever placed in (None: outside every zone), by name."""
    d = analytics_days.c
    with db.read() as conn:
        found = conn.execute(
            select(d.zone).where(d.zone != ALL, d.warehouse == ALL, d.category == ALL).distinct()
        ).scalars().all()
    return [None if zone == UNZONED else zone for zone in sorted(found)]


def hourly_history(db: ReadDatabase, end: date, zones: Sequence[str | None]) -> OrderHistory | None:
    """Orders per zone per local hour from the first day with orders to the midnight before `end`, quiet
    hours as zeros; None before the first order. The unzoned bucket is named ""."""
    first = first_order_day(db)
    if first is None or first >= end:
        return None
    names = [UNZONED if zone is None else zone for zone in zones]
    start, stop = day_number(first) * 24, day_number(end) * 24
    counts = np.zeros((len(names), stop - start))
    index = {name: i for i, name in enumerate(names)}
    h = analytics_hours.c
    with db.read() as conn:
        for zone, hour, orders in conn.execute(
            select(h.zone, h.hour, h.orders)
            .where(h.warehouse == ALL, h.zone.in_(names), h.hour >= start, h.hour < stop)
        ):
            counts[index[zone], int(hour) - start] = orders
    return OrderHistory(datetime.combine(first, datetime.min.time()), tuple(names), counts)


def orders_per_hour(db: ReadDatabase, days: DayRange, zone: str | None = None) -> list[tuple[datetime, int]]:
    """Each local hour of the range (naive local time) and its orders, quiet hours included."""
    h = analytics_hours.c
    first, end = days.hours
    with db.read() as conn:
        found = dict(conn.execute(
            select(h.hour, h.orders).where(h.zone == _member(zone), h.warehouse == ALL, h.hour >= first, h.hour < end)
        ).all())
    start = datetime.combine(days.first, datetime.min.time())
    return [(start + timedelta(hours=n - first), int(found.get(n, 0))) for n in range(first, end)]


def daily_demand(
    db: ReadDatabase, warehouse: str, skus: Sequence[str] | None, days: DayRange
) -> dict[str, tuple[date, list[int]]]:
    """Units asked of each SKU in `warehouse` per day, from the later of the SKU's first day of demand and
    `days.first` to `days.last` (quiet days as zeros); SKUs first asked for after `days.last` are left out."""
    q = analytics_demand.c
    first, last = days.day_numbers
    sku_filter = [q.sku.in_(list(skus))] if skus is not None else []
    with db.read() as conn:
        starts = dict(conn.execute(
            select(q.sku, func.min(q.day)).where(q.warehouse == warehouse, *sku_filter).group_by(q.sku)
        ).all())
        units: dict[str, dict[int, int]] = {}
        for sku, day, n in conn.execute(
            select(q.sku, q.day, q.units).where(q.warehouse == warehouse, q.day >= first, q.day <= last, *sku_filter)
        ):
            units.setdefault(sku, {})[int(day)] = int(n)
    series = {}
    for sku, started in starts.items():
        begin = max(int(started), first)
        if begin > last:
            continue
        series[sku] = (day_of(begin), [units.get(sku, {}).get(n, 0) for n in range(begin, last + 1)])
    return series

