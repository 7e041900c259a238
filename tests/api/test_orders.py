"""Orders through the API: placed, read back at once, moved to the door, and never recorded twice."""

from __future__ import annotations

from typing import Callable

from tests.api.conftest import ORDER, PLACE_ORDER, Api, code_of, error_of
from tests.conftest import stock_shop

STEP = """
mutation Step($number: String!) {
  pickOrder(input: {number: $number, picker: "p1"}) { number status position }
}
"""


def test_a_placed_order_reads_back_at_the_position_its_mutation_returned(shop_api: Api) -> None:
    placed = shop_api.place_order(lines=[("RICE-5KG", 2), ("MILK-1L", 1)])
    order = shop_api.data(ORDER, {"number": placed["number"], "atLeast": placed["position"]})["order"]
    assert order["number"] == placed["number"]
    assert order["status"] == "PLACED"
    assert order["customer"] == "CUST-1"
    assert {(line["sku"], line["quantity"]) for line in order["lines"]} == {("RICE-5KG", 2), ("MILK-1L", 1)}
    assert order["timeline"][0]["status"] == "PLACED"


def test_reserved_stock_reads_back_with_the_order(shop_api: Api) -> None:
    placed = shop_api.place_order(lines=[("RICE-5KG", 3)])
    item = shop_api.data(
        "query($p: Int) { stockItem(warehouse: \"WH-EAST\", sku: \"RICE-5KG\", atLeast: $p) { onHand reserved available } }",
        {"p": placed["position"]},
    )["stockItem"]
    assert item == {"onHand": 50, "reserved": 3, "available": 47}


def test_an_order_goes_from_shelf_to_door_through_mutations(shop_api: Api) -> None:
    number = shop_api.place_order(number="PS-LIFE")["number"]
    steps = [
        ("warehouse", None, 'pickOrder(input: {number: "PS-LIFE"})', "PICKED"),
        ("warehouse", None, 'packOrder(input: {number: "PS-LIFE", packer: "k"})', "PACKED"),
        ("warehouse", None, 'handOrderToCourier(input: {number: "PS-LIFE", courierId: "C-1"})', "HANDED_TO_COURIER"),
        ("courier", "C-1", 'sendOrderOutForDelivery(input: {number: "PS-LIFE"})', "OUT_FOR_DELIVERY"),
        ("courier", "C-1", 'deliverOrder(input: {number: "PS-LIFE", proofKind: PHOTO, proof: "img-1"})', "DELIVERED"),
    ]
    position = 0
    for role, subject, call, status in steps:
        result = shop_api.data(f"mutation {{ step: {call} {{ number status position }} }}", role=role, subject=subject)
        assert result["step"]["status"] == status
        assert result["step"]["position"] > position
        position = result["step"]["position"]
    order = shop_api.data(ORDER, {"number": number, "atLeast": position})["order"]
    assert order["status"] == "DELIVERED"
    assert order["courierId"] == "C-1"
    assert [entry["status"] for entry in order["timeline"]][-1] == "DELIVERED"


def test_repeating_a_mutation_with_its_idempotency_key_answers_the_same_and_records_nothing(shop_api: Api) -> None:
    variables = {"input": shop_api.order_input(requireDeliveryCode=True), "key": "checkout-42"}
    first = shop_api.data(PLACE_ORDER, variables, role="dispatcher")["placeOrder"]
    head = shop_api.settle()
    again = shop_api.data(PLACE_ORDER, variables, role="dispatcher")["placeOrder"]
    assert shop_api.settle() == head
    assert first["repeated"] is False and again["repeated"] is True
    assert {k: v for k, v in again.items() if k != "repeated"} == {k: v for k, v in first.items() if k != "repeated"}


def test_one_customers_idempotency_key_never_replays_another_customers_order(shop_api: Api) -> None:
    mine = shop_api.data(
        PLACE_ORDER, {"input": shop_api.order_input(None), "key": "k"}, role="customer", subject="CUST-1",
    )["placeOrder"]
    theirs = shop_api.data(
        PLACE_ORDER, {"input": shop_api.order_input(None), "key": "k"}, role="customer", subject="CUST-2",
    )["placeOrder"]
    assert theirs["repeated"] is False
    assert theirs["number"] != mine["number"]


def test_a_key_reused_for_another_command_is_refused(shop_api: Api) -> None:
    shop_api.data(PLACE_ORDER, {"input": shop_api.order_input(number="PS-K"), "key": "k-1"})
    head = shop_api.settle()
    result = shop_api.gql('mutation { pickOrder(input: {number: "PS-K"}, idempotencyKey: "k-1") { status } }')
    assert error_of(result)["extensions"] == {"code": "PRECONDITION_FAILED", "field": "idempotencyKey", "ids": {"key": "k-1"}}
    assert shop_api.settle() == head


