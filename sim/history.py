"""A synthetic order history for a Shanghai delivery shop, seeded, with the patterns a forecaster must find.

What shapes the hourly demand of a zone (each a factor of its expected orders):

* **the shop's size and the zone's share** of it, and a **trend**: the shop grows by ``growth_per_year``
  (continuously compounded), each zone a little faster or slower;
* a mild **annual cycle** (more orders in the hot and rainy summer and in winter cold snaps than in spring
  and autumn), so that a year of history is not a straight line;
* the **day of the week**: weekends sell more than weekdays;
* the **hour of the day**: a lunch and an evening peak on workdays, whose balance depends on how much of the
  zone is offices and how much homes, and a later, flatter day on rest days;
* **special days** from the calendar: the Spring Festival period (a shopping rush before it, then a deep dip
  while couriers and customers are away), days off (people travel), make-up workdays (a weekday in all but
  name), the 618 / Double 11 / Double 12 promotions and the shop's own sale days;
* **noise**: a day-level factor shared by the city (weather, news) and one per zone, both log-normal, and
  Poisson noise on each hour's count.

The history and the order stream draw from separate seeded streams, so the stream of a seed, bucketed by
hour and zone, is exactly the history of that seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from solver.calendar import (
    ADJUSTED_WORKDAY,
    PROMOTION,
    PUBLIC_HOLIDAY,
    SHOP_SALE,
    SPRING_FESTIVAL,
    Calendar,
    china_calendar,
)
from solver.forecast import OrderHistory

# relative orders per hour of the day, 00:00 to 23:00
# fmt: off
OFFICE_WORKDAY = (0.4, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3.0, 3.5, 4.5, 8.0,
                  9.5, 6.0, 4.0, 3.5, 3.8, 5.0, 6.0, 5.0, 3.5, 2.5, 1.5, 0.8)
HOME_WORKDAY = (0.8, 0.4, 0.2, 0.1, 0.1, 0.2, 0.6, 1.8, 2.5, 2.8, 3.5, 5.5,
                6.0, 4.0, 3.2, 3.2, 4.0, 6.5, 8.5, 8.0, 6.5, 4.5, 2.8, 1.5)
REST_DAY = (1.0, 0.6, 0.3, 0.2, 0.1, 0.2, 0.4, 1.0, 2.2, 3.5, 4.8, 6.5,
            7.0, 5.5, 4.5, 4.3, 4.8, 6.5, 7.5, 7.0, 5.5, 4.0, 2.6, 1.6)
# Monday to Sunday
WEEKDAY_LEVEL = (0.95, 0.93, 0.94, 0.97, 1.03, 1.12, 1.08)
DAY_OFF_LEVEL = 1.10
MAKE_UP_WORKDAY_LEVEL = 0.95
# by day from the first day of the lunar year: the New Year shopping, then couriers and customers go home
SPRING_FESTIVAL_EFFECT = {
    -7: 1.15, -6: 1.20, -5: 1.20, -4: 1.10, -3: 0.95, -2: 0.75, -1: 0.55, 0: 0.35,
    1: 0.40, 2: 0.45, 3: 0.50, 4: 0.60, 5: 0.70, 6: 0.80, 7: 0.90,
}
# fmt: on
DAY_OFF_EFFECT = 0.85
PROMOTION_EFFECT = {"618": 1.8, "Double 11": 2.6, "Double 12": 1.5}
OTHER_PROMOTION_EFFECT = 1.5
SHOP_SALE_EFFECT = 1.6

CITY_BOX = (31.10, 121.33, 31.36, 121.62)  # south, west, north, east: central Shanghai


@dataclass(frozen=True)
class ZoneSpec:
    """A delivery zone of the generated city: its box, its share of the shop's orders and how much of it is
    offices (``office`` 1: lunch-heavy workdays; 0: homes, evening-heavy)."""

    name: str
    south: float
    west: float
    north: float
    east: float
    share: float
    office: float = 0.5


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class GeneratedOrder:
    """One order of the stream: when, where (a recurring customer address inside the zone) and what."""

    placed_at: datetime
    zone: str
    customer: str
    lat: float
    lon: float
    lines: tuple[OrderLine, ...]


def grid_zones(count: int, seed: int = 0, box: tuple[float, float, float, float] = CITY_BOX) -> tuple[ZoneSpec, ...]:
    """``count`` zones tiling ``box`` in a grid, with uneven shares and office mixes drawn from ``seed``."""
    if count < 1:
        raise ValueError("at least one zone is needed")
    rng = np.random.default_rng([seed, 7091])
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    south, west, north, east = box
    height, width = (north - south) / rows, (east - west) / cols
    shares = rng.gamma(4.0, size=count)
    shares = shares / shares.sum()
    offices = rng.uniform(0.1, 0.9, size=count)
    zones = []
    for i in range(count):
        r, c = divmod(i, cols)
        zones.append(
            ZoneSpec(
                f"Z{i + 1:02d}",
                south + r * height,
                west + c * width,
                south + (r + 1) * height,
                west + (c + 1) * width,
                float(shares[i]),
                float(offices[i]),
            )
        )
    return tuple(zones)


def generate_history(
    seed: int,
    start: datetime,
    days: int = 365,
    zones: int | Sequence[ZoneSpec] = 6,
    base_orders_per_day: float = 3000.0,
    *,
    growth_per_year: float = 0.25,
    calendar: Calendar | None = None,
    shop_sales: Mapping[date, str] | None = None,
) -> OrderHistory:
    """Hourly orders per zone for ``days`` days from ``start`` (local wall-clock time, on the hour);
    ``base_orders_per_day`` is the whole shop's on an ordinary day at the start."""
    specs, calendar = _setup(seed, start, days, zones, calendar, shop_sales)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0])
    rates = _expected_orders(start, days, specs, base_orders_per_day, growth_per_year, calendar, rng)
    counts = rng.poisson(rates)
    return OrderHistory(start, tuple(z.name for z in specs), counts)


