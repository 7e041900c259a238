"""Fixtures for the analysis, forecasting and staffing specifications: a small shop, orders placed at chosen
business times through the batch command, and the read models caught up over them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.commands.orders import OrderRequest
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner
from tests.api.conftest import Api, api, make_api  # noqa: F401  (the API fixtures, for the GraphQL specifications)
from tests.domain_couriers.staffing import hire

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


Lines = list[tuple[str, int]]


def place_orders_at(
    app: Peisong, clock: ManualClock, moments: Iterable[datetime], lines: Lines | Callable[[int], Lines] | None = None,
    where: Callable[[int], tuple[float, float]] | None = None,
) -> list[str]:
    """One order of CUST-A at each moment (in time order), placed a day at a time with `place_orders`; `lines`
    and `where` may be given per order (by its index)."""
    numbers: list[str] = []
    by_day: dict[object, list[datetime]] = {}
    for moment in sorted(moments):
        by_day.setdefault(moment.astimezone(SHANGHAI).date(), []).append(moment)
    for day_moments in by_day.values():
        clock.set(max(clock.now(), day_moments[-1]))
        requests = []
        for at in day_moments:
            index = len(numbers) + len(requests)
            lat, lon = where(index) if where else HOME
            opens = at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
            basket = lines(index) if callable(lines) else lines or [("SOY-1L", 1)]
            requests.append(OrderRequest(
                customer="CUST-A", lines=basket, placed_at=at,
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


# -- a zone with three weeks of steady orders, a courier whose pace was measured, and tomorrow's roster --------

MONDAY = local(2026, 11, 23)  # "today" of the staffing scenario; its history runs the three weeks before
TOMORROW = MONDAY.date() + timedelta(days=1)


def busy_daytime(hour: datetime) -> int:
    """Three orders an hour from 08:00 to 20:00; at night one order, in a different hour each night."""
    if 8 <= hour.hour < 20:
        return 3
    night_hour = (hour.hour - 20) % 24
    return 1 if night_hour == hour.toordinal() % 12 else 0


def staffed_zone(app: Peisong, clock: ManualClock) -> list[str]:
    """Three weeks of three orders an hour from 08:00 to 20:00 in zone Z1 (and one a night). This morning courier
    C-1 delivered four of them on an e-bike in a two-hour shift, and C-2, still out, two in the hour since: two
    an hour each. Tomorrow C-1 works 08:00 to 16:00."""
    open_corner_shop(app, clock, MONDAY - timedelta(days=22))
    numbers = place_orders_at(app, clock, hourly(MONDAY - timedelta(days=21), 21, busy_daytime))
    clock.set(MONDAY + timedelta(hours=5))
    app.define_vehicle_type("e-bike", "40", "120", "18", "25", "0.05", "2", "3")
    for plate in ("E-1", "E-2", "E-3", "E-4"):
        app.register_vehicle(plate, "e-bike")
    hire(app, "C-1")
    shift = app.plan_shift("C-1", MONDAY + timedelta(hours=6), MONDAY + timedelta(hours=8), "Z1", vehicle="E-1")
    clock.set(MONDAY + timedelta(hours=6))
    app.start_shift("C-1", shift["shift"])
    for i, number in enumerate(numbers[-4:]):
        clock.set(MONDAY + timedelta(hours=6, minutes=15 + 30 * i))
        app.pick_order(number)
        app.pack_order(number)
        app.hand_order_to_courier(number, "C-1")
        app.send_order_out_for_delivery(number)
        app.deliver_order(number, "photo", f"pod/{number}.jpg")
    clock.set(MONDAY + timedelta(hours=8))
    app.end_shift("C-1")
    hire(app, "C-2")  # still out at nine, two deliveries into the hour: also two an hour
    app.start_shift("C-2", app.plan_shift("C-2", clock.now(), clock.now() + timedelta(hours=4), "Z1",
                                          vehicle="E-2")["shift"])
    for i, number in enumerate(numbers[-6:-4]):
        clock.set(MONDAY + timedelta(hours=8, minutes=20 + 20 * i))
        for step in (app.pick_order, app.pack_order):
            step(number)
        app.hand_order_to_courier(number, "C-2")
        app.send_order_out_for_delivery(number)
        app.deliver_order(number, "photo", f"pod/{number}.jpg")
    clock.set(MONDAY + timedelta(hours=9))
    tomorrow = datetime.combine(TOMORROW, datetime.min.time(), SHANGHAI)
    app.plan_shift("C-1", tomorrow + timedelta(hours=8), tomorrow + timedelta(hours=16), "Z1", vehicle="E-1")
    return numbers
