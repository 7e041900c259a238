"""Every event names who recorded it, through which command, and the request (and event) that caused it."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import PLACE_ORDER, Api

HISTORY_FIELDS = "version type actor command correlationId causationId timestamp"


def place(api: Api, request_id: str | None, **order: Any) -> tuple[dict[str, Any], str]:
    headers = api.headers("dispatcher") | ({"X-Request-Id": request_id} if request_id is not None else {})
    response = api.client.post("/graphql", json={"query": PLACE_ORDER, "variables": {"input": api.order_input(**order)}},
                               headers=headers)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return response.json()["data"]["placeOrder"], response.headers["x-request-id"]


def stock_history(api: Api, warehouse: str, sku: str) -> list[dict[str, Any]]:
    query = f'{{ stockHistory(warehouse: "{warehouse}", sku: "{sku}", first: 500) {{ {HISTORY_FIELDS} }} }}'
    return api.data(query, role="auditor")["stockHistory"]


def test_an_order_and_its_reservations_name_the_caller_the_command_and_the_request(shop_api: Api) -> None:
    _, echoed = place(shop_api, "till-7:req-42", number="PS-AUDIT", lines=[("RICE-5KG", 2)])
    assert echoed == "till-7:req-42"
    history = shop_api.data(f'{{ orderHistory(number: "PS-AUDIT") {{ {HISTORY_FIELDS} }} }}', role="auditor")
    assert [(e["type"], e["actor"], e["command"], e["correlationId"], e["causationId"])
            for e in history["orderHistory"]] == [("OrderPlaced", "dispatcher", "placeOrder", "till-7:req-42", None)]
    reserved = [e for e in stock_history(shop_api, "WH-EAST", "RICE-5KG") if e["correlationId"] == "till-7:req-42"]
    assert [(e["type"], e["actor"], e["command"]) for e in reserved] == [("StockReserved", "dispatcher", "placeOrder")]


def test_a_caller_speaking_for_one_party_is_named_with_it(shop_api: Api) -> None:
    shop_api.place_order(None, role="customer", subject="CUST-1", number="PS-MINE")
    history = shop_api.data('{ orderHistory(number: "PS-MINE") { actor } }', role="admin")["orderHistory"]
    assert history == [{"actor": "customer:CUST-1"}]


def test_a_request_without_a_usable_id_gets_one_and_is_told_it(shop_api: Api) -> None:
    _, generated = place(shop_api, None, number="PS-GIVEN")
    _, replaced = place(shop_api, "no spaces or\nnewlines allowed", number="PS-REPLACED")
    for number, request_id in (("PS-GIVEN", generated), ("PS-REPLACED", replaced)):
        assert len(request_id) == 32 and int(request_id, 16) >= 0
        history = shop_api.data(f'{{ orderHistory(number: "{number}") {{ correlationId }} }}', role="auditor")
        assert history["orderHistory"] == [{"correlationId": request_id}]


def test_a_policys_reaction_names_the_policy_the_event_that_caused_it_and_the_original_request(shop_api: Api) -> None:
    place(shop_api, "req-low-milk", lines=[("MILK-1L", 25)], warehouseRule="NAMED", warehouse="WH-EAST")
    shop_api.settle()
    milk = stock_history(shop_api, "WH-EAST", "MILK-1L")
    detected = next(e for e in milk if e["type"] == "LowStockDetected" and e["correlationId"] == "req-low-milk")
    reaction = next(e for e in milk if e["type"] == "ReplenishmentRequested" and e["correlationId"] == "req-low-milk")
    assert detected["actor"] == "dispatcher"
    assert reaction["actor"] == "system:replenish-low-stock"
    assert reaction["command"] == "requestReplenishment"
    aggregate_id = shop_api.data('{ stockHistory(warehouse: "WH-EAST", sku: "MILK-1L", first: 1) { aggregateId } }',
                                 role="auditor")["stockHistory"][0]["aggregateId"]
    assert reaction["causationId"] == f"{aggregate_id}:{detected['version']}"


def test_the_request_id_comes_back_on_refusals_too(shop_api: Api) -> None:
    response = shop_api.client.post("/graphql", json={"query": "{ products { totalCount } }"},
                                     headers={"X-Request-Id": "anon-1"})
    assert response.headers["x-request-id"] == "anon-1"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