def _expected_orders(
    start: datetime,
    days: int,
    zones: Sequence[ZoneSpec],
    base_orders_per_day: float,
    growth_per_year: float,
    calendar: Calendar,
    rng: np.random.Generator,
) -> np.ndarray:
    """The Poisson rates (zones x hours) behind a history: every factor, the day-level noise included."""
    hours = days * 24
    t_years = (np.arange(hours) + 0.5) / (24 * 365.25)
    zone_growth = growth_per_year + rng.normal(0.0, 0.08, size=len(zones))
    first_day = start.date()
    day_of_hour = (np.arange(hours) + start.hour) // 24
    hour_of_day = (np.arange(hours) + start.hour) % 24
    n_days = int(day_of_hour[-1]) + 1
    dates = [first_day + timedelta(days=d) for d in range(n_days)]
    day_of_year = np.array([d.timetuple().tm_yday for d in dates])
    annual = (
        1.0
        + 0.06 * np.cos(2 * np.pi * (day_of_year - 200) / 365.25)
        + 0.04 * np.cos(4 * np.pi * (day_of_year - 15) / 365.25)
    )
    city_noise = rng.lognormal(-0.5 * 0.06**2, 0.06, size=n_days)
    zone_noise = rng.lognormal(-0.5 * 0.04**2, 0.04, size=(len(zones), n_days))
    levels, rests = zip(*(_day_level(d, calendar) for d in dates))
    day_factor = (np.array(levels) * annual * city_noise)[day_of_hour] * zone_noise[:, day_of_hour]
    rest_hour = np.array(rests)[day_of_hour]
    rest_shape = _normalised(REST_DAY)[hour_of_day]
    rates = np.empty((len(zones), hours))
    for z, spec in enumerate(zones):
        workday = spec.office * _normalised(OFFICE_WORKDAY) + (1 - spec.office) * _normalised(HOME_WORKDAY)
        shape = np.where(rest_hour, rest_shape, workday[hour_of_day])
        rates[z] = base_orders_per_day * spec.share * shape * np.exp(zone_growth[z] * t_years)
    return rates * day_factor


