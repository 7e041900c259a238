"""Stock: receipts, reservations, counts, adjustments and the low-stock alarm, through the application."""

from __future__ import annotations

import pytest

from domain.app import Peisong
from domain.errors import InvalidInput, NotFound, OutOfStock, PreconditionFailed
from domain.stock import StockItem
from tests.domain.conftest import Placer, event_names, events_of, logged_since, stock_of


def test_receiving_adds_to_what_is_on_hand(shop: Peisong) -> None:
    shop.receive_stock("WH-EAST", "RICE-5KG", 10, reference="PO-778")

    item = stock_of(shop, "WH-EAST", "RICE-5KG")
    assert item.on_hand == 60
    received = events_of(shop, item.id)[-1]
    assert type(received).__name__ == "StockReceived"
    assert (received.quantity, received.reference) == (10, "PO-778")


def test_a_receipt_naming_an_unknown_warehouse_books_none_of_its_lines(shop: Peisong) -> None:
    head = shop.head_position()

    with pytest.raises(NotFound) as refused:
        shop.receive_stock_batch([("WH-EAST", "RICE-5KG", 5), ("WH-NOWHERE", "RICE-5KG", 5)])

    assert refused.value.field == "warehouse"
    assert shop.head_position() == head
    assert stock_of(shop, "WH-EAST", "RICE-5KG").on_hand == 50
    shop.receive_stock("WH-EAST", "RICE-5KG", 1)
    assert stock_of(shop, "WH-EAST", "RICE-5KG").on_hand == 51


def test_order_for_more_than_available_is_refused(shop: Peisong, place: Placer) -> None:
    head = shop.head_position()

    with pytest.raises(OutOfStock) as refused:
        place([("TEA-250G", 6)], warehouse_rule="named", warehouse="WH-EAST")

    assert refused.value.ids == {"sku": "TEA-250G", "warehouse": "WH-EAST", "wanted": 6, "available": 5}
    assert refused.value.field == "lines"
    assert shop.head_position() == head
    assert stock_of(shop, "WH-EAST", "TEA-250G").reserved == 0


def test_the_last_unit_can_be_reserved_but_not_one_more(shop: Peisong, place: Placer) -> None:
    place([("TEA-250G", 4)])
    place([("TEA-250G", 1)])
    assert stock_of(shop, "WH-EAST", "TEA-250G").available == 0
    head = shop.head_position()

    with pytest.raises(OutOfStock):
        place([("TEA-250G", 1)])

    assert shop.head_position() == head
    item = stock_of(shop, "WH-EAST", "TEA-250G")
    assert (item.on_hand, item.reserved, item.available) == (5, 5, 0)


def test_count_below_reserved_names_the_orders_that_can_no_longer_be_filled_latest_first(
    shop: Peisong, place: Placer
) -> None:
    first, second, third = (place([("RICE-5KG", 10)]) for _ in range(3))
    before = shop.head_position()

    shop.count_stock("WH-EAST", "RICE-5KG", 15, counted_by="night shift")

    recorded = logged_since(shop, before)
    counted = next(e for e in recorded if type(e).__name__ == "StockCounted")
    shortage = next(e for e in recorded if type(e).__name__ == "StockShortageFound")
    assert (counted.counted, counted.variance, counted.counted_by) == (15, -35, "night shift")
    assert shortage.shortfall == 15
    assert [o["order_id"] for o in shortage.orders] == [third, second]
    assert [o["quantity"] for o in shortage.orders] == [10, 10]
    assert first not in [o["order_id"] for o in shortage.orders]
    item = stock_of(shop, "WH-EAST", "RICE-5KG")
    assert (item.on_hand, item.reserved) == (15, 30)


def test_count_covering_every_reservation_finds_no_shortage(shop: Peisong, place: Placer) -> None:
    place([("RICE-5KG", 10)])
    before = shop.head_position()

    shop.count_stock("WH-EAST", "RICE-5KG", 10)

    names = [type(e).__name__ for e in logged_since(shop, before)]
    assert "StockCounted" in names and "StockShortageFound" not in names
    assert stock_of(shop, "WH-EAST", "RICE-5KG").available == 0


def test_a_count_opens_an_item_never_received(shop: Peisong) -> None:
    shop.count_stock("WH-EAST", "PAN-28", 3)
    assert stock_of(shop, "WH-EAST", "PAN-28").on_hand == 3


def test_adjustments_change_on_hand_with_a_reason(shop: Peisong) -> None:
    shop.adjust_stock("WH-EAST", "RICE-5KG", -5, "bags torn in the aisle")
    shop.adjust_stock("WH-EAST", "RICE-5KG", 2, "found behind the shelf")
    assert stock_of(shop, "WH-EAST", "RICE-5KG").on_hand == 47


