"""The tracking page through the API: plain words in the customer's language, the courier while out for delivery,
an ETA from the live route and how many stops away; for the order's tracking link or its customer, live too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.auth import issue_tracking_token
from tests.api.conftest import Api, code_of
from tests.api.test_subscriptions import connected, next_data, subscribe
from tests.routing.shop import CUSTOMER, HOME, packed_order, plan_now, request_plan, routing_shop

pytestmark = pytest.mark.timeout(60)

TRACKING = """
query($number: String!, $language: String) {
  orderTracking(number: $number, language: $language) {
    number status language headline eta etaLive plannedArrival stopsAway delayed
    courierPosition { courier lat lon }
    timeline { status at text }
  }
}
"""
UPDATES = """
subscription($number: String!) {
  orderTrackingUpdates(number: $number, language: "en") { status headline stopsAway courierPosition { lat lon } }
}
"""


@pytest.fixture
def on_the_road(api: Api) -> tuple[Api, list[str]]:
    """Three orders on one courier's dispatched route, out for delivery, the courier just off from the warehouse."""
    app = api.application
    routing_shop(app)
    orders = [packed_order(app, f"T-{i}", north=0.01 * (i + 1), east=0.004) for i in range(3)]
    plan = request_plan(app, orders, couriers=["C-BIKE-1"])
    plan_now(app, plan)
    app.accept_route_plan(plan)
    app.dispatch_route_plan(plan)
    api.settle()
    route = app.existing_route_plan(plan).routes[0]
    in_order = [v["ref"] for v in route["visits"] if v["kind"] != "reload"]
    for number in in_order:
        app.hand_order_to_courier(number, "C-BIKE-1")
        app.send_order_out_for_delivery(number)
    app.clock.advance(timedelta(minutes=50))
    app.report_positions("C-BIKE-1", [{"at": app.clock.now(), "lat": HOME[0] + 0.002, "lon": HOME[1] + 0.001}])
    api.settle()
    return api, in_order


def test_a_tracking_link_shows_the_route_live_in_plain_words(on_the_road: tuple[Api, list[str]]) -> None:
    api, in_order = on_the_road
    last = in_order[-1]
    link = issue_tracking_token(api.settings, last)
    page = api.data(TRACKING, {"number": last}, token=link)["orderTracking"]
    assert (page["status"], page["language"], page["stopsAway"]) == ("OUT_FOR_DELIVERY", "zh-CN", 2)
    assert page["etaLive"] and page["eta"] >= page["plannedArrival"]
    assert page["courierPosition"]["courier"] == "C-BIKE-1"
    assert "还有2站" in page["headline"] and "预计" in page["headline"]
    assert [step["text"] for step in page["timeline"]] == ["已下单", "正在备货", "已打包", "已交给配送员C-BIKE-1", "正在派送"]

    english = api.data(TRACKING, {"number": in_order[0], "language": "en"},
                       role="customer", subject=CUSTOMER)["orderTracking"]
    assert english["stopsAway"] == 0 and "You are the next stop" in english["headline"]
    assert "Arriving around" in english["headline"]


def test_a_tracking_link_opens_its_own_order_only(on_the_road: tuple[Api, list[str]]) -> None:
    api, in_order = on_the_road
    link = api.data('query($n: String!) { orderTrackingLink(number: $n) { token } }', {"n": in_order[0]},
                    role="customer", subject=CUSTOMER)["orderTrackingLink"]["token"]
    assert api.data(TRACKING, {"number": in_order[0]}, token=link)["orderTracking"]["number"] == in_order[0]
    assert code_of(api.gql(TRACKING, {"number": in_order[1]}, token=link)) == "NOT_FOUND"
    assert code_of(api.gql(TRACKING, {"number": in_order[1]}, role="customer", subject="CUST-ELSE")) == "NOT_FOUND"
    bad = api.gql(TRACKING, {"number": in_order[0], "language": "fr"}, token=link)
    assert code_of(bad) == "BAD_INPUT" and bad["errors"][0]["extensions"]["field"] == "language"


def test_the_tracking_page_follows_the_courier_live(on_the_road: tuple[Api, list[str]]) -> None:
    api, in_order = on_the_road
    app = api.application
    with connected(api, issue_tracking_token(api.settings, in_order[-1])) as ws:
        subscribe(ws, UPDATES, {"number": in_order[-1]})
        first = next_data(ws)["orderTrackingUpdates"]
        assert first["stopsAway"] == 2
        app.clock.advance(timedelta(minutes=2))
        app.report_positions("C-BIKE-1", [{"at": app.clock.now(), "lat": HOME[0] + 0.006, "lon": HOME[1] + 0.003}])
        moved = next_data(ws)["orderTrackingUpdates"]
        assert moved["courierPosition"] != first["courierPosition"]
