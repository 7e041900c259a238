"""The log a page at a time: `GET /feed` and the GraphQL `events` query, from a cursor, filtered, for feed roles only."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.feeds.pages import feed_page
from api.feeds.records import FeedFilter
from domain.app import Peisong
from domain.orders import Order
from projections.events import aggregate_state_at, read_events
from tests.api.conftest import Api, code_of, error_of
from tests.conftest import EAST_HOME, window

EVENTS = """
query($after: Int, $first: Int, $types: [String!], $aggregateType: String, $aggregateId: String) {
  events(after: $after, first: $first, types: $types, aggregateType: $aggregateType, aggregateId: $aggregateId) {
    endCursor hasNextPage nodes { position aggregateId aggregateType version type timestamp data }
  }
}
"""


def place(app: Peisong, number: str) -> None:
    start, end = window(app.clock)  # type: ignore[arg-type]
    app.place_order("CUST-1", [("MILK-1L", 1)], EAST_HOME, start, end, number=number)


def get_feed(api: Api, query: str, role: str = "integrator") -> dict[str, Any]:
    response = api.client.get(f"/feed?{query}", headers=api.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_http_feed_read_page_by_page_sees_every_position_once(shop_api: Api) -> None:
    head = shop_api.head()
    seen: list[int] = []
    after, more = 0, True
    while more:
        page = get_feed(shop_api, f"after={after}&limit=7")
        seen += [event["position"] for event in page["events"]]
        after, more = page["next"], page["hasMore"]

    assert seen == list(range(1, head + 1))
    assert after == head
    first = get_feed(shop_api, "limit=1")["events"][0]
    assert set(first) == {"position", "eventId", "type", "aggregateType", "aggregateId", "version", "timestamp", "data"}
    assert first["eventId"] == f"{first['aggregateId']}:{first['version']}"


def test_a_filtered_feed_answers_a_cursor_past_the_stretch_it_scanned(shop_api: Api) -> None:
    place(shop_api.application, "PS-F1")
    shop_api.application.pick_order("PS-F1")
    place(shop_api.application, "PS-F2")
    head = shop_api.settle()

    page = get_feed(shop_api, "types=OrderPlaced,OrderPicked&limit=10")
    assert [(e["type"], e["data"].get("number")) for e in page["events"]] == [
        ("OrderPlaced", "PS-F1"), ("OrderPicked", None), ("OrderPlaced", "PS-F2"),
    ]
    assert (page["next"], page["hasMore"]) == (head, False)
    assert get_feed(shop_api, f"types=OrderPlaced&after={head}")["events"] == []
    one_order = get_feed(shop_api, f"aggregateId={Order.create_id('PS-F1')}")
    assert [e["type"] for e in one_order["events"]] == ["OrderPlaced", "OrderPicked"]
    stock_only = get_feed(shop_api, "aggregateType=StockItem&limit=500")["events"]
    assert stock_only and {e["aggregateType"] for e in stock_only} == {"StockItem"}


def test_the_graphql_events_query_pages_with_its_end_cursor(shop_api: Api) -> None:
    place(shop_api.application, "PS-G1")
    place(shop_api.application, "PS-G2")
    shop_api.settle()  # the notify policy's reactions land before the cursor is compared with the head
    page = shop_api.data(EVENTS, {"first": 1, "types": ["OrderPlaced"]}, role="auditor")["events"]
    assert [n["data"]["number"] for n in page["nodes"]] == ["PS-G1"]
    assert page["hasNextPage"] is True
    rest = shop_api.data(EVENTS, {"after": page["endCursor"], "types": ["OrderPlaced"]}, role="auditor")["events"]
    assert [n["data"]["number"] for n in rest["nodes"]] == ["PS-G2"]
    assert (rest["hasNextPage"], rest["endCursor"]) == (False, shop_api.head())
    node = rest["nodes"][0]
    assert (node["aggregateType"], node["type"], node["version"]) == ("Order", "OrderPlaced", 1)


def test_the_feeds_answer_only_the_feed_roles(shop_api: Api) -> None:
    for role in ("admin", "auditor", "integrator", "dispatcher"):
        assert shop_api.client.get("/feed?limit=1", headers=shop_api.headers(role)).status_code == 200
    for role, subject in (("warehouse", None), ("courier", "C-1"), ("customer", "CUST-1")):
        response = shop_api.client.get("/feed", headers=shop_api.headers(role, subject))
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert code_of(shop_api.gql(EVENTS, {}, role=role, subject=subject)) == "FORBIDDEN"
    anonymous = shop_api.client.get("/feed")
    assert (anonymous.status_code, anonymous.headers["www-authenticate"]) == (401, "Bearer")
    forged = shop_api.client.get("/feed", headers={"Authorization": "Bearer not-a-token"})
    assert forged.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("query, field", [
    ("after=-1", "after"), ("after=first", "after"), ("limit=0", "limit"), ("limit=501", "limit"),
    ("types=OrderPlacd", "types"), ("aggregateId=PS-1", "aggregateId"),
])
def test_bad_feed_parameters_are_refused_with_the_field_at_fault(api: Api, query: str, field: str) -> None:
    response = api.client.get(f"/feed?{query}", headers=api.headers("integrator"))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_INPUT", field)


def test_the_graphql_query_refuses_what_the_http_feed_refuses(api: Api) -> None:
    for variables, field in (({"after": -1}, "after"), ({"first": 501}, "first"), ({"types": ["Nope"]}, "types"),
                             ({"aggregateId": "x"}, "aggregateId")):
        error = error_of(api.gql(EVENTS, variables, role="integrator"))
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_INPUT", field)


@given(
    limit=st.integers(1, 40),
    types=st.one_of(st.none(), st.sets(st.sampled_from(["StockReceived", "ProductAdded", "CustomerRegistered"]), min_size=1)),
    aggregate_type=st.sampled_from([None, "StockItem", "Product"]),
)
def test_any_page_size_and_filter_pages_through_exactly_the_filtered_log(
    shop: Peisong, limit: int, types: set[str] | None, aggregate_type: str | None,
) -> None:
    filters = FeedFilter(types=tuple(sorted(types)) if types else None, aggregate_type=aggregate_type)
    seen: list[int] = []
    after, more = 0, True
    while more:
        page = feed_page(shop, after, limit, filters)
        assert len(page.records) <= limit
        seen += [r.position for r in page.records]
        after, more = page.end_cursor, page.has_next_page

    everything = read_events(shop, limit=100_000, types=filters.types, aggregate_type=aggregate_type)
    assert seen == [r.position for r in everything]


def test_the_webhook_secret_is_redacted_from_a_webhook_as_it_stood_at_any_version(api: Api) -> None:
    hook = api.data(
        'mutation { registerWebhook(input: {url: "https://erp.example/hook", eventTypes: ["OrderPlaced"]}) { id secret } }',
        role="integrator",
    )["registerWebhook"]
    state = aggregate_state_at(api.application, hook["id"], version=1)
    assert state is not None and state["state"]["secret"] == "[redacted]"
    assert hook["secret"] not in str(state)
