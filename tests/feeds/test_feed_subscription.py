"""The GraphQL `events` subscription: one aggregate's events from a cursor, then live; bad filters refused up front."""

from __future__ import annotations

import pytest

from domain.orders import Order
from tests.api.conftest import Api
from tests.api.test_subscriptions import connected, next_data, subscribe

pytestmark = pytest.mark.timeout(30)

EVENTS = """
subscription($after: Int!, $types: [String!], $aggregateId: String) {
  events(after: $after, types: $types, aggregateId: $aggregateId) { position type aggregateId version }
}
"""


def test_a_subscription_follows_one_aggregate_from_a_cursor_then_live(shop_api: Api) -> None:
    shop_api.place_order(number="PS-ONE")
    shop_api.place_order(number="PS-OTHER")
    order_id = str(Order.create_id("PS-ONE"))
    with connected(shop_api, shop_api.token("integrator")) as ws:
        subscribe(ws, EVENTS, {"after": 0, "aggregateId": order_id})
        placed = next_data(ws)["events"]
        shop_api.application.pick_order("PS-OTHER")
        shop_api.application.pick_order("PS-ONE")
        picked = next_data(ws)["events"]
    assert [(e["type"], e["version"], e["aggregateId"]) for e in (placed, picked)] == [
        ("OrderPlaced", 1, order_id), ("OrderPicked", 2, order_id),
    ]
    assert placed["position"] < picked["position"]


@pytest.mark.parametrize("variables, field", [
    ({"after": -1}, "after"), ({"after": 0, "types": ["OrderPlacd"]}, "types"), ({"after": 0, "aggregateId": "PS-1"}, "aggregateId"),
])
def test_a_subscription_with_bad_filters_is_refused_before_it_streams(api: Api, variables: dict, field: str) -> None:  # type: ignore[type-arg]
    with connected(api, api.token("auditor")) as ws:
        subscribe(ws, EVENTS, variables)
        message = ws.receive_json()
    assert message["type"] == "error", message
    [error] = message["payload"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_INPUT", field)
