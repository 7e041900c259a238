"""Who may do what: the role x operation matrix read back from the schema, and each caller's own records."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from api.auth import ROLES, TRACKING, issue_token, issue_tracking_token
from api.permissions import OPERATION_ROLES
from tests.api.conftest import ANONYMOUS, ORDER, PLACE_ORDER, START_ISO, Api, code_of, error_of

INTROSPECT = """
query {
  __schema {
    queryType { fields { ...operation } }
    mutationType { fields { ...operation } }
    subscriptionType { fields { ...operation } }
    types { name kind inputFields { name defaultValue type { ...ref } } enumValues { name } }
  }
}
fragment operation on __Field { name description args { name defaultValue type { ...ref } } }
fragment ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""

# Every caller signs in with the same subject, and every String placeholder is that subject:
# a customer or courier then always acts for themselves, and only the role decides.
SUBJECT = "X"
PLACEHOLDERS = {"String": SUBJECT, "Int": 1, "Float": 1.0, "Boolean": False, "DateTime": START_ISO,
                "Decimal": "1", "JSON": {}}
# Revoking the tokens of the subject every caller signs in with would sign them all out mid-test.
OTHERWISE = {"revokeTokensOf": {"input": {"subject": "NOT-A-CALLER", "reason": ""}}}


def roles_from(description: str) -> set[str]:
    match = re.search(r"Roles: ([a-z, ]+)\.$", description or "")
    assert match, f"no Roles line in {description!r}"
    return set(match.group(1).split(", "))