def generate_order_stream(
    seed: int,
    start: datetime,
    days: int = 365,
    zones: int | Sequence[ZoneSpec] = 6,
    base_orders_per_day: float = 3000.0,
    *,
    growth_per_year: float = 0.25,
    calendar: Calendar | None = None,
    shop_sales: Mapping[date, str] | None = None,
    skus: Sequence[str] | None = None,
    customers_per_zone: int = 400,
) -> Iterator[GeneratedOrder]:
    """The orders behind ``generate_history`` with the same arguments, one by one in time order: each from a
    recurring customer of its zone (a few customers order far more often than most) with one to five lines
    of SKUs whose popularity follows a Zipf law, one to three of each (more when a basket picks one twice)."""
    specs, _ = _setup(seed, start, days, zones, calendar, shop_sales)
    history = generate_history(
        seed,
        start,
        days,
        specs,
        base_orders_per_day,
        growth_per_year=growth_per_year,
        calendar=calendar,
        shop_sales=shop_sales,
    )
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    if skus is None:
        from sim.catalogue import generate_catalogue

        skus = [item.sku for item in generate_catalogue(seed=seed)]
    sku_order = rng.permutation(len(skus))
    sku_weights = 1.0 / np.arange(1, len(skus) + 1) ** 1.1
    sku_weights /= sku_weights.sum()
    addresses = []
    for spec in specs:
        lats = rng.uniform(spec.south, spec.north, size=customers_per_zone)
        lons = rng.uniform(spec.west, spec.east, size=customers_per_zone)
        loyalty = rng.pareto(1.5, size=customers_per_zone) + 1.0
        addresses.append((lats, lons, loyalty / loyalty.sum()))
    line_counts = np.array([0.45, 0.28, 0.15, 0.08, 0.04])
    quantities = np.array([0.75, 0.18, 0.07])
    for h in range(history.hours):
        hour_start = start + timedelta(hours=h)
        batch: list[GeneratedOrder] = []
        for z, spec in enumerate(specs):
            n = int(history.counts[z, h])
            if not n:
                continue
            seconds = np.sort(rng.uniform(0, 3600, size=n))
            who = rng.choice(customers_per_zone, size=n, p=addresses[z][2])
            n_lines = rng.choice(len(line_counts), size=n, p=line_counts) + 1
            ends = np.cumsum(n_lines)[:-1]
            picks = np.split(sku_order[rng.choice(len(skus), size=int(n_lines.sum()), p=sku_weights)], ends)
            qty = np.split(rng.choice(len(quantities), size=int(n_lines.sum()), p=quantities) + 1, ends)
            for i in range(n):
                basket: dict[str, int] = {}
                for p, q in zip(picks[i], qty[i]):  # the same SKU twice is one line with both quantities
                    basket[skus[p]] = basket.get(skus[p], 0) + int(q)
                c = int(who[i])
                batch.append(
                    GeneratedOrder(
                        hour_start + timedelta(seconds=float(seconds[i])),
                        spec.name,
                        f"{spec.name}-C{c:04d}",
                        float(addresses[z][0][c]),
                        float(addresses[z][1][c]),
                        tuple(OrderLine(sku, q) for sku, q in basket.items()),
                    )
                )
        batch.sort(key=lambda o: o.placed_at)
        yield from batch


def _setup(
    seed: int,
    start: datetime,
    days: int,
    zones: int | Sequence[ZoneSpec],
    calendar: Calendar | None,
    shop_sales: Mapping[date, str] | None,
) -> tuple[tuple[ZoneSpec, ...], Calendar]:
    if days < 1:
        raise ValueError("a history needs at least one day")
    if start.minute or start.second or start.microsecond:
        raise ValueError(f"a history starts on the hour, not at {start.time()}")
    specs = grid_zones(zones, seed) if isinstance(zones, int) else tuple(zones)
    if calendar is None:
        last = (start + timedelta(days=days + 1)).year
        calendar = china_calendar(start.year, last)
    if shop_sales:
        calendar = calendar.with_shop_sales(shop_sales)
    return specs, calendar


def _day_level(day: date, calendar: Calendar) -> tuple[float, bool]:
    """A day's level against an ordinary day, and whether people rest (which gives it the rest-day hours)."""
    specials = calendar.on(day)
    kinds = {s.kind for s in specials}
    rest = day.weekday() >= 5
    level = WEEKDAY_LEVEL[day.weekday()]
    if ADJUSTED_WORKDAY in kinds:
        rest, level = False, MAKE_UP_WORKDAY_LEVEL
    for special in specials:
        if special.kind == PUBLIC_HOLIDAY:
            rest, level = True, DAY_OFF_LEVEL * DAY_OFF_EFFECT
        elif special.kind == SPRING_FESTIVAL:
            offset = _spring_offset(special.name)
            if offset is None:  # a day off of the festival beyond the period's reach
                rest, level = True, DAY_OFF_LEVEL * DAY_OFF_EFFECT
            else:
                rest = rest or -1 <= offset <= 6
                level *= SPRING_FESTIVAL_EFFECT.get(offset, 1.0)
    for special in specials:
        if special.kind == PROMOTION:
            level *= PROMOTION_EFFECT.get(special.name, OTHER_PROMOTION_EFFECT)
        elif special.kind == SHOP_SALE:
            level *= SHOP_SALE_EFFECT
    return level, rest


def _spring_offset(name: str) -> int | None:
    tail = name.rsplit(" ", 1)[-1]
    try:
        return int(tail)
    except ValueError:
        return None


def _normalised(weights: Sequence[float]) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()
