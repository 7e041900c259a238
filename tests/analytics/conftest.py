"""Fixtures for the analysis, forecasting and staffing specifications: a small shop, orders placed at chosen
business times through the batch command, and the read models caught up over them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.commands.bulk_orders import OrderRequest
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOME = (31.2300, 121.4700)
ZONE_BOX = (31.20, 121.44, 31.26, 121.50)  # south, west, north, east around HOME
SKUS = {"SOY-1L": "grocery", "TEA-250G": "drinks", "PAN-28": "household"}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def open_corner_shop(app: Peisong, clock: ManualClock, opened: datetime, units: int = 100_000,
                     zone: str | None = "Z1") -> None:
    """One warehouse, three products in three categories, one customer, and (by default) one zone around it."""
    clock.set(opened)
    app.register_warehouse("WH-CORNER", "Corner", HOME[0], HOME[1] + 0.01)
    for sku, category in SKUS.items():
        app.add_product(sku, sku, "1.2", "1.5", "10.00", category)
    app.receive_stock_batch([("WH-CORNER", sku, units) for sku in SKUS], reference="opening stock")
    app.register_customer("CUST-A", "Li Wei", "+86 138 0000 0001",
                          [{"label": "home", "text": "Corner St", "lat": HOME[0], "lon": HOME[1]}])
    if zone is not None:
        south, west, north, east = ZONE_BOX
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        app.define_zone(zone, "Zone one", "mixed", {"type": "Polygon", "coordinates": [ring]})


def place_orders_at(
    app: Peisong, clock: ManualClock, moments: Iterable[datetime], lines: list[tuple[str, int]] | None = None,
    where: Callable[[int], tuple[float, float]] | None = None,
) -> list[str]:
    """One order of CUST-A at each moment (in time order), placed a day at a time with `place_orders`."""
    numbers: list[str] = []
    by_day: dict[object, list[datetime]] = {}
    for moment in sorted(moments):
        by_day.setdefault(moment.astimezone(SHANGHAI).date(), []).append(moment)
    for day_moments in by_day.values():
        clock.set(max(clock.now(), day_moments[-1]))
        requests = []
        for at in day_moments:
            lat, lon = where(len(numbers) + len(requests)) if where else HOME
            opens = at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
            requests.append(OrderRequest(
                customer="CUST-A", lines=lines or [("SOY-1L", 1)], placed_at=at,
                address={"label": "home", "text": "Corner St", "lat": lat, "lon": lon},
                window_start=opens, window_end=opens + timedelta(hours=2),
            ))
        numbers.extend(app.place_orders(requests)["numbers"])
    return numbers


def hourly(first_day: datetime, days: int, per_hour: Callable[[datetime], int]) -> list[datetime]:
    """`per_hour(hour)` orders spread evenly through each local hour of `days` days from `first_day`."""
    moments = []
    for h in range(days * 24):
        hour = first_day + timedelta(hours=h)
        n = per_hour(hour)
        moments.extend(hour + timedelta(seconds=(i + 0.5) * 3600 / n) for i in range(n))
    return moments


@pytest.fixture
def read_models(settings: Settings) -> Iterator[Callable[[Peisong], ReadDatabase]]:
    """Catch every projection and policy up with the application's log; the same read database each call."""
    opened: list[ReadDatabase] = []

    def caught_up(app: Peisong) -> ReadDatabase:
        if not opened:
            opened.append(ReadDatabase(settings))
        ProjectionRunner(app, opened[0]).catch_up()
        return opened[0]

    yield caught_up
    for db in opened:
        db.close()
