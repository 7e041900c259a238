"""What each racing process runs in test_two_processes: kept apart so a spawned child imports little."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import ConcurrencyConflict, OutOfStock
from domain.settings import Settings
from domain.stock import StockItem

WAREHOUSE, SKU, CUSTOMER = "WH-LAST", "LAST-UNITS", "C-RACE"
HOME = {"lat": 31.23, "lon": 121.54, "text": "Pudong"}
START = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


def open_shop(app: Peisong, units: int) -> None:
    app.register_warehouse(WAREHOUSE, "Last units", 31.23, 121.55)
    app.add_product(SKU, "The last units", "1", "1", "9.90", "test")
    app.register_customer(CUSTOMER, "Racer", "138")
    app.receive_stock(WAREHOUSE, SKU, units, "the last delivery")


def race_for_last_units(settings: Settings, tries: int, barrier: Any, results: Any) -> None:
    """Warm the cache, wait for the others, then try to place `tries` one-unit orders as fast as possible.

    Also reports how many saves it attempted: more saves than orders placed means it lost a race
    on save, retried and read the truth (optimistic concurrency at work, not just serial luck).
    """
    outcomes: list[tuple[str, str]] = []
    try:
        clock = ManualClock(START)
        app = Peisong(settings, clock)
        insert = app.recorder.insert_events
        saves: list[int] = []

        def counted(*args: Any, **kwargs: Any) -> Any:
            saves.append(1)
            return insert(*args, **kwargs)

        app.recorder.insert_events = counted  # type: ignore[method-assign]
        app.repository.get(StockItem.create_id(WAREHOUSE, SKU))
        barrier.wait(timeout=120)
        start = START + timedelta(hours=1)
        for _ in range(tries):
            try:
                number = app.place_order(CUSTOMER, [(SKU, 1)], HOME, start, start + timedelta(hours=2))["number"]
                outcomes.append(("placed", number))
            except OutOfStock:
                outcomes.append(("out of stock", ""))
            except ConcurrencyConflict:
                outcomes.append(("conflict", ""))
        outcomes.append(("saves", str(len(saves))))
        app.close()
    except BaseException as error:  # reported to the parent, which fails the test with it
        barrier.abort()  # the parent stops waiting for a racer that will never arrive
        outcomes.append(("error", repr(error)))
    results.put(outcomes)
