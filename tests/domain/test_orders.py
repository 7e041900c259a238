"""Orders: placing reserves stock atomically, each later step moves the stock with it, illegal moves are refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.app import Peisong
from domain.errors import AlreadyExists, DeliveryCodeMismatch, InvalidTransition, NotFound, OutOfStock
from domain.orders import NEXT_STATUSES, STATUSES
from tests.conftest import EAST_HOME, WEST_HOME
from tests.domain.conftest import COURIER, MOVE_TARGETS, MOVES, Placer, event_names, logged_since, order_of, stock_of


def test_placing_an_order_reserves_every_line_in_the_nearest_warehouse(shop: Peisong, place: Placer) -> None:
    number = place([("RICE-5KG", 2), ("MILK-1L", 3)])

    order = order_of(shop, number)
    assert order.status == "PLACED"
    assert order.warehouse_rule == "nearest"
    assert order.allocations == [("WH-EAST", "RICE-5KG", 2), ("WH-EAST", "MILK-1L", 3)]
    assert order.lines[0]["unit_price"] == Decimal("39.90")
    assert order.weight_kg == Decimal("13.150")
    assert order.volume_l == Decimal("15.000")
    assert stock_of(shop, "WH-EAST", "RICE-5KG").reserved == 2
    assert stock_of(shop, "WH-EAST", "MILK-1L").reserved == 3
    assert stock_of(shop, "WH-WEST", "RICE-5KG").reserved == 0


def test_a_three_line_order_whose_third_line_is_short_records_nothing(
    shop: Peisong, place: Placer, make_app: Any
) -> None:
    head = shop.head_position()

    with pytest.raises(OutOfStock):
        place([("RICE-5KG", 2), ("MILK-1L", 3), ("TEA-250G", 6)], warehouse_rule="named", warehouse="WH-EAST")

    assert shop.head_position() == head
    for app in (shop, make_app()):  # the refusing process's cache and a cold reader agree
        assert stock_of(app, "WH-EAST", "RICE-5KG").reserved == 0
        assert stock_of(app, "WH-EAST", "MILK-1L").reserved == 0
    assert order_of(shop, place([("RICE-5KG", 2)])).allocations == [("WH-EAST", "RICE-5KG", 2)]


def test_the_nearest_warehouse_that_fills_every_line_ships_the_whole_order(shop: Peisong, place: Placer) -> None:
    number = place([("RICE-5KG", 1), ("PAN-28", 1)])  # East is nearer but has no pans

    assert order_of(shop, number).allocations == [("WH-WEST", "RICE-5KG", 1), ("WH-WEST", "PAN-28", 1)]


def test_each_customer_is_served_from_the_warehouse_nearest_to_them(shop: Peisong, place: Placer) -> None:
    east = place([("RICE-5KG", 1)], customer="CUST-1", address=EAST_HOME)
    west = place([("RICE-5KG", 1)], customer="CUST-2", address=WEST_HOME)
    assert order_of(shop, east).allocations[0][0] == "WH-EAST"
    assert order_of(shop, west).allocations[0][0] == "WH-WEST"


def test_no_single_warehouse_filling_every_line_is_refused_under_the_nearest_rule(
    shop: Peisong, place: Placer
) -> None:
    head = shop.head_position()
    with pytest.raises(OutOfStock) as refused:
        place([("TEA-250G", 1), ("PAN-28", 1)])
    assert refused.value.field == "lines"
    assert shop.head_position() == head


def test_the_split_rule_ships_each_line_from_wherever_it_is_and_is_recorded(shop: Peisong, place: Placer) -> None:
    number = place([("TEA-250G", 1), ("PAN-28", 1), ("RICE-5KG", 60)], warehouse_rule="split")

    order = order_of(shop, number)
    assert order.warehouse_rule == "split"
    assert order.allocations == [
        ("WH-EAST", "TEA-250G", 1), ("WH-WEST", "PAN-28", 1),
        ("WH-EAST", "RICE-5KG", 50), ("WH-WEST", "RICE-5KG", 10),
    ]
    assert stock_of(shop, "WH-EAST", "RICE-5KG").available == 0
    assert stock_of(shop, "WH-WEST", "RICE-5KG").available == 10


def test_a_split_order_beyond_all_warehouses_together_is_refused(shop: Peisong, place: Placer) -> None:
    head = shop.head_position()
    with pytest.raises(OutOfStock) as refused:
        place([("RICE-5KG", 71)], warehouse_rule="split")
    assert refused.value.ids["available"] == 70
    assert shop.head_position() == head


def test_a_named_warehouse_ships_the_order_even_when_another_is_nearer(shop: Peisong, place: Placer) -> None:
    number = place([("RICE-5KG", 1)], warehouse_rule="named", warehouse="WH-WEST")
    order = order_of(shop, number)
    assert (order.warehouse_rule, order.allocations) == ("named", [("WH-WEST", "RICE-5KG", 1)])


def test_an_order_number_is_used_once(shop: Peisong, place: Placer) -> None:
    place([("RICE-5KG", 1)], number="PS-FIXED-1")
    head = shop.head_position()
    with pytest.raises(AlreadyExists) as refused:
        place([("RICE-5KG", 1)], number="PS-FIXED-1")
    assert refused.value.field == "number"
    assert shop.head_position() == head


def test_cancelling_releases_the_reserved_stock(shop: Peisong, place: Placer) -> None:
    number = place([("TEA-250G", 1), ("PAN-28", 2), ("RICE-5KG", 55)], warehouse_rule="split")

    result = shop.cancel_order(number, "found it cheaper")

    assert result["status"] == "CANCELLED"
    for code, sku in [("WH-EAST", "TEA-250G"), ("WH-WEST", "PAN-28"), ("WH-EAST", "RICE-5KG"), ("WH-WEST", "RICE-5KG")]:
        item = stock_of(shop, code, sku)
        assert item.reserved == 0 and item.available == item.on_hand
        assert event_names(shop, item.id)[-2:] in (["StockReserved", "ReservationReleased"],
                                                   ["ReservationReleased", "LowStockCleared"])


def test_handing_an_order_to_the_courier_ships_its_stock(shop: Peisong, place: Placer) -> None:
    number = place([("RICE-5KG", 3)])
    shop.pick_order(number, "picker-1")
    shop.pack_order(number, "packer-1")

    shop.hand_order_to_courier(number, COURIER)

    item = stock_of(shop, "WH-EAST", "RICE-5KG")
    assert (item.on_hand, item.reserved) == (47, 0)
    assert order_of(shop, number).courier_id == COURIER


def test_an_order_whose_goods_a_count_did_not_find_cannot_be_handed_over(shop: Peisong, place: Placer) -> None:
    number = place.to_status("PACKED", [("TEA-250G", 4)])
    shop.count_stock("WH-EAST", "TEA-250G", 3)
    head = shop.head_position()

    with pytest.raises(OutOfStock) as refused:
        shop.hand_order_to_courier(number, COURIER)

    assert refused.value.ids["available"] == 3
    assert shop.head_position() == head
    assert order_of(shop, number).status == "PACKED"
    item = stock_of(shop, "WH-EAST", "TEA-250G")
    assert (item.on_hand, item.reserved) == (3, 4)
    shop.receive_stock("WH-EAST", "TEA-250G", 1)
    shop.hand_order_to_courier(number, COURIER)
    assert stock_of(shop, "WH-EAST", "TEA-250G").on_hand == 0


def test_goods_returned_to_the_warehouse_go_back_on_the_shelf(shop: Peisong, place: Placer) -> None:
    number = place.to_status("RETURNED", [("RICE-5KG", 3)])
    item = stock_of(shop, "WH-EAST", "RICE-5KG")
    assert (item.on_hand, item.reserved) == (50, 0)
    assert order_of(shop, number).status == "RETURNED"


def test_a_failed_delivery_can_go_out_again_and_counts_attempts(shop: Peisong, place: Placer) -> None:
    number = place.to_status("DELIVERY_FAILED")
    shop.send_order_out_for_delivery(number)
    shop.deliver_order(number, "signature", "J. Li")
    order = order_of(shop, number)
    assert (order.status, order.attempts) == ("DELIVERED", 2)


def test_a_delivery_code_when_required_is_the_only_proof_accepted(shop: Peisong, place: Placer) -> None:
    number = place([("RICE-5KG", 1)], require_delivery_code=True)
    for move in ("pick", "pack", "hand", "out"):
        MOVES[move](shop, number)
    code = shop.delivery_code_for(number)
    assert code is not None and len(code) == 6 and code.isdigit()
    head = shop.head_position()

    with pytest.raises(DeliveryCodeMismatch) as refused:
        shop.deliver_order(number, "photo", "left at the door")
    assert refused.value.field == "proofKind"
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(DeliveryCodeMismatch) as refused:
        shop.deliver_order(number, "code", wrong)
    assert refused.value.field == "proof"
    assert shop.head_position() == head

    shop.deliver_order(number, "code", f" {code} ")

    delivered = logged_since(shop, head)[0]
    assert type(delivered).__name__ == "OrderDelivered"
    assert delivered.proof == "code verified"
    assert all(code not in n.state.decode() for n in shop.recorder.select_notifications(start=1, limit=10_000))


def test_delivery_codes_differ_per_order_and_exist_only_when_required(shop: Peisong, place: Placer) -> None:
    first = place([("RICE-5KG", 1)], require_delivery_code=True)
    second = place([("RICE-5KG", 1)], require_delivery_code=True)
    plain = place([("RICE-5KG", 1)])
    assert shop.delivery_code_for(first) != shop.delivery_code_for(second)
    assert shop.delivery_code_for(plain) is None
    with pytest.raises(NotFound):
        shop.delivery_code_for("PS-NOSUCH")


def test_every_illegal_transition_is_refused_naming_the_current_and_wanted_status(
    shop: Peisong, place: Placer
) -> None:
    shop.receive_stock("WH-EAST", "RICE-5KG", 100)
    for status in STATUSES:
        number = place.to_status(status)
        assert order_of(shop, number).status == status
        for move, target in MOVE_TARGETS.items():
            if target in NEXT_STATUSES[status]:
                continue
            head = shop.head_position()
            with pytest.raises(InvalidTransition) as refused:
                MOVES[move](shop, number)
            assert refused.value.ids == {"order": number, "current": status, "wanted": target}, (status, move)
            assert shop.head_position() == head
        assert order_of(shop, number).status == status


