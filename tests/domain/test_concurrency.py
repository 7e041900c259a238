"""Optimistic concurrency: processes sharing one store, each with its own cache, never oversell."""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

from eventsourcing.application import AggregateNotFoundError

import domain.cache
from domain.app import Peisong
from domain.clock import ManualClock
from domain.customers import Customer
from domain.errors import ConcurrencyConflict, NotFound, OutOfStock
from domain.execution import MAX_ATTEMPTS
from tests.conftest import EAST_HOME, stock_shop, window
from tests.domain.conftest import logged_since, stock_of


def order(app: Peisong, clock: ManualClock, lines: list[tuple[str, int]]) -> str:
    return app.place_order("CUST-1", lines, EAST_HOME, *window(clock))["number"]


@pytest.fixture
def pair(make_app: Callable[[], Peisong]) -> tuple[Peisong, Peisong]:
    """Two applications on one store, both with the East tea (5 units) in their caches."""
    first = stock_shop(make_app())
    second = make_app()
    for app in (first, second):
        assert stock_of(app, "WH-EAST", "TEA-250G").available == 5
    return first, second


def run_before_each_save(app: Peisong, monkeypatch: pytest.MonkeyPatch, interloper: Callable[[], Any]) -> list[int]:
    """Let another process write just before each of `app`'s saves: the window optimistic locking guards."""
    insert = app.recorder.insert_events
    calls: list[int] = []

    def interleaved(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(calls) + 1)
        interloper()
        return insert(*args, **kwargs)

    monkeypatch.setattr(app.recorder, "insert_events", interleaved)
    return calls


def test_a_process_with_a_warm_cache_sees_what_another_reserved(pair: tuple[Peisong, Peisong],
                                                                clock: ManualClock) -> None:
    first, second = pair
    order(second, clock, [("TEA-250G", 4)])

    head = first.head_position()
    with pytest.raises(OutOfStock):
        order(first, clock, [("TEA-250G", 2)])
    assert first.head_position() == head
    order(first, clock, [("TEA-250G", 1)])

    for app in pair:
        item = stock_of(app, "WH-EAST", "TEA-250G")
        assert (item.reserved, item.available) == (5, 0)