def test_the_delivery_code_is_given_to_the_customer_and_demanded_from_the_courier(shop_api: Api) -> None:
    placed = shop_api.data(
        PLACE_ORDER, {"input": shop_api.order_input(None, requireDeliveryCode=True, number="PS-CODE")},
        role="customer", subject="CUST-1",
    )["placeOrder"]
    code = placed["deliveryCode"]
    assert code is not None and len(code) == 6
    for call in ('pickOrder(input: {number: "PS-CODE"})', 'packOrder(input: {number: "PS-CODE"})',
                 'handOrderToCourier(input: {number: "PS-CODE", courierId: "C-1"})'):
        shop_api.data(f"mutation {{ {call} {{ status }} }}", role="warehouse")
    shop_api.data('mutation { sendOrderOutForDelivery(input: {number: "PS-CODE"}) { status } }', role="courier", subject="C-1")

    wrong = shop_api.gql(
        'mutation { deliverOrder(input: {number: "PS-CODE", proofKind: CODE, proof: "000000"}) { status } }',
        role="courier", subject="C-1",
    )
    assert error_of(wrong)["extensions"]["code"] == "PRECONDITION_FAILED"
    assert error_of(wrong)["extensions"]["field"] == "proof"

    # The courier sees the order but not its code.
    seen = shop_api.gql('{ order(number: "PS-CODE") { status deliveryCode } }', role="courier", subject="C-1")
    assert seen["data"]["order"]["status"] == "OUT_FOR_DELIVERY"
    assert seen["data"]["order"]["deliveryCode"] is None
    assert error_of(seen)["extensions"]["code"] == "FORBIDDEN"

    right = shop_api.data(
        f'mutation {{ deliverOrder(input: {{number: "PS-CODE", proofKind: CODE, proof: "{code}"}}) {{ status }} }}',
        role="courier", subject="C-1",
    )
    assert right["deliverOrder"]["status"] == "DELIVERED"


def test_orders_page_with_a_cursor_and_count_every_match(shop_api: Api) -> None:
    for i in range(5):
        position = shop_api.place_order(lines=[("MILK-1L", 1)], number=f"PS-P{i}")["position"]
    query = """
    query($after: String, $p: Int) {
      orders(first: 2, after: $after, atLeast: $p) {
        totalCount pageInfo { endCursor hasNextPage } edges { node { number } } nodes { number }
      }
    }"""
    seen: list[str] = []
    after = None
    while True:
        page = shop_api.data(query, {"after": after, "p": position})["orders"]
        assert page["totalCount"] == 5
        assert [e["node"]["number"] for e in page["edges"]] == [n["number"] for n in page["nodes"]]
        seen += [n["number"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == [f"PS-P{i}" for i in range(5)]


def test_orders_filter_by_status_and_warehouse(shop_api: Api) -> None:
    shop_api.place_order(number="PS-E", lines=[("TEA-250G", 1)])
    shop_api.place_order(number="PS-W", lines=[("PAN-28", 1)])
    head = shop_api.data(STEP, {"number": "PS-W"}, role="warehouse")["pickOrder"]["position"]
    picked = shop_api.data("query($p: Int) { orders(status: PICKED, atLeast: $p) { nodes { number } } }", {"p": head})
    assert [n["number"] for n in picked["orders"]["nodes"]] == ["PS-W"]
    east = shop_api.data("query($p: Int) { orders(warehouse: \"WH-EAST\", atLeast: $p) { nodes { number } } }", {"p": head})
    assert [n["number"] for n in east["orders"]["nodes"]] == ["PS-E"]


def test_a_read_waits_for_its_position_and_says_so_when_the_read_models_stay_behind(make_api: Callable[..., Api]) -> None:
    # An API process without a worker, and no worker anywhere: the read models stand still.
    stalled = make_api(run_worker=False, read_wait_seconds=0.2)
    stock_shop(stalled.application)
    placed = stalled.place_order(number="PS-WAIT")
    error = error_of(stalled.gql(ORDER, {"number": "PS-WAIT", "atLeast": placed["position"]}))
    assert error["extensions"]["code"] == "PRECONDITION_FAILED"
    assert error["extensions"]["field"] == "atLeast"
    assert str(placed["position"]) in error["message"]

    stalled.settle()  # what a `peisong worker` process does; the API sees it in the shared position table
    order = stalled.data(ORDER, {"number": "PS-WAIT", "atLeast": placed["position"]})["order"]
    assert order["status"] == "PLACED"


def test_a_position_beyond_the_log_is_refused_at_once(shop_api: Api) -> None:
    far = shop_api.head() + 1000
    error = error_of(shop_api.gql(ORDER, {"number": "PS-NONE", "atLeast": far}))
    assert error["extensions"]["code"] == "PRECONDITION_FAILED"
    assert "beyond the end of the log" in error["message"]


def test_cancelling_releases_the_reserved_stock(shop_api: Api) -> None:
    shop_api.place_order(number="PS-C", lines=[("RICE-5KG", 5)])
    cancelled = shop_api.data('mutation { cancelOrder(input: {number: "PS-C", reason: "changed mind"}) { status position } }')
    assert cancelled["cancelOrder"]["status"] == "CANCELLED"
    item = shop_api.data(
        'query($p: Int) { stockItem(warehouse: "WH-EAST", sku: "RICE-5KG", atLeast: $p) { reserved available } }',
        {"p": cancelled["cancelOrder"]["position"]},
    )["stockItem"]
    assert item == {"reserved": 0, "available": 50}
    again = shop_api.gql('mutation { cancelOrder(input: {number: "PS-C", reason: "twice"}) { status } }')
    assert code_of(again) == "INVALID_TRANSITION"
