"""No query answers an unbounded list: each list takes `first`, capped at the server's page size."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, error_of
from tests.api.test_permissions import INTROSPECT, Placeholders, type_text

RETURNS = "{ __schema { queryType { fields { name type { kind ofType { kind ofType { kind } } } } } } }"

# Lists bounded by what they list, each a handful of rows an admin creates: no paging needed.
BOUNDED = {
    "warehouses": "one per warehouse",
    "projectionLag": "one per projection and policy",
    "vehicleTypes": "one per vehicle type",
    "webhooks": "one per webhook its owner registered",
    "zones": "one per delivery zone",
    "livePositions": "one per courier at work",
}
# Lists that can grow with the business and still lack `first`: their owners are to add it (or show
# the list is bounded and move it above). A new list without `first` fails this test.
NOT_YET_CAPPED = {
    "zoneProposals", "locationAlerts", "caseAnalysis", "pendingPickups", "orderNotifications", "courierRatings",
    "stockForecast", "specialSituations", "supervisorBoard",
}


def returns_a_list(ref: dict[str, Any]) -> bool:
    return ref["kind"] == "LIST" or (ref["kind"] == "NON_NULL" and returns_a_list(ref["ofType"]))


def test_every_list_query_takes_first_and_refuses_more_than_the_cap(shop_api: Api) -> None:
    schema = shop_api.data(INTROSPECT)["__schema"]
    placeholders = Placeholders(schema)
    cap = shop_api.settings.max_page_size
    paged = [f for f in schema["queryType"]["fields"] if any(a["name"] == "first" for a in f["args"])]
    returned = {f["name"]: f["type"] for f in shop_api.data(RETURNS)["__schema"]["queryType"]["fields"]}
    unpaged = {f["name"] for f in schema["queryType"]["fields"] if returns_a_list(returned[f["name"]]) and f not in paged}
    assert unpaged <= set(BOUNDED) | NOT_YET_CAPPED, unpaged - set(BOUNDED) - NOT_YET_CAPPED

    for field in paged:
        required = [a for a in field["args"] if a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None]
        declared = "".join(f", ${a['name']}: {type_text(a['type'])}" for a in required)
        passed = "".join(f", {a['name']}: ${a['name']}" for a in required)
        document = f"query($first: Int!{declared}) {{ {field['name']}(first: $first{passed}) {{ __typename }} }}"
        variables = {"first": cap + 1, **{a["name"]: placeholders.value(a["type"]) for a in required}}
        error = error_of(shop_api.gql(document, variables))
        if required:  # a placeholder for a required argument may be refused first
            assert error["extensions"]["code"] in ("BAD_INPUT", "NOT_FOUND"), (field["name"], error)
            assert error["extensions"]["field"] in {"first", *(a["name"] for a in required)}, (field["name"], error)
        else:
            assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_INPUT", "first"), (field["name"], error)


def test_a_capped_list_returns_at_most_first(shop_api: Api) -> None:
    shop_api.place_order(lines=[("MILK-1L", 25)], warehouseRule="NAMED", warehouse="WH-EAST")
    shop_api.place_order(lines=[("MILK-1L", 35)], warehouseRule="NAMED", warehouse="WH-WEST")
    at = shop_api.settle()
    alerts = shop_api.data("query($p: Int) { lowStockAlerts(atLeast: $p) { sku } }", {"p": at})["lowStockAlerts"]
    assert len(alerts) >= 2
    one = shop_api.data("query($p: Int) { lowStockAlerts(first: 1, atLeast: $p) { sku } }", {"p": at})["lowStockAlerts"]
    assert one == alerts[:1]