def test_adjusting_below_what_is_reserved_reports_a_shortage(shop: Peisong, place: Placer) -> None:
    number = place([("TEA-250G", 4)])
    before = shop.head_position()
    shop.adjust_stock("WH-EAST", "TEA-250G", -3, "water damage")
    shortage = next(e for e in logged_since(shop, before) if type(e).__name__ == "StockShortageFound")
    assert shortage.shortfall == 2
    assert list(shortage.orders) == [{"order_id": number, "quantity": 4}]


def low_stock_events(app: Peisong, item_id: object) -> list[str]:
    return [n for n in event_names(app, item_id) if n in ("LowStockDetected", "LowStockCleared")]


def test_low_stock_is_recorded_once_per_crossing_and_rearmed_above_the_threshold(
    shop: Peisong, place: Placer
) -> None:
    item_id = StockItem.create_id("WH-EAST", "MILK-1L")
    assert low_stock_events(shop, item_id) == []  # opened with 30, threshold 10

    place([("MILK-1L", 20)])  # available 10: at the threshold counts as low
    place([("MILK-1L", 2)])  # still low: nothing new
    assert low_stock_events(shop, item_id) == ["LowStockDetected"]
    alarm = [e for e in events_of(shop, item_id) if type(e).__name__ == "LowStockDetected"][0]
    assert (alarm.available, alarm.threshold) == (10, 10)

    shop.receive_stock("WH-EAST", "MILK-1L", 5)  # available 13
    assert low_stock_events(shop, item_id) == ["LowStockDetected", "LowStockCleared"]

    place([("MILK-1L", 4)])  # available 9: a new crossing
    assert low_stock_events(shop, item_id) == ["LowStockDetected", "LowStockCleared", "LowStockDetected"]


def test_stock_opened_below_its_threshold_is_low_at_once(shop: Peisong) -> None:
    assert low_stock_events(shop, StockItem.create_id("WH-EAST", "TEA-250G")) == ["LowStockDetected"]


def test_raising_the_threshold_above_what_is_available_raises_the_alarm(shop: Peisong) -> None:
    item_id = StockItem.create_id("WH-WEST", "PAN-28")
    shop.set_reorder_threshold("WH-WEST", "PAN-28", 12)
    assert low_stock_events(shop, item_id) == ["LowStockDetected"]
    shop.set_reorder_threshold("WH-WEST", "PAN-28", 3)
    assert low_stock_events(shop, item_id) == ["LowStockDetected", "LowStockCleared"]
    assert stock_of(shop, "WH-WEST", "PAN-28").threshold == 3


def test_a_replenishment_request_is_recorded_with_its_trigger(shop: Peisong) -> None:
    shop.request_replenishment("WH-EAST", "TEA-250G", 15, trigger="buyer")
    request = events_of(shop, StockItem.create_id("WH-EAST", "TEA-250G"))[-1]
    assert (type(request).__name__, request.quantity, request.trigger) == ("ReplenishmentRequested", 15, "buyer")
    with pytest.raises(InvalidInput):
        shop.request_replenishment("WH-EAST", "TEA-250G", 0, trigger="buyer")


class TestTheStockItemOnItsOwn:
    """The aggregate's rules hold without the application around it."""

    def item(self, on_hand: int = 10) -> StockItem:
        item = StockItem(warehouse="WH-A", sku="SKU-1", threshold=2)
        item.receive(on_hand, "opening")
        return item

    def test_reserving_twice_for_the_same_order_is_refused(self) -> None:
        item = self.item()
        item.reserve("PS-1", 2)
        with pytest.raises(PreconditionFailed):
            item.reserve("PS-1", 1)

    def test_a_reservation_cannot_exceed_what_is_available(self) -> None:
        item = self.item(3)
        item.reserve("PS-1", 2)
        with pytest.raises(OutOfStock):
            item.reserve("PS-2", 2)
        assert item.available == 1

    @pytest.mark.parametrize("quantity", [0, -1])
    def test_a_reservation_must_be_for_something(self, quantity: int) -> None:
        with pytest.raises(InvalidInput):
            self.item().reserve("PS-1", quantity)

    def test_releasing_or_shipping_what_an_order_does_not_hold_is_refused(self) -> None:
        item = self.item()
        with pytest.raises(PreconditionFailed):
            item.release("PS-9", "cancelled")
        with pytest.raises(PreconditionFailed):
            item.ship("PS-9")

    def test_shipping_takes_the_reserved_units_off_the_shelf(self) -> None:
        item = self.item()
        item.reserve("PS-1", 3)
        item.ship("PS-1")
        assert (item.on_hand, item.reserved, item.available) == (7, 0, 7)

    def test_goods_a_count_did_not_find_cannot_be_shipped(self) -> None:
        item = self.item()
        item.reserve("PS-1", 8)
        item.count(5, "clerk")
        with pytest.raises(OutOfStock):
            item.ship("PS-1")
        assert (item.on_hand, item.reservations) == (5, {"PS-1": 8})

    def test_taking_goods_back_puts_them_on_the_shelf(self) -> None:
        item = self.item()
        item.take_back("PS-1", 2)
        assert item.on_hand == 12
