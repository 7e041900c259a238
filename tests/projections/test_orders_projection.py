"""The orders read model: current status, lines, the full timeline, and filtered cursor pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import InvalidInput
from projections.database import ReadDatabase
from projections.orders import get_order, list_orders
from projections.runner import ProjectionRunner
from tests.conftest import EAST_HOME, WEST_HOME, window
from tests.domain_couriers.staffing import hire


def place(app: Peisong, clock: ManualClock, lines: list[tuple[str, int]], customer: str = "CUST-1", **kwargs: object) -> str:
    start, end = window(clock)
    return app.place_order(customer, lines, kwargs.pop("address", EAST_HOME), start, end, **kwargs)["number"]  # type: ignore[arg-type]


def test_an_order_shows_its_lines_and_where_they_ship_from(shop: Peisong, clock: ManualClock, db: ReadDatabase,
                                                           runner: ProjectionRunner) -> None:
    number = place(shop, clock, [("RICE-5KG", 2), ("TEA-250G", 3)])
    runner.catch_up()

    order = get_order(db, number)

    assert order is not None
    assert (order.status, order.customer, order.warehouses, order.warehouse_rule) == (
        "PLACED", "CUST-1", ["WH-EAST"], "nearest")
    assert [(line.sku, line.quantity, line.warehouse, line.unit_price) for line in order.lines] == [
        ("RICE-5KG", 2, "WH-EAST", Decimal("39.90")), ("TEA-250G", 3, "WH-EAST", Decimal("88.00"))]
    assert (order.weight_kg, order.volume_l) == (Decimal("10.900"), Decimal("14.400"))
    assert (order.address_text, order.lat, order.lon) == ("Pudong", 31.23, 121.54)
    assert order.window_start == clock.now() + timedelta(hours=1)
    assert order.placed_at == order.updated_at == clock.now()
    assert order.courier_id is None


def test_the_timeline_holds_every_step_in_log_order_with_its_time_and_detail(
    shop: Peisong, clock: ManualClock, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    courier = hire(shop)
    number = place(shop, clock, [("MILK-1L", 1)])
    steps = [
        lambda: shop.pick_order(number, "picker-1"),
        lambda: shop.pack_order(number, "packer-2"),
        lambda: shop.hand_order_to_courier(number, courier),
        lambda: shop.send_order_out_for_delivery(number),
        lambda: shop.fail_delivery(number, "nobody home"),
        lambda: shop.send_order_out_for_delivery(number),
        lambda: shop.deliver_order(number, "photo", "left with the concierge"),
    ]
    positions = []
    for step in steps:
        clock.advance(timedelta(minutes=10))
        positions.append(step().position)
    runner.catch_up()

    order = get_order(db, number)

    assert order is not None
    assert [(entry.status, entry.event_type, entry.detail) for entry in order.timeline] == [
        ("PLACED", "OrderPlaced", ""),
        ("PICKED", "OrderPicked", "picker-1"),
        ("PACKED", "OrderPacked", "packer-2"),
        ("HANDED_TO_COURIER", "OrderHandedToCourier", courier),
        ("OUT_FOR_DELIVERY", "OrderOutForDelivery", "attempt 1"),
        ("DELIVERY_FAILED", "DeliveryFailed", "nobody home"),
        ("OUT_FOR_DELIVERY", "OrderOutForDelivery", "attempt 2"),
        ("DELIVERED", "OrderDelivered", "proof: photo"),
    ]
    stamps = [entry.at for entry in order.timeline]
    assert stamps == sorted(stamps) and stamps[-1] == clock.now()
    logged = [entry.position for entry in order.timeline]
    assert logged == sorted(set(logged))
    # each step's entry lies within what its command recorded
    for entry, before, saved in zip(order.timeline[1:], [logged[0], *positions], positions):
        assert before < entry.position <= saved
    assert (order.status, order.courier_id, order.updated_at) == ("DELIVERED", courier, clock.now())


def test_a_cancelled_order_keeps_the_reason_in_its_timeline(shop: Peisong, clock: ManualClock, db: ReadDatabase,
                                                            runner: ProjectionRunner) -> None:
    number = place(shop, clock, [("RICE-5KG", 1)])
    cancelled = shop.cancel_order(number, "ordered twice by mistake")
    runner.catch_up()

    order = get_order(db, number)

    assert order is not None and order.status == "CANCELLED"
    assert order.timeline[-1].detail == "ordered twice by mistake"
    assert order.timeline[-1].position == max(
        entry.position for entry in order.timeline) <= cancelled.position


def test_an_unknown_order_is_none(db: ReadDatabase) -> None:
    assert get_order(db, "PS-NOPE") is None


def test_pages_follow_on_from_their_cursor_without_gaps_or_repeats(
    shop: Peisong, clock: ManualClock, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    numbers = []
    for _ in range(7):
        clock.advance(timedelta(minutes=1))
        numbers.append(place(shop, clock, [("MILK-1L", 1)]))
    runner.catch_up()

    seen, after, pages = [], None, 0
    while True:
        page = list_orders(db, after=after, first=3)
        pages += 1
        assert page.total_count == 7
        seen += [order.number for order in page.items]
        if not page.has_next_page:
            break
        after = page.end_cursor

    assert pages == 3
    assert seen == numbers  # oldest first


def test_filters_narrow_the_list_and_its_total(shop: Peisong, clock: ManualClock, db: ReadDatabase,
                                               runner: ProjectionRunner) -> None:
    early = place(shop, clock, [("RICE-5KG", 1)])
    clock.advance(timedelta(hours=1))
    middle = place(shop, clock, [("PAN-28", 1)], customer="CUST-2", address=WEST_HOME)
    clock.advance(timedelta(hours=1))
    late = place(shop, clock, [("MILK-1L", 1)], customer="CUST-2", address=WEST_HOME)
    shop.cancel_order(late, "changed mind")
    runner.catch_up()

    def numbers(**filters: object) -> tuple[list[str], int]:
        page = list_orders(db, **filters)  # type: ignore[arg-type]
        return [order.number for order in page.items], page.total_count

    assert numbers(customer="CUST-2") == ([middle, late], 2)
    assert numbers(status="CANCELLED") == ([late], 1)
    assert numbers(warehouse="WH-WEST") == ([middle, late], 2)
    assert numbers(warehouse="WH-EAST") == ([early], 1)
    start = clock.now() - timedelta(hours=2)
    assert numbers(placed_from=start + timedelta(hours=1)) == ([middle, late], 2)
    assert numbers(placed_to=start + timedelta(hours=1)) == ([early], 1)
    assert numbers(customer="CUST-2", status="PLACED") == ([middle], 1)


def test_a_filtered_list_pages_within_its_filter(shop: Peisong, clock: ManualClock, db: ReadDatabase,
                                                 runner: ProjectionRunner) -> None:
    mine = []
    for i in range(5):
        clock.advance(timedelta(minutes=1))
        mine.append(place(shop, clock, [("MILK-1L", 1)], customer="CUST-2", address=WEST_HOME))
        place(shop, clock, [("RICE-5KG", 1)])
    runner.catch_up()

    first = list_orders(db, customer="CUST-2", first=2)
    second = list_orders(db, customer="CUST-2", first=2, after=first.end_cursor)
    third = list_orders(db, customer="CUST-2", first=2, after=second.end_cursor)

    assert [o.number for page in (first, second, third) for o in page.items] == mine
    assert (first.has_next_page, second.has_next_page, third.has_next_page) == (True, True, False)
    assert {page.total_count for page in (first, second, third)} == {5}


def test_a_page_carries_each_orders_lines_and_timeline(shop: Peisong, clock: ManualClock, db: ReadDatabase,
                                                       runner: ProjectionRunner) -> None:
    one = place(shop, clock, [("RICE-5KG", 1), ("MILK-1L", 2)])
    two = place(shop, clock, [("MILK-1L", 1)])
    shop.pick_order(two, "picker-1")
    runner.catch_up()

    page = list_orders(db)

    by_number = {order.number: order for order in page.items}
    assert [line.sku for line in by_number[one].lines] == ["RICE-5KG", "MILK-1L"]
    assert [entry.status for entry in by_number[two].timeline] == ["PLACED", "PICKED"]


def test_an_empty_page_has_no_cursor(db: ReadDatabase) -> None:
    page = list_orders(db, status="DELIVERED")
    assert (page.items, page.end_cursor, page.has_next_page, page.total_count) == ([], None, False, 0)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WyJ4Il0", ""])
def test_a_cursor_this_list_did_not_give_out_is_refused(db: ReadDatabase, cursor: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        list_orders(db, after=cursor)
    assert refused.value.field == "after"


def test_a_time_filter_without_a_timezone_is_refused(db: ReadDatabase) -> None:
    with pytest.raises(InvalidInput) as refused:
        list_orders(db, placed_from=datetime(2026, 11, 25, 8, 0))
    assert refused.value.field == "placedFrom"
