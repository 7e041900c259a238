"""The log as plain records: feeds resume from a position, histories carry positions, payloads are plain JSON."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import InvalidInput
from domain.orders import Order
from domain.stock import StockItem
from projections.events import aggregate_history, aggregate_state_at, read_events
from tests.conftest import EAST_HOME, START, window


def place(app: Peisong, clock: ManualClock, lines: list[tuple[str, int]]) -> str:
    start, end = window(clock)
    return app.place_order("CUST-1", lines, EAST_HOME, start, end)["number"]


def test_a_feed_read_page_by_page_from_its_last_position_sees_every_event_once(shop: Peisong) -> None:
    seen: list[int] = []
    after = 0
    while page := read_events(shop, after=after, limit=7):
        seen += [record.position for record in page]
        after = page[-1].position

    assert seen == list(range(1, shop.head_position() + 1))


def test_feeds_filter_by_event_type_and_aggregate_type(shop: Peisong, clock: ManualClock) -> None:
    number = place(shop, clock, [("RICE-5KG", 1)])

    placed = read_events(shop, types=["OrderPlaced"])
    assert [(r.event_type, r.aggregate_type, r.data["number"]) for r in placed] == [("OrderPlaced", "Order", number)]
    stock_events = read_events(shop, aggregate_type="StockItem", limit=1000)
    assert {r.aggregate_type for r in stock_events} == {"StockItem"}
    assert {r.event_type for r in stock_events} >= {"StockItemOpened", "StockReceived", "StockReserved"}
    assert read_events(shop, types=["StockReserved"], aggregate_type="Order") == []


def test_a_sparse_filter_scans_past_many_unmatched_events_up_to_the_head(shop: Peisong, clock: ManualClock) -> None:
    shop.receive_stock_batch([("WH-EAST", "RICE-5KG", 1)] * 1500, reference="one unit at a time")
    number = place(shop, clock, [("RICE-5KG", 1)])

    assert [r.data["number"] for r in read_events(shop, types=["OrderPlaced"], limit=5)] == [number]
    assert read_events(shop, types=["OrderPlaced"], after=shop.head_position()) == []


def test_payloads_are_plain_json_without_the_store_envelope(shop: Peisong, clock: ManualClock) -> None:
    number = place(shop, clock, [("RICE-5KG", 2)])

    [record] = read_events(shop, types=["OrderPlaced"])

    assert json.loads(json.dumps(record.data)) == record.data
    assert record.data["weight_kg"] == "10.000"
    assert record.data["window_start"] == (START + timedelta(hours=1)).isoformat()
    assert record.data["lines"][0] == {
        "sku": "RICE-5KG", "quantity": 2, "warehouse": "WH-EAST", "unit_price": "39.90",
        "weight_kg": "10.000", "volume_l": "12.000"}
    assert not {"timestamp", "originator_id", "originator_version", "originator_topic"} & record.data.keys()
    assert (record.aggregate_id, record.version, record.timestamp) == (str(Order.create_id(number)), 1, START)


def test_an_aggregates_history_carries_its_versions_and_log_positions(shop: Peisong, clock: ManualClock) -> None:
    number = place(shop, clock, [("TEA-250G", 1)])
    shop.cancel_order(number, "changed mind")
    item = StockItem.create_id("WH-EAST", "TEA-250G")

    history = aggregate_history(shop, item)

    assert [r.version for r in history] == list(range(1, len(history) + 1))
    assert [r.event_type for r in history][-2:] == ["StockReserved", "ReservationReleased"]
    in_log = [r for r in read_events(shop, limit=1000) if r.aggregate_id == str(item)]
    assert [(r.position, r.event_type, r.data) for r in history] == [(r.position, r.event_type, r.data) for r in in_log]
    assert read_events(shop, aggregate_id=str(item), after=history[1].position) == history[2:]


def test_an_unknown_aggregate_has_no_history_and_a_malformed_id_is_refused(shop: Peisong) -> None:
    assert aggregate_history(shop, Order.create_id("PS-NEVER")) == []
    with pytest.raises(InvalidInput):
        aggregate_history(shop, "not-a-uuid")


def test_an_aggregate_as_it_stood_at_a_version_or_a_moment(shop: Peisong, clock: ManualClock) -> None:
    number = place(shop, clock, [("MILK-1L", 1)])
    clock.advance(timedelta(minutes=30))
    shop.pick_order(number, "picker-1")
    clock.advance(timedelta(minutes=30))
    shop.cancel_order(number, "out of time")
    order_id = Order.create_id(number)

    assert aggregate_state_at(shop, order_id, version=1)["state"]["status"] == "PLACED"  # type: ignore[index]
    at_45 = aggregate_state_at(shop, order_id, as_of=START + timedelta(minutes=45))
    assert at_45 is not None and (at_45["version"], at_45["state"]["status"]) == (2, "PICKED")
    now = aggregate_state_at(shop, order_id)
    assert now is not None and (now["type"], now["state"]["status"]) == ("Order", "CANCELLED")
    assert aggregate_state_at(shop, order_id, as_of=START - timedelta(seconds=1)) is None
    assert aggregate_state_at(shop, Order.create_id("PS-NEVER")) is None
