"""Idempotency keys: a repeated command answers as the first time did and records nothing new."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from domain.app import Peisong
from domain.errors import OutOfStock, PreconditionFailed
from domain.orders import Order
from tests.conftest import EAST_HOME, stock_shop, window
from tests.domain.conftest import Placer, stock_of


def test_the_same_key_returns_the_first_result_and_records_nothing(shop: Peisong, place: Placer) -> None:
    first = shop.receive_stock("WH-EAST", "RICE-5KG", 10, "PO-1", idempotency_key="receipt-PO-1")
    head = shop.head_position()

    again = shop.receive_stock("WH-EAST", "RICE-5KG", 10, "PO-1", idempotency_key="receipt-PO-1")

    assert (again.position, again.data, again.repeated) == (first.position, first.data, True)
    assert not first.repeated
    assert shop.head_position() == head
    assert stock_of(shop, "WH-EAST", "RICE-5KG").on_hand == 60


def test_a_repeated_order_answers_with_the_first_order_even_after_other_writes(
    shop: Peisong, place: Placer, clock: Any
) -> None:
    start, end = window(clock)
    first = shop.place_order("CUST-1", [("RICE-5KG", 2)], EAST_HOME, start, end, idempotency_key="cart-77")
    place([("MILK-1L", 1)])
    place([("MILK-1L", 1)])
    head = shop.head_position()

    again = shop.place_order("CUST-1", [("RICE-5KG", 2)], EAST_HOME, start, end, idempotency_key="cart-77")

    assert again == type(first)(first.position, first.data, repeated=True)
    assert shop.head_position() == head
    assert stock_of(shop, "WH-EAST", "RICE-5KG").reserved == 2
    placed = [n.id for n in shop.recorder.select_notifications(start=1, limit=10_000)
              if n.originator_id == Order.create_id(first["number"])]
    assert placed and max(placed) < first.position  # the key is saved last, in the same save


def test_the_key_is_remembered_by_a_restarted_application(shop: Peisong, make_app: Callable[[], Peisong]) -> None:
    first = shop.adjust_stock("WH-EAST", "RICE-5KG", -1, "torn bag", idempotency_key="adj-1")
    restarted = make_app()
    again = restarted.adjust_stock("WH-EAST", "RICE-5KG", -1, "torn bag", idempotency_key="adj-1")
    assert (again.position, again.data, again.repeated) == (first.position, first.data, True)
    assert stock_of(restarted, "WH-EAST", "RICE-5KG").on_hand == 49


def test_the_same_key_on_another_command_is_refused(shop: Peisong) -> None:
    shop.receive_stock("WH-EAST", "RICE-5KG", 10, idempotency_key="k-1")
    head = shop.head_position()
    with pytest.raises(PreconditionFailed) as refused:
        shop.adjust_stock("WH-EAST", "RICE-5KG", -1, "torn bag", idempotency_key="k-1")
    assert refused.value.field == "idempotencyKey"
    assert shop.head_position() == head


def test_a_refused_command_does_not_use_up_its_key(shop: Peisong, place: Placer) -> None:
    with pytest.raises(OutOfStock):
        place([("TEA-250G", 9)], idempotency_key="cart-9")
    shop.receive_stock("WH-EAST", "TEA-250G", 10)

    number = place([("TEA-250G", 9)], idempotency_key="cart-9")

    assert stock_of(shop, "WH-EAST", "TEA-250G").reservations == {number: 9}


def test_two_processes_racing_with_one_key_record_one_order(
    settings: Any, clock: Any, make_app: Callable[[], Peisong], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = stock_shop(make_app()), make_app()
    start, end = window(clock)
    order = ("CUST-1", [("RICE-5KG", 2)], EAST_HOME, start, end)
    insert = first.recorder.insert_events
    raced: list[Any] = []

    def second_gets_there_first(*args: Any, **kwargs: Any) -> Any:
        if not raced:
            raced.append(second.place_order(*order, idempotency_key="cart-1"))
        return insert(*args, **kwargs)

    monkeypatch.setattr(first.recorder, "insert_events", second_gets_there_first)
    stock_of(first, "WH-EAST", "RICE-5KG")  # warm the first process's cache

    answer = first.place_order(*order, idempotency_key="cart-1")

    assert answer.repeated and answer.data == raced[0].data and answer.position == raced[0].position
    assert stock_of(first, "WH-EAST", "RICE-5KG").reservations == {raced[0]["number"]: 2}
    assert first.repository.get(Order.create_id(raced[0]["number"])).status == "PLACED"
