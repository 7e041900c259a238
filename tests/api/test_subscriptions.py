"""Live feeds over graphql-transport-ws: the event stream from a cursor, and one order's status."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import pytest
from starlette.testclient import WebSocketTestSession

from tests.api.conftest import Api, error_of

pytestmark = pytest.mark.timeout(30)

EVENTS = """
subscription($after: Int!, $types: [String!], $aggregateType: String) {
  events(after: $after, types: $types, aggregateType: $aggregateType) { position type aggregateType aggregateId data }
}
"""
ORDER_STATUS = """
subscription($number: String!, $after: Int! = 0) { orderStatus(number: $number, after: $after) { number status position } }
"""


@contextmanager
def connected(api: Api, token: str | None) -> Iterator[WebSocketTestSession]:
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"} if token else {}})
        assert ws.receive_json() == {"type": "connection_ack"}
        yield ws


def subscribe(ws: WebSocketTestSession, query: str, variables: dict[str, Any], id: str = "1") -> None:
    ws.send_json({"type": "subscribe", "id": id, "payload": {"query": query, "variables": variables}})


def next_data(ws: WebSocketTestSession) -> dict[str, Any]:
    message = ws.receive_json()
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return message["payload"]["data"]


def test_a_subscriber_receives_the_events_a_mutation_records(shop_api: Api) -> None:
    start = shop_api.settle()
    with connected(shop_api, shop_api.token("integrator")) as ws:
        subscribe(ws, EVENTS, {"after": start, "aggregateType": "Order"})
        placed = shop_api.place_order(number="PS-LIVE")
        event = next_data(ws)["events"]
        assert event["type"] == "OrderPlaced"
        assert event["data"]["number"] == "PS-LIVE"
        assert start < event["position"] <= placed["position"]
        shop_api.data('mutation { pickOrder(input: {number: "PS-LIVE"}) { status } }', role="warehouse")
        assert next_data(ws)["events"]["type"] == "OrderPicked"


def test_a_feed_resumes_after_its_last_position_without_loss_or_repeats(shop_api: Api) -> None:
    start = shop_api.settle()
    for i in range(3):
        shop_api.place_order(number=f"PS-R{i}", lines=[("MILK-1L", 1)])
    token = shop_api.token("integrator")
    with connected(shop_api, token) as ws:
        subscribe(ws, EVENTS, {"after": start, "types": ["OrderPlaced"]})
        first = next_data(ws)["events"]
    with connected(shop_api, token) as ws:
        subscribe(ws, EVENTS, {"after": first["position"], "types": ["OrderPlaced"]})
        rest = [next_data(ws)["events"] for _ in range(2)]
    assert [e["data"]["number"] for e in (first, *rest)] == ["PS-R0", "PS-R1", "PS-R2"]
    assert first["position"] < rest[0]["position"] < rest[1]["position"]


def test_a_customer_follows_their_order_until_it_is_finished(shop_api: Api) -> None:
    shop_api.place_order(number="PS-FOLLOW")
    with connected(shop_api, shop_api.token("customer", "CUST-1")) as ws:
        subscribe(ws, ORDER_STATUS, {"number": "PS-FOLLOW"})
        assert next_data(ws)["orderStatus"]["status"] == "PLACED"
        shop_api.data('mutation { pickOrder(input: {number: "PS-FOLLOW"}) { status } }', role="warehouse")
        assert next_data(ws)["orderStatus"]["status"] == "PICKED"
        shop_api.data('mutation { cancelOrder(input: {number: "PS-FOLLOW", reason: "late"}) { status } }')
        assert next_data(ws)["orderStatus"]["status"] == "CANCELLED"
        assert ws.receive_json() == {"type": "complete", "id": "1"}


def test_a_customer_cannot_follow_another_customers_order(shop_api: Api) -> None:
    shop_api.place_order("CUST-2", number="PS-NOT-MINE")
    shop_api.settle()
    with connected(shop_api, shop_api.token("customer", "CUST-1")) as ws:
        subscribe(ws, ORDER_STATUS, {"number": "PS-NOT-MINE"})
        message = ws.receive_json()
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "NOT_FOUND"


def test_a_websocket_without_a_token_is_refused_per_operation(shop_api: Api) -> None:
    with connected(shop_api, None) as ws:
        subscribe(ws, EVENTS, {"after": 0})
        message = ws.receive_json()
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_queries_and_mutations_also_run_over_the_websocket(shop_api: Api) -> None:
    with connected(shop_api, shop_api.token("dispatcher")) as ws:
        subscribe(ws, '{ product(sku: "TEA-250G") { name } }', {})
        assert next_data(ws) == {"product": {"name": "Green tea 250 g"}}
        assert ws.receive_json() == {"type": "complete", "id": "1"}


def test_a_subscription_sent_over_plain_http_is_told_to_use_the_websocket(shop_api: Api) -> None:
    result = shop_api.gql("subscription { events { position } }", role="integrator")
    error = error_of(result)
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "websocket" in error["message"]
