"""Every read query answers from the projections, at the position a mutation returned."""

from __future__ import annotations

from datetime import timedelta

from domain.stock import StockItem
from tests.api.conftest import Api, code_of


def test_a_product_added_through_the_api_reads_back_in_the_catalogue(api: Api) -> None:
    added = api.data(
        'mutation { addProduct(input: {sku: "SOY-1L", name: "Soy sauce", weightKg: "1.1", volumeL: "1", '
        'price: "15.5", category: "pantry"}) { sku position repeated } }'
    )["addProduct"]
    assert added["sku"] == "SOY-1L" and added["repeated"] is False
    product = api.data(
        "query($p: Int) { product(sku: \"SOY-1L\", atLeast: $p) { sku name weightKg volumeL price category discontinued } }",
        {"p": added["position"]},
    )["product"]
    assert product == {"sku": "SOY-1L", "name": "Soy sauce", "weightKg": "1.100", "volumeL": "1.000",
                       "price": "15.50", "category": "pantry", "discontinued": False}
    updated = api.data(
        'mutation { updateProduct(input: {sku: "SOY-1L", name: "Light soy", weightKg: "1.1", volumeL: "1", '
        'price: "16", category: "pantry"}) { position } }'
    )["updateProduct"]
    gone = api.data('mutation { discontinueProduct(input: {sku: "SOY-1L"}) { position } }')["discontinueProduct"]
    assert gone["position"] > updated["position"]
    product = api.data("query($p: Int) { product(sku: \"SOY-1L\", atLeast: $p) { name discontinued price } }",
                       {"p": gone["position"]})["product"]
    assert product == {"name": "Light soy", "discontinued": True, "price": "16.00"}
    assert code_of(api.gql('{ product(sku: "NOPE") { sku } }')) == "NOT_FOUND"


