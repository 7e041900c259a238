"""The special days that move a Chinese shop's demand: holidays, the Spring Festival, promotions and shop sales.

Where the dates come from:

* **Public holidays and make-up workdays** come from the ``holidays`` package (``holidays.China``),
  which carries the State Council's yearly arrangements (国务院办公厅关于节假日安排的通知, gov.cn,
  one notice each November for the next year; the package cites each one). A year whose notice is not
  out yet gets the statutory days with the package's weekend-to-next-workday rule, which is close to
  what the State Council usually decides; a newer ``holidays`` release brings the official days.
* A **days-off block** is what people actually live through: the statutory days, their substituted days
  off, and the weekend days joined to them (Golden Week is 1-7 October although only 1-3 October are
  statutory). A weekend day turned into a workday (调休上班) is an ``adjusted_workday`` instead.
* The **Spring Festival period** runs from seven days before the first day of the lunar year to seven days
  after it: couriers and customers leave the cities before the festival and come back after it, so every
  day of it is named by its offset (``"Spring Festival -1"`` is New Year's Eve, ``"Spring Festival +0"``
  the first day) and each can have its own effect.
* **Promotions** are the e-commerce festivals every shop in China rides: 618 (18 June), Double 11
  (11 November) and Double 12 (12 December).
* **Shop sales** are the shop's own sale days, given by the caller.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays

SPRING_FESTIVAL = "spring_festival"
PUBLIC_HOLIDAY = "public_holiday"
ADJUSTED_WORKDAY = "adjusted_workday"
PROMOTION = "promotion"
SHOP_SALE = "shop_sale"

KINDS = (SPRING_FESTIVAL, PUBLIC_HOLIDAY, ADJUSTED_WORKDAY, PROMOTION, SHOP_SALE)

PROMOTIONS = ((6, 18, "618"), (11, 11, "Double 11"), (12, 12, "Double 12"))
SPRING_FESTIVAL_REACH_DAYS = 7

_NEW_YEAR = "Chinese New Year (Spring Festival)"
_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


@dataclass(frozen=True, order=True)
class SpecialDay:
    """One day on which demand is not its usual self; ``kind`` groups days whose effects look alike, so a
    forecaster can learn a day it has never seen from its kind."""

    date: date
    name: str
    kind: str


@dataclass(frozen=True)
class Calendar:
    """The special days a forecaster and a history generator agree on; one date may carry several."""

    days: tuple[SpecialDay, ...] = ()
    _by_date: dict[date, tuple[SpecialDay, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(set(self.days)))
        by_date: dict[date, list[SpecialDay]] = {}
        for day in ordered:
            by_date.setdefault(day.date, []).append(day)
        object.__setattr__(self, "days", ordered)
        object.__setattr__(self, "_by_date", {d: tuple(v) for d, v in by_date.items()})

    def on(self, day: date) -> tuple[SpecialDay, ...]:
        return self._by_date.get(day, ())

    def between(self, first: date, last: date) -> tuple[SpecialDay, ...]:
        """The special days from ``first`` to ``last``, both included."""
        return tuple(d for d in self.days if first <= d.date <= last)

    def with_shop_sales(self, sales: Mapping[date, str] | Iterable[tuple[date, str]]) -> Calendar:
        """This calendar plus the shop's own sale days (date -> sale name); a sale that recurs under one
        name lets the forecaster learn that sale's own effect."""
        pairs = sales.items() if isinstance(sales, Mapping) else sales
        return Calendar(self.days + tuple(SpecialDay(d, name, SHOP_SALE) for d, name in pairs))


def china_calendar(
    first_year: int,
    last_year: int,
    *,
    promotions: bool = True,
    shop_sales: Mapping[date, str] | Iterable[tuple[date, str]] = (),
) -> Calendar:
    """The Chinese special days of ``first_year`` to ``last_year``, both included."""
    if last_year < first_year:
        raise ValueError(f"last_year {last_year} is before first_year {first_year}")
    return Calendar(_chinese_days(first_year, last_year, promotions)).with_shop_sales(shop_sales)


@functools.lru_cache(maxsize=32)
def _chinese_days(first_year: int, last_year: int, promotions: bool) -> tuple[SpecialDay, ...]:
    """Cached because a backtest asks for the same years once per week it scores."""
    # a year's Spring Festival period and days-off blocks can reach into the next or previous year
    years = range(first_year - 1, last_year + 2)
    official = holidays.China(years=years, language="en_US")
    days_off: dict[date, str] = {}
    workdays: dict[date, date] = {}  # make-up workday -> the day off it pays for
    new_years: list[date] = []
    for day, label in sorted(official.items()):
        substituted = _SUBSTITUTED.search(label)
        if substituted:
            month, dom, year = (int(g) for g in substituted.groups())
            workdays[date(year, month, dom)] = day
            days_off[day] = ""
            continue
        names = [part.removesuffix(" (observed)").strip() for part in label.split(";")]
        days_off[day] = names[0]
        if _NEW_YEAR in names and "(observed)" not in label and (not new_years or new_years[-1].year != day.year):
            new_years.append(day)

    special: list[SpecialDay] = []
    blocks = _days_off_blocks(days_off, workdays)
    spring_dates: set[date] = set()
    for new_year in new_years:
        for offset in range(-SPRING_FESTIVAL_REACH_DAYS, SPRING_FESTIVAL_REACH_DAYS + 1):
            day = new_year + timedelta(days=offset)
            spring_dates.add(day)
            special.append(SpecialDay(day, f"Spring Festival {offset:+d}", SPRING_FESTIVAL))
    for block, name in blocks:
        if name in (_NEW_YEAR, "Chinese New Year's Eve"):
            # the block's days beyond the period's reach (none so far) still belong to the festival
            special.extend(
                SpecialDay(d, "Spring Festival holiday", SPRING_FESTIVAL) for d in block if d not in spring_dates
            )
            continue
        special.extend(SpecialDay(d, name, PUBLIC_HOLIDAY) for d in block)
    for workday, day_off in sorted(workdays.items()):
        paid_for = next(name for block, name in blocks if day_off in block)
        label = "Spring Festival" if paid_for in (_NEW_YEAR, "Chinese New Year's Eve") else paid_for
        special.append(SpecialDay(workday, f"Adjusted workday ({label})", ADJUSTED_WORKDAY))
    if promotions:
        for year in years:
            special.extend(SpecialDay(date(year, m, d), name, PROMOTION) for m, d, name in PROMOTIONS)
    first, last = date(first_year, 1, 1), date(last_year, 12, 31)
    return tuple(d for d in special if first <= d.date <= last)


def _days_off_blocks(days_off: Mapping[date, str], workdays: Mapping[date, date]) -> list[tuple[tuple[date, ...], str]]:
    """Runs of consecutive rest days that contain a statutory day, each named after its first statutory day."""
    rest = set(days_off)
    for day in list(days_off):
        for step in (-1, 1):
            other = day + timedelta(days=step)
            while other.weekday() >= 5 and other not in workdays and other not in rest:
                rest.add(other)
                other += timedelta(days=step)
    blocks: list[tuple[tuple[date, ...], str]] = []
    run: list[date] = []
    for day in sorted(rest):
        if run and (day - run[-1]).days != 1:
            blocks.append(_named(run, days_off))
            run = []
        run.append(day)
    if run:
        blocks.append(_named(run, days_off))
    return blocks


def _named(run: list[date], days_off: Mapping[date, str]) -> tuple[tuple[date, ...], str]:
    names = [days_off[d] for d in run if days_off.get(d)]
    return tuple(run), names[0] if names else "Day off"
