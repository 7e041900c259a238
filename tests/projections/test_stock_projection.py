"""The stock read model: on hand, reserved and available per SKU and warehouse, and counts falling due."""

from __future__ import annotations

from datetime import timedelta

from domain.app import Peisong
from domain.clock import ManualClock
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner
from projections.stock import get_stock, list_stock, overdue_counts
from tests.conftest import EAST_HOME, START, window
from tests.domain_couriers.staffing import hire


def place(app: Peisong, clock: ManualClock, lines: list[tuple[str, int]]) -> str:
    start, end = window(clock)
    return app.place_order("CUST-1", lines, EAST_HOME, start, end)["number"]


def numbers(db: ReadDatabase, warehouse: str, sku: str) -> tuple[int, int, int]:
    stock = get_stock(db, warehouse, sku)
    assert stock is not None
    return stock.on_hand, stock.reserved, stock.available


def test_receipts_show_as_on_hand_and_available(shop: Peisong, db: ReadDatabase, runner: ProjectionRunner) -> None:
    runner.catch_up()
    assert numbers(db, "WH-EAST", "RICE-5KG") == (50, 0, 50)
    stock = get_stock(db, "WH-WEST", "PAN-28")
    assert stock is not None and (stock.threshold, stock.last_counted_at, stock.updated_at) == (10, None, START)


def test_an_order_reserves_until_it_ships_or_is_cancelled(shop: Peisong, clock: ManualClock, db: ReadDatabase,
                                                          runner: ProjectionRunner) -> None:
    courier = hire(shop)
    shipped = place(shop, clock, [("RICE-5KG", 4)])
    cancelled = place(shop, clock, [("RICE-5KG", 6)])
    runner.catch_up()
    assert numbers(db, "WH-EAST", "RICE-5KG") == (50, 10, 40)

    shop.cancel_order(cancelled, "changed mind")
    shop.pick_order(shipped)
    shop.pack_order(shipped)
    shop.hand_order_to_courier(shipped, courier)
    runner.catch_up()

    assert numbers(db, "WH-EAST", "RICE-5KG") == (46, 0, 46)


def test_returned_goods_go_back_on_the_shelf(shop: Peisong, clock: ManualClock, db: ReadDatabase,
                                             runner: ProjectionRunner) -> None:
    courier = hire(shop)
    number = place(shop, clock, [("MILK-1L", 3)])
    for step in (lambda: shop.pick_order(number), lambda: shop.pack_order(number),
                 lambda: shop.hand_order_to_courier(number, courier), lambda: shop.send_order_out_for_delivery(number),
                 lambda: shop.fail_delivery(number, "refused"), lambda: shop.return_order_to_warehouse(number, "refused")):
        step()
    runner.catch_up()

    assert numbers(db, "WH-EAST", "MILK-1L") == (30, 0, 30)


def test_a_count_sets_on_hand_and_records_its_variance(shop: Peisong, clock: ManualClock, db: ReadDatabase,
                                                      runner: ProjectionRunner) -> None:
    clock.advance(timedelta(days=3))
    shop.count_stock("WH-EAST", "RICE-5KG", 47, counted_by="night shift")
    shop.adjust_stock("WH-EAST", "RICE-5KG", -2, "dropped a bag")
    shop.set_reorder_threshold("WH-EAST", "RICE-5KG", 20)
    runner.catch_up()

    stock = get_stock(db, "WH-EAST", "RICE-5KG")

    assert stock is not None
    assert (stock.on_hand, stock.last_count, stock.last_variance, stock.threshold) == (45, 47, -3, 20)
    assert stock.last_counted_at == stock.updated_at == clock.now()


def test_stock_lists_filter_by_available_and_page_by_warehouse_then_sku(shop: Peisong, db: ReadDatabase,
                                                                       runner: ProjectionRunner) -> None:
    runner.catch_up()

    first = list_stock(db, first=4)
    rest = list_stock(db, first=4, after=first.end_cursor)
    assert [(s.warehouse, s.sku) for s in first.items + rest.items] == [
        ("WH-EAST", "MILK-1L"), ("WH-EAST", "RICE-5KG"), ("WH-EAST", "TEA-250G"),
        ("WH-WEST", "MILK-1L"), ("WH-WEST", "PAN-28"), ("WH-WEST", "RICE-5KG"),
    ]
    assert (first.has_next_page, rest.has_next_page, first.total_count) == (True, False, 6)

    low = list_stock(db, max_available=20)
    assert [(s.warehouse, s.sku) for s in low.items] == [
        ("WH-EAST", "TEA-250G"), ("WH-WEST", "PAN-28"), ("WH-WEST", "RICE-5KG")]
    assert low.total_count == 3
    assert [s.sku for s in list_stock(db, warehouse="WH-WEST", min_available=15).items] == ["MILK-1L", "RICE-5KG"]
    assert [s.warehouse for s in list_stock(db, sku="RICE-5KG").items] == ["WH-EAST", "WH-WEST"]


def test_an_unknown_stock_item_is_none(shop: Peisong, db: ReadDatabase, runner: ProjectionRunner) -> None:
    runner.catch_up()
    assert get_stock(db, "WH-WEST", "TEA-250G") is None


def test_items_never_counted_fall_due_an_interval_after_they_were_opened(
    shop: Peisong, clock: ManualClock, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    runner.catch_up()
    assert overdue_counts(db, clock.now() + timedelta(days=29)) == []

    due = overdue_counts(db, clock.now() + timedelta(days=30))

    assert len(due) == 6
    assert {(item.due_at, item.last_counted_at) for item in due} == {(START + timedelta(days=30), None)}


def test_a_count_moves_the_next_due_date_and_a_new_schedule_moves_every_item(
    shop: Peisong, clock: ManualClock, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    clock.advance(timedelta(days=20))
    shop.count_stock("WH-EAST", "TEA-250G", 5)
    shop.set_stock_take_interval("WH-WEST", 7)
    runner.catch_up()

    due = overdue_counts(db, START + timedelta(days=31))

    assert [(item.warehouse, item.sku) for item in due] == [
        ("WH-WEST", "MILK-1L"), ("WH-WEST", "PAN-28"), ("WH-WEST", "RICE-5KG"),  # due on day 7
        ("WH-EAST", "MILK-1L"), ("WH-EAST", "RICE-5KG"),  # due on day 30; tea was counted on day 20
    ]
    assert due[0].due_at == START + timedelta(days=7)
    tea = overdue_counts(db, START + timedelta(days=50))[-1]
    assert (tea.sku, tea.last_counted_at, tea.due_at) == ("TEA-250G", clock.now(), clock.now() + timedelta(days=30))
