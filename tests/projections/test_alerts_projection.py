"""Low-stock alerts open once per crossing of the threshold and close when stock recovers; shortages are listed."""

from __future__ import annotations

from datetime import timedelta

from domain.app import Peisong
from domain.clock import ManualClock
from projections.alerts import low_stock_alerts, shortages
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner
from tests.conftest import EAST_HOME, START, window


def place(app: Peisong, clock: ManualClock, lines: list[tuple[str, int]]) -> str:
    start, end = window(clock)
    return app.place_order("CUST-1", lines, EAST_HOME, start, end)["number"]


def test_low_stock_raises_an_alert_for_the_warehouses_purchasing_contact_with_the_request(
    shop: Peisong, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    runner.catch_up()  # the replenishment policy runs too, and its request is projected in the same catch-up

    [alert] = low_stock_alerts(db)

    assert (alert.warehouse, alert.sku, alert.available, alert.threshold) == ("WH-EAST", "TEA-250G", 5, 10)
    assert alert.purchasing_contact == "buyer-east@shop.example"
    assert (alert.raised_at, alert.cleared_at) == (START, None)
    assert alert.replenishment_requested == 15


def test_an_alert_closes_when_stock_recovers_and_a_new_crossing_opens_a_new_one(
    shop: Peisong, clock: ManualClock, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    clock.advance(timedelta(hours=1))
    shop.receive_stock("WH-EAST", "TEA-250G", 20)  # 25 available: above the threshold again
    shop.receive_stock("WH-EAST", "TEA-250G", 5)  # still above: nothing new
    runner.catch_up()
    assert low_stock_alerts(db) == []

    clock.advance(timedelta(hours=1))
    place(shop, clock, [("TEA-250G", 22)])  # 8 left
    place(shop, clock, [("TEA-250G", 1)])  # still below: the same alert
    runner.catch_up()

    history = low_stock_alerts(db, open_only=False)
    assert [(a.available, a.raised_at, a.cleared_at) for a in history] == [
        (5, START, START + timedelta(hours=1)),
        (8, START + timedelta(hours=2), None),
    ]
    assert [a.available for a in low_stock_alerts(db)] == [8]
    assert [a.replenishment_requested for a in history] == [15, 12]


def test_alerts_filter_by_warehouse(shop: Peisong, clock: ManualClock, db: ReadDatabase,
                                    runner: ProjectionRunner) -> None:
    shop.adjust_stock("WH-WEST", "PAN-28", -5, "water damage")
    runner.catch_up()

    assert [a.sku for a in low_stock_alerts(db, warehouse="WH-WEST")] == ["PAN-28"]
    assert [a.purchasing_contact for a in low_stock_alerts(db, warehouse="WH-WEST")] == ["buyer-west@shop.example"]
    assert [a.sku for a in low_stock_alerts(db, warehouse="WH-EAST")] == ["TEA-250G"]


def test_a_count_below_what_is_reserved_lists_a_shortage_naming_the_latest_orders(
    shop: Peisong, clock: ManualClock, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    first = place(shop, clock, [("MILK-1L", 10)])
    second = place(shop, clock, [("MILK-1L", 10)])
    third = place(shop, clock, [("MILK-1L", 5)])
    clock.advance(timedelta(hours=3))
    shop.count_stock("WH-EAST", "MILK-1L", 12, counted_by="night shift")
    runner.catch_up()

    [shortage] = shortages(db)

    assert (shortage.warehouse, shortage.sku, shortage.shortfall) == ("WH-EAST", "MILK-1L", 13)
    assert shortage.orders == [third, second]  # reserved last, lose out first
    assert first not in shortage.orders
    assert shortage.found_at == clock.now()
    assert shortages(db, warehouse="WH-WEST") == []