def test_products_list_by_category_a_page_at_a_time(shop_api: Api) -> None:
    page = shop_api.data('{ products(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { sku } } }')["products"]
    assert page["totalCount"] == 4 and page["pageInfo"]["hasNextPage"] is True
    rest = shop_api.data("query($a: String) { products(first: 2, after: $a) { nodes { sku } pageInfo { hasNextPage } } }",
                         {"a": page["pageInfo"]["endCursor"]})["products"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert len({n["sku"] for n in page["nodes"] + rest["nodes"]}) == 4
    fresh = shop_api.data('{ products(category: "fresh") { nodes { sku } } }')["products"]["nodes"]
    assert fresh == [{"sku": "MILK-1L"}]


def test_warehouses_registered_through_the_api_are_listed(api: Api) -> None:
    registered = api.data(
        'mutation { registerWarehouse(input: {code: "WH-N", name: "North", lat: 31.3, lon: 121.45, '
        'opens: "07:00", closes: "21:00", purchasingContact: "buyer@shop.example"}) { code position } }'
    )["registerWarehouse"]
    interval = api.data(
        'mutation { setStockTakeInterval(input: {warehouse: "WH-N", days: 14}) { code position } }', role="warehouse",
    )["setStockTakeInterval"]
    warehouses = api.data("query($p: Int) { warehouses(atLeast: $p) { code name lat lon opens closes "
                          "stockTakeIntervalDays purchasingContact } }", {"p": interval["position"]})["warehouses"]
    assert registered["code"] == "WH-N"
    assert warehouses == [{"code": "WH-N", "name": "North", "lat": 31.3, "lon": 121.45, "opens": "07:00",
                           "closes": "21:00", "stockTakeIntervalDays": 14, "purchasingContact": "buyer@shop.example"}]


def test_stock_moves_through_receipts_counts_and_adjustments(shop_api: Api) -> None:
    as_warehouse = {"role": "warehouse"}
    received = shop_api.data(
        'mutation { receiveStock(input: {reference: "DN-7", lines: [{warehouse: "WH-EAST", sku: "PAN-28", quantity: 6}, '
        '{warehouse: "WH-WEST", sku: "TEA-250G", quantity: 4}]}) { lines position } }', **as_warehouse,
    )["receiveStock"]
    assert received["lines"] == 2
    counted = shop_api.data(
        'mutation { countStock(input: {warehouse: "WH-EAST", sku: "PAN-28", counted: 5, countedBy: "w1"}) { onHand position } }',
        **as_warehouse,
    )["countStock"]
    assert counted["onHand"] == 5
    adjusted = shop_api.data(
        'mutation { adjustStock(input: {warehouse: "WH-EAST", sku: "PAN-28", delta: -1, reason: "dented"}) { onHand position } }',
        **as_warehouse,
    )["adjustStock"]
    assert adjusted["onHand"] == 4
    item = shop_api.data(
        "query($p: Int) { stockItem(warehouse: \"WH-EAST\", sku: \"PAN-28\", atLeast: $p) "
        "{ onHand reserved available lastCount lastVariance lastCountedAt } }", {"p": adjusted["position"]},
    )["stockItem"]
    assert item["onHand"] == 4 and item["lastCount"] == 5 and item["lastVariance"] == -1
    assert item["lastCountedAt"] is not None
    low = shop_api.data(
        "query($p: Int) { stockItems(maxAvailable: 5, atLeast: $p) { totalCount nodes { warehouse sku available } } }",
        {"p": adjusted["position"]},
    )["stockItems"]
    assert {(n["warehouse"], n["sku"]) for n in low["nodes"]} >= {("WH-EAST", "PAN-28"), ("WH-WEST", "TEA-250G"), ("WH-EAST", "TEA-250G")}
    assert all(n["available"] <= 5 for n in low["nodes"])
    east = shop_api.data('{ stockItems(warehouse: "WH-EAST", sku: "RICE-5KG") { nodes { available } } }')["stockItems"]
    assert east["nodes"] == [{"available": 50}]


def test_low_stock_raises_an_alert_and_a_replenishment_request(shop_api: Api) -> None:
    at = shop_api.settle()  # the replenishment policy has answered the tea's low stock
    alerts = shop_api.data(
        "query($p: Int) { lowStockAlerts(warehouse: \"WH-EAST\", atLeast: $p) { sku available threshold replenishmentRequested purchasingContact } }",
        {"p": at},
    )["lowStockAlerts"]
    tea = next(a for a in alerts if a["sku"] == "TEA-250G")
    assert tea["available"] == 5 and tea["threshold"] == 10
    assert tea["replenishmentRequested"] == 15
    assert tea["purchasingContact"] == "buyer-east@shop.example"
    threshold = shop_api.data(
        'mutation { setReorderThreshold(input: {warehouse: "WH-EAST", sku: "TEA-250G", threshold: 2}) { position } }',
        role="dispatcher",
    )["setReorderThreshold"]
    open_alerts = shop_api.data(
        "query($p: Int) { lowStockAlerts(warehouse: \"WH-EAST\", atLeast: $p) { sku } }", {"p": threshold["position"]},
    )["lowStockAlerts"]
    assert "TEA-250G" not in {a["sku"] for a in open_alerts}
    every = shop_api.data('{ lowStockAlerts(warehouse: "WH-EAST", openOnly: false) { sku clearedAt } }')["lowStockAlerts"]
    assert next(a for a in every if a["sku"] == "TEA-250G")["clearedAt"] is not None


def test_a_count_below_the_reservations_names_the_orders_that_lose_out(shop_api: Api) -> None:
    shop_api.place_order(number="PS-S1", lines=[("PAN-28", 5)])
    shop_api.place_order(number="PS-S2", lines=[("PAN-28", 5)])
    counted = shop_api.data(
        'mutation { countStock(input: {warehouse: "WH-WEST", sku: "PAN-28", counted: 6}) { position } }', role="warehouse",
    )["countStock"]
    shortages = shop_api.data(
        "query($p: Int) { shortages(warehouse: \"WH-WEST\", atLeast: $p) { sku shortfall orders } }", {"p": counted["position"]},
    )["shortages"]
    assert shortages == [{"sku": "PAN-28", "shortfall": 4, "orders": ["PS-S2"]}]


def test_stock_takes_fall_due_by_the_business_clock(shop_api: Api) -> None:
    assert shop_api.data("{ overdueStockCounts { sku } }")["overdueStockCounts"] is not None
    shop_api.clock.advance(timedelta(days=31))
    overdue = shop_api.data("{ overdueStockCounts { warehouse sku dueAt } }")["overdueStockCounts"]
    assert ("WH-EAST", "RICE-5KG") in {(o["warehouse"], o["sku"]) for o in overdue}


def test_customers_register_and_change_through_the_api(api: Api) -> None:
    as_self = {"role": "customer", "subject": "CUST-9"}
    api.data(
        'mutation { registerCustomer(input: {reference: "CUST-9", name: "Wang Fang", phone: "+86 137 0000 0009", '
        'addresses: [{lat: 31.2, lon: 121.4, text: "Xuhui", label: "home"}], language: "en", channels: ["sms", "wechat"]}) '
        '{ reference } }', **as_self,
    )
    api.data('mutation { addCustomerAddress(input: {reference: "CUST-9", address: {lat: 31.25, lon: 121.5, label: "work"}}) { reference } }', **as_self)
    api.data('mutation { changeCustomerContact(input: {reference: "CUST-9", phone: "+86 137 0000 0010", language: "zh-CN", channels: ["wechat"]}) { reference } }', **as_self)
    last = api.data('mutation { setCustomerOptOut(input: {reference: "CUST-9", channel: "sms", optedOut: true}) { position } }', **as_self)
    customer = api.data(
        "query($p: Int) { customer(reference: \"CUST-9\", atLeast: $p) { name phone language channels optedOut addresses { label lat } } }",
        {"p": last["setCustomerOptOut"]["position"]}, **as_self,
    )["customer"]
    assert customer == {"name": "Wang Fang", "phone": "+86 137 0000 0010", "language": "zh-CN", "channels": ["wechat"],
                        "optedOut": ["sms"], "addresses": [{"label": "home", "lat": 31.2}, {"label": "work", "lat": 31.25}]}
    assert code_of(api.gql('mutation { addCustomerAddress(input: {reference: "CUST-1", address: {lat: 1, lon: 1}}) { reference } }', **as_self)) == "FORBIDDEN"
    listed = api.data("{ customers { totalCount nodes { reference } } }", role="dispatcher")["customers"]
    assert listed == {"totalCount": 1, "nodes": [{"reference": "CUST-9"}]}


def test_history_shows_every_event_of_an_aggregate_in_log_order(shop_api: Api) -> None:
    shop_api.place_order(number="PS-H", lines=[("RICE-5KG", 1)])
    shop_api.data('mutation { cancelOrder(input: {number: "PS-H", reason: "test"}) { status } }')
    as_auditor = {"role": "auditor"}
    order_history = shop_api.data('{ orderHistory(number: "PS-H") { type position aggregateType version timestamp aggregateId } }', **as_auditor)["orderHistory"]
    assert [e["type"] for e in order_history] == ["OrderPlaced", "OrderCancelled"]
    assert [e["version"] for e in order_history] == [1, 2]
    assert order_history[0]["position"] < order_history[1]["position"]
    by_id = shop_api.data("query($id: String!) { history(aggregateId: $id) { type } }",
                          {"id": order_history[0]["aggregateId"]}, **as_auditor)["history"]
    assert [e["type"] for e in by_id] == ["OrderPlaced", "OrderCancelled"]
    stock = shop_api.data('{ stockHistory(warehouse: "WH-EAST", sku: "RICE-5KG") { type data aggregateId } }', **as_auditor)["stockHistory"]
    assert [e["type"] for e in stock] == ["StockItemOpened", "StockReceived", "StockReserved", "ReservationReleased"]
    assert stock[0]["aggregateId"] == str(StockItem.create_id("WH-EAST", "RICE-5KG"))
    assert stock[2]["data"] == {"order_id": "PS-H", "quantity": 1}
    assert code_of(shop_api.gql('{ orderHistory(number: "PS-NEVER") { type } }', **as_auditor)) == "NOT_FOUND"
    assert code_of(shop_api.gql('{ history(aggregateId: "not-a-uuid") { type } }', **as_auditor)) == "BAD_INPUT"


def test_projection_lag_and_health_report_the_head_and_each_projection(shop_api: Api) -> None:
    head = shop_api.settle()
    lags = shop_api.data("{ projectionLag { name position head lag } }", role="integrator")["projectionLag"]
    assert {"orders", "stock", "alerts", "catalogue"} <= {lag["name"] for lag in lags}
    assert all(lag["head"] == head and lag["lag"] == 0 for lag in lags)
    health = shop_api.client.get("/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["head"] == head and body["lag"] == 0
    assert {p["name"] for p in body["projections"]} == {lag["name"] for lag in lags}