def test_a_stale_writer_conflicts_retries_and_sees_the_truth(
    pair: tuple[Peisong, Peisong], clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = pair
    taken: list[str] = []
    calls = run_before_each_save(first, monkeypatch,
                                 lambda: taken or taken.append(order(second, clock, [("TEA-250G", 4)])))

    with pytest.raises(OutOfStock) as refused:
        order(first, clock, [("TEA-250G", 2)])

    assert calls == [1]  # the first save conflicted; the retry read 1 available and refused before saving
    assert refused.value.ids["available"] == 1
    item = stock_of(first, "WH-EAST", "TEA-250G")
    assert item.reservations == {taken[0]: 4}


def test_a_stale_writer_whose_retry_still_fits_is_placed_once(
    pair: tuple[Peisong, Peisong], clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = pair
    taken: list[str] = []
    calls = run_before_each_save(first, monkeypatch,
                                 lambda: taken or taken.append(order(second, clock, [("TEA-250G", 3)])))

    number = order(first, clock, [("TEA-250G", 2)])

    assert calls == [1, 2]
    for app in pair:
        assert stock_of(app, "WH-EAST", "TEA-250G").reservations == {taken[0]: 3, number: 2}


def test_retrying_is_bounded_and_ends_in_a_concurrency_conflict(
    pair: tuple[Peisong, Peisong], clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = pair
    calls = run_before_each_save(first, monkeypatch, lambda: second.receive_stock("WH-EAST", "TEA-250G", 1))
    head = first.head_position()

    with pytest.raises(ConcurrencyConflict) as gave_up:
        order(first, clock, [("TEA-250G", 1)])

    assert gave_up.value.ids == {"command": "placeOrder"}
    assert calls == list(range(1, MAX_ATTEMPTS + 1))
    assert [type(e).__name__ for e in logged_since(first, head)] == ["StockReceived"] * MAX_ATTEMPTS  # the interloper's
    item = stock_of(first, "WH-EAST", "TEA-250G")
    assert (item.on_hand, item.reserved) == (5 + MAX_ATTEMPTS, 0)


def test_reads_outside_commands_follow_other_processes(pair: tuple[Peisong, Peisong], clock: ManualClock) -> None:
    first, second = pair
    number = order(second, clock, [("TEA-250G", 2)])
    second.cancel_order(number, "changed mind")
    second.receive_stock("WH-EAST", "TEA-250G", 7)
    item = stock_of(first, "WH-EAST", "TEA-250G")
    assert (item.on_hand, item.reserved) == (12, 0)
    assert item.version == stock_of(second, "WH-EAST", "TEA-250G").version


def test_a_process_far_behind_the_log_starts_its_cache_afresh(
    pair: tuple[Peisong, Peisong], clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = pair
    monkeypatch.setattr(domain.cache, "FOLLOW_LIMIT", 3)
    for _ in range(4):
        second.receive_stock("WH-EAST", "TEA-250G", 1)
    order(first, clock, [("TEA-250G", 9)])
    assert stock_of(second, "WH-EAST", "TEA-250G").available == 0


def test_changing_an_aggregate_read_outside_a_command_does_not_touch_the_cache(shop: Peisong) -> None:
    copy = stock_of(shop, "WH-EAST", "RICE-5KG")
    copy.receive(100, "never saved")
    assert stock_of(shop, "WH-EAST", "RICE-5KG").on_hand == 50


def test_a_reader_waits_for_the_command_in_progress_and_never_sees_it_half_done(
    shop: Peisong, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    reader = threading.Thread(target=lambda: seen.append(stock_of(shop, "WH-EAST", "TEA-250G").reserved))

    def read_while_saving() -> None:
        reader.start()
        reader.join(timeout=0.2)
        assert reader.is_alive(), "a reader got in while a command was changing the cached aggregate"

    run_before_each_save(shop, monkeypatch, read_while_saving)
    order(shop, clock, [("TEA-250G", 3)])
    reader.join(timeout=5)
    assert seen == [3]


def test_what_one_process_found_missing_another_can_create(pair: tuple[Peisong, Peisong], clock: ManualClock) -> None:
    first, second = pair
    start, end = window(clock)
    with pytest.raises(NotFound):
        first.place_order("CUST-NEW", [("RICE-5KG", 1)], EAST_HOME, start, end)
    with pytest.raises(AggregateNotFoundError):
        first.repository.get(Customer.create_id("CUST-NEW"))

    second.register_customer("CUST-NEW", "New", "138")

    assert first.repository.get(Customer.create_id("CUST-NEW")).name == "New"
    first.place_order("CUST-NEW", [("RICE-5KG", 1)], EAST_HOME, start, end)


def test_a_key_refused_here_and_then_used_elsewhere_answers_with_the_other_result(
    pair: tuple[Peisong, Peisong], clock: ManualClock
) -> None:
    first, second = pair
    start, end = window(clock)
    cart = ("CUST-1", [("TEA-250G", 8)], EAST_HOME, start, end)
    with pytest.raises(OutOfStock):
        first.place_order(*cart, idempotency_key="cart-8")
    second.receive_stock("WH-EAST", "TEA-250G", 3)
    placed = second.place_order(*cart, idempotency_key="cart-8")
    second.cancel_order(placed["number"], "changed mind")  # the stock is free again, the key is spent

    again = first.place_order(*cart, idempotency_key="cart-8")

    assert (again.position, again.data, again.repeated) == (placed.position, placed.data, True)
    assert stock_of(first, "WH-EAST", "TEA-250G").reserved == 0
