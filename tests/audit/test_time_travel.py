"""Any aggregate, an order or a stock item as it stood at a business time or a version, rebuilt from the log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.api.conftest import Api, code_of, error_of

ORDER_THEN = """
query($n: String!, $asOf: DateTime, $version: Int) {
  order(number: $n, asOf: $asOf, version: $version) {
    number status courierId lines { sku quantity } timeline { status position } updatedAt
  }
}
"""
STOCK_THEN = """
query($asOf: DateTime, $version: Int) {
  stockItem(warehouse: "WH-EAST", sku: "RICE-5KG", asOf: $asOf, version: $version) { onHand reserved available updatedAt }
}
"""


def iso(moment: datetime) -> str:
    return moment.isoformat()


def a_day_of_one_order(api: Api) -> dict[str, datetime]:
    """The shop opened at 08:00; the order is placed at 08:01, picked 08:11, packed 08:21, handed to C-1 08:31."""
    moments = {"placed": api.clock.advance(timedelta(minutes=1))}
    api.place_order(number="PS-TT", lines=[("RICE-5KG", 3)], warehouseRule="NAMED", warehouse="WH-EAST")
    for step, mutation in (("picked", 'pickOrder(input: {number: "PS-TT"})'),
                           ("packed", 'packOrder(input: {number: "PS-TT"})'),
                           ("handed", 'handOrderToCourier(input: {number: "PS-TT", courierId: "C-1"})')):
        moments[step] = api.clock.advance(timedelta(minutes=10))
        api.data(f"mutation {{ {mutation} {{ status }} }}", role="warehouse")
    api.settle()
    return moments


def order_then(api: Api, **when: Any) -> dict[str, Any]:
    return api.data(ORDER_THEN, {"n": "PS-TT", **when}, role="auditor")["order"]


def test_an_order_as_it_stood_is_the_same_view_as_the_live_one_then(shop_api: Api) -> None:
    at = a_day_of_one_order(shop_api)
    live = order_then(shop_api)
    assert live["status"] == "HANDED_TO_COURIER"
    assert order_then(shop_api, asOf=iso(at["handed"])) == live
    assert order_then(shop_api, version=4) == live

    between = order_then(shop_api, asOf=iso(at["picked"] + timedelta(minutes=5)))
    assert between["status"] == "PICKED"
    assert [step["status"] for step in between["timeline"]] == ["PLACED", "PICKED"]
    assert between["timeline"] == live["timeline"][:2]
    assert between["updatedAt"] == iso(at["picked"])
    assert between["courierId"] is None and between["lines"] == live["lines"]

    assert order_then(shop_api, version=1)["status"] == "PLACED"
    # Both given: whichever comes first.
    assert order_then(shop_api, asOf=iso(at["packed"]), version=2)["status"] == "PICKED"


def test_before_it_was_placed_the_order_is_not_found(shop_api: Api) -> None:
    at = a_day_of_one_order(shop_api)
    result = shop_api.gql(ORDER_THEN, {"n": "PS-TT", "asOf": iso(at["placed"] - timedelta(seconds=1))}, role="auditor")
    assert code_of(result) == "NOT_FOUND"


def test_a_stock_item_as_it_stood_before_and_after_the_order_reserved_and_shipped(shop_api: Api) -> None:
    at = a_day_of_one_order(shop_api)

    def stock(**when: Any) -> dict[str, Any]:
        return shop_api.data(STOCK_THEN, when)["stockItem"]

    before = stock(asOf=iso(at["placed"] - timedelta(seconds=1)))
    reserved = stock(asOf=iso(at["packed"]))
    shipped = stock(asOf=iso(at["handed"]))
    assert (before["onHand"], before["reserved"]) == (50, 0)
    assert (reserved["onHand"], reserved["reserved"], reserved["available"]) == (50, 3, 47)
    assert (shipped["onHand"], shipped["reserved"]) == (47, 0)
    assert shipped == stock()
    assert stock(version=1) == {"onHand": 0, "reserved": 0, "available": 0, "updatedAt": stock(version=1)["updatedAt"]}


def test_history_stops_where_the_aggregate_then_stood_and_its_last_state_is_the_aggregate_then(shop_api: Api) -> None:
    at = a_day_of_one_order(shop_api)
    query = """query($asOf: DateTime, $version: Int, $after: Int, $first: Int) {
      orderHistory(number: "PS-TT", asOf: $asOf, version: $version, after: $after, first: $first) { version type state }
    }"""

    def history(**args: Any) -> list[dict[str, Any]]:
        return shop_api.data(query, args, role="auditor")["orderHistory"]

    then = history(asOf=iso(at["picked"] + timedelta(minutes=1)))
    assert [(e["version"], e["type"]) for e in then] == [(1, "OrderPlaced"), (2, "OrderPicked")]
    assert then[-1]["state"]["status"] == "PICKED"
    assert then[0]["state"]["status"] == "PLACED"
    assert [e["type"] for e in history(version=3)] == ["OrderPlaced", "OrderPicked", "OrderPacked"]
    assert [e["version"] for e in history(after=1, first=2)] == [2, 3]
    assert history(asOf=iso(at["placed"] - timedelta(hours=1))) == []


def test_the_generic_history_travels_any_aggregate_by_its_id(shop_api: Api) -> None:
    a_day_of_one_order(shop_api)
    aggregate_id = shop_api.data('{ order(number: "PS-TT") { aggregateId } }')["order"]["aggregateId"]
    entries = shop_api.data(
        f'{{ history(aggregateId: "{aggregate_id}", version: 2) {{ type aggregateType state }} }}', role="auditor",
    )["history"]
    assert [(e["aggregateType"], e["type"]) for e in entries] == [("Order", "OrderPlaced"), ("Order", "OrderPicked")]
    assert entries[-1]["state"]["number"] == "PS-TT"


def test_a_time_without_a_zone_or_a_version_below_one_is_refused_by_name(shop_api: Api) -> None:
    a_day_of_one_order(shop_api)
    naive = error_of(shop_api.gql(ORDER_THEN, {"n": "PS-TT", "asOf": "2026-11-25T08:00:00"}, role="auditor"))
    assert (naive["extensions"]["code"], naive["extensions"]["field"]) == ("BAD_INPUT", "asOf")
    zero = error_of(shop_api.gql(ORDER_THEN, {"n": "PS-TT", "version": 0}, role="auditor"))
    assert (zero["extensions"]["code"], zero["extensions"]["field"]) == ("BAD_INPUT", "version")
    paged = error_of(shop_api.gql('{ orderHistory(number: "PS-TT", first: 100000) { version } }', role="auditor"))
    assert (paged["extensions"]["code"], paged["extensions"]["field"]) == ("BAD_INPUT", "first")


def test_a_customer_travels_only_through_their_own_orders(shop_api: Api) -> None:
    a_day_of_one_order(shop_api)
    as_other = {"role": "customer", "subject": "CUST-2"}
    assert code_of(shop_api.gql(ORDER_THEN, {"n": "PS-TT", "version": 1}, **as_other)) == "NOT_FOUND"
    as_owner = {"role": "customer", "subject": "CUST-1"}
    assert shop_api.data(ORDER_THEN, {"n": "PS-TT", "version": 1}, **as_owner)["order"]["status"] == "PLACED"