class Placeholders:
    """Some value for every required argument, built from the introspected types."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.types = {t["name"]: t for t in schema["types"]}

    def value(self, ref: dict[str, Any]) -> Any:
        if ref["kind"] == "NON_NULL":
            return self.value(ref["ofType"])
        if ref["kind"] == "LIST":
            return [self.value(ref["ofType"])]
        named = self.types[ref["name"]]
        if named["kind"] == "ENUM":
            return named["enumValues"][0]["name"]
        if named["kind"] == "INPUT_OBJECT":
            return {f["name"]: self.value(f["type"]) for f in named["inputFields"]
                    if f["type"]["kind"] == "NON_NULL" and f["defaultValue"] is None}
        return PLACEHOLDERS[named["name"]]


def type_text(ref: dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return type_text(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return f"[{type_text(ref['ofType'])}]"
    return ref["name"]


def call(keyword: str, field: dict[str, Any], placeholders: Placeholders) -> tuple[str, dict[str, Any]]:
    required = [a for a in field["args"] if a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None]
    declared = ", ".join(f"${a['name']}: {type_text(a['type'])}" for a in required)
    passed = ", ".join(f"{a['name']}: ${a['name']}" for a in required)
    document = f"{keyword}{f'({declared})' if declared else ''} {{ {field['name']}{f'({passed})' if passed else ''} {{ __typename }} }}"
    return document, {a["name"]: placeholders.value(a["type"]) for a in required} | OTHERWISE.get(field["name"], {})


@pytest.fixture
def schema(api: Api) -> dict[str, Any]:
    return api.data(INTROSPECT, role=ANONYMOUS)["__schema"]


def test_the_schema_lists_exactly_the_operations_of_the_roles_table(schema: dict[str, Any]) -> None:
    published = {
        f["name"]: roles_from(f["description"])
        for kind in ("queryType", "mutationType", "subscriptionType") for f in schema[kind]["fields"]
    }
    assert published == {name: set(roles) for name, roles in OPERATION_ROLES.items()}


def test_every_query_and_mutation_refuses_exactly_the_roles_the_schema_does_not_list(
    shop_api: Api, schema: dict[str, Any],
) -> None:
    placeholders = Placeholders(schema)
    callers = [*ROLES, TRACKING]
    refused: dict[tuple[str, str], str] = {}
    for keyword, kind in (("query", "queryType"), ("mutation", "mutationType")):
        for field in schema[kind]["fields"]:
            allowed = roles_from(field["description"])
            document, variables = call(keyword, field, placeholders)
            before = shop_api.settle()
            anonymous = shop_api.gql(document, variables, role=ANONYMOUS)
            assert code_of(anonymous) == "UNAUTHENTICATED", (field["name"], anonymous)
            assert shop_api.settle() == before, (field["name"], "an anonymous call recorded something")
            for role in callers:
                token = issue_tracking_token(shop_api.settings, SUBJECT) if role == TRACKING else shop_api.token(role, SUBJECT)
                result = shop_api.gql(document, variables, token=token)
                codes = {e["extensions"]["code"] for e in result.get("errors") or ()}
                if role in allowed:
                    assert not codes & {"FORBIDDEN", "UNAUTHENTICATED", "INTERNAL"}, (field["name"], role, result)
                else:
                    refused[(field["name"], role)] = codes.pop() if len(codes) == 1 else str(codes)
                    if keyword == "mutation":
                        assert shop_api.settle() == before, (field["name"], role, "a refused call recorded something")
                before = shop_api.settle()
    assert set(refused.values()) == {"FORBIDDEN"}
    checked = {f["name"] for kind in ("queryType", "mutationType") for f in schema[kind]["fields"]}
    expected = {(op, role) for op, roles in OPERATION_ROLES.items() for role in callers
                if role not in roles and op in checked}
    assert set(refused) == expected


def test_an_integrator_reads_only_the_change_feeds_and_its_webhooks(schema: dict[str, Any]) -> None:
    readable = {
        f["name"] for kind in ("queryType", "subscriptionType") for f in schema[kind]["fields"]
        if "integrator" in roles_from(f["description"])
    }
    feeds = {"events", "projectionLag"}
    assert readable - feeds == {name for name in readable if "ebhook" in name}
    assert feeds <= readable


def test_every_subscription_refuses_the_roles_it_does_not_list(shop_api: Api, schema: dict[str, Any]) -> None:
    placeholders = Placeholders(schema)
    for field in schema["subscriptionType"]["fields"]:
        allowed = roles_from(field["description"])
        document, variables = call("subscription", field, placeholders)
        for role in [*ROLES, TRACKING]:
            token = issue_tracking_token(shop_api.settings, SUBJECT) if role == TRACKING else shop_api.token(role, SUBJECT)
            with shop_api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
                ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
                assert ws.receive_json()["type"] == "connection_ack"
                ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": document, "variables": variables}})
                message = ws.receive_json()
            if role in allowed:
                # events streams the shop's history; orderStatus of an unknown order is simply not found.
                assert message["type"] == "next" or message["payload"][0]["extensions"]["code"] == "NOT_FOUND", (field["name"], role, message)
            else:
                assert message["type"] == "error", (field["name"], role, message)
                assert message["payload"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_customer_never_sees_another_customers_order(shop_api: Api) -> None:
    theirs = shop_api.place_order("CUST-2", number="PS-THEIRS")
    mine = shop_api.place_order("CUST-1", number="PS-MINE")
    at = max(theirs["position"], mine["position"])
    as_me = {"role": "customer", "subject": "CUST-1"}

    refused = error_of(shop_api.gql(ORDER, {"number": "PS-THEIRS", "atLeast": at}, **as_me))
    missing = error_of(shop_api.gql(ORDER, {"number": "PS-NOWHERE", "atLeast": at}, **as_me))
    assert refused["extensions"]["code"] == missing["extensions"]["code"] == "NOT_FOUND"
    assert refused["message"].replace("PS-THEIRS", "?") == missing["message"].replace("PS-NOWHERE", "?")

    listed = shop_api.data("query($p: Int) { orders(atLeast: $p) { totalCount nodes { number } } }", {"p": at}, **as_me)
    assert listed["orders"]["totalCount"] == 1
    assert [n["number"] for n in listed["orders"]["nodes"]] == ["PS-MINE"]
    assert code_of(shop_api.gql('{ orders(customer: "CUST-2") { totalCount } }', **as_me)) == "FORBIDDEN"
    assert code_of(shop_api.gql('{ orderTracking(number: "PS-THEIRS") { status } }', **as_me)) == "NOT_FOUND"
    assert code_of(shop_api.gql('{ customer(reference: "CUST-2") { name } }', **as_me)) == "NOT_FOUND"
    assert shop_api.data('{ customer(reference: "CUST-1") { name } }', **as_me)["customer"]["name"] == "Li Wei"


def test_a_customer_orders_and_cancels_only_for_themselves(shop_api: Api) -> None:
    as_me = {"role": "customer", "subject": "CUST-1"}
    before = shop_api.settle()
    for_someone_else = shop_api.gql(PLACE_ORDER, {"input": shop_api.order_input("CUST-2")}, **as_me)
    assert (error_of(for_someone_else)["extensions"]["code"], error_of(for_someone_else)["extensions"]["field"]) == ("FORBIDDEN", "customer")
    assert shop_api.settle() == before

    shop_api.place_order("CUST-2", number="PS-THEIRS")
    before = shop_api.settle()
    cancel = 'mutation($n: String!) { cancelOrder(input: {number: $n, reason: "no"}) { status } }'
    assert code_of(shop_api.gql(cancel, {"n": "PS-THEIRS"}, **as_me)) == "NOT_FOUND"
    assert shop_api.settle() == before

    mine = shop_api.data(PLACE_ORDER, {"input": shop_api.order_input(None, number="PS-MINE")}, **as_me)["placeOrder"]
    assert mine["number"] == "PS-MINE"
    assert shop_api.data(cancel, {"n": "PS-MINE"}, **as_me)["cancelOrder"]["status"] == "CANCELLED"


def test_a_courier_sees_and_moves_only_the_orders_handed_to_them(shop_api: Api) -> None:
    for number, courier in (("PS-ONE", "C-1"), ("PS-TWO", "C-2")):
        shop_api.place_order(number=number)
        for step in (f'pickOrder(input: {{number: "{number}"}})', f'packOrder(input: {{number: "{number}"}})',
                     f'handOrderToCourier(input: {{number: "{number}", courierId: "{courier}"}})'):
            shop_api.data(f"mutation {{ {step} {{ status }} }}", role="warehouse")
    shop_api.place_order(number="PS-WAITING")
    at = shop_api.settle()
    as_c1 = {"role": "courier", "subject": "C-1"}

    assert shop_api.data(ORDER, {"number": "PS-ONE", "atLeast": at}, **as_c1)["order"]["courierId"] == "C-1"
    for other in ("PS-TWO", "PS-WAITING"):
        assert code_of(shop_api.gql(ORDER, {"number": other, "atLeast": at}, **as_c1)) == "NOT_FOUND"
    out = 'mutation($n: String!) { sendOrderOutForDelivery(input: {number: $n}) { status } }'
    assert code_of(shop_api.gql(out, {"n": "PS-TWO"}, **as_c1)) == "NOT_FOUND"
    assert shop_api.settle() == at
    assert shop_api.data(out, {"n": "PS-ONE"}, **as_c1)["sendOrderOutForDelivery"]["status"] == "OUT_FOR_DELIVERY"


def test_an_auditor_reads_everything_and_changes_nothing(shop_api: Api) -> None:
    placed = shop_api.place_order(number="PS-AUDIT")
    before = shop_api.settle()
    as_auditor = {"role": "auditor"}
    assert code_of(shop_api.gql('mutation { cancelOrder(input: {number: "PS-AUDIT", reason: "x"}) { status } }', **as_auditor)) == "FORBIDDEN"
    assert code_of(shop_api.gql('mutation { discontinueProduct(input: {sku: "RICE-5KG"}) { sku } }', **as_auditor)) == "FORBIDDEN"
    assert shop_api.settle() == before
    history = shop_api.data('{ orderHistory(number: "PS-AUDIT") { type position } }', **as_auditor)["orderHistory"]
    assert [e["type"] for e in history] == ["OrderPlaced"]
    assert history[0]["position"] <= placed["position"]
    assert shop_api.data(ORDER, {"number": "PS-AUDIT", "atLeast": placed["position"]}, **as_auditor)["order"]["status"] == "PLACED"


def test_a_tracking_link_opens_its_own_order_and_nothing_else(shop_api: Api) -> None:
    shop_api.place_order(number="PS-TRACK")
    shop_api.place_order(number="PS-OTHER")
    at = shop_api.settle()
    link = issue_tracking_token(shop_api.settings, "PS-TRACK")
    tracking = shop_api.data(
        "query($p: Int) { orderTracking(number: \"PS-TRACK\", atLeast: $p) { number status windowStart windowEnd courierId timeline { status at } } }",
        {"p": at}, token=link,
    )["orderTracking"]
    assert tracking["number"] == "PS-TRACK"
    assert tracking["status"] == "PLACED"
    assert [step["status"] for step in tracking["timeline"]] == ["PLACED"]
    assert code_of(shop_api.gql('{ orderTracking(number: "PS-OTHER") { status } }', token=link)) == "NOT_FOUND"
    assert code_of(shop_api.gql('{ order(number: "PS-TRACK") { status } }', token=link)) == "FORBIDDEN"
    assert code_of(shop_api.gql('{ products { totalCount } }', token=link)) == "FORBIDDEN"


def test_without_a_valid_token_every_operation_is_unauthenticated(api: Api) -> None:
    for authorization in (None, "Bearer not-a-token", "Basic YWRtaW46YWRtaW4=", "Bearer "):
        headers = {"Authorization": authorization} if authorization is not None else {}
        response = api.client.post("/graphql", json={"query": '{ products { totalCount } }'}, headers=headers)
        assert response.status_code == 200
        assert code_of(response.json()) == "UNAUTHENTICATED", authorization


def test_an_expired_or_foreign_token_is_unauthenticated(api: Api) -> None:
    expired = issue_token(api.settings, "admin", ttl=-1)
    foreign = issue_token(replace(api.settings, secret_key="another-shop"), "admin")
    for token in (expired, foreign):
        error = error_of(api.gql('{ products { totalCount } }', token=token))
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in error_of(api.gql('{ products { totalCount } }', token=expired))["message"]
