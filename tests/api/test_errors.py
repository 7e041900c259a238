"""Every refusal names its code and the offending field, and a refused command records nothing."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from api.errors import DOMAIN_CODES, INTERNAL_MESSAGE, code_of as code_for
from domain import errors as domain_errors
from tests.api.conftest import PLACE_ORDER, Api, error_of

RECEIVE = """
mutation Receive($input: ReceiveStockInput!) { receiveStock(input: $input) { position lines } }
"""
REGISTER_WAREHOUSE = """
mutation Register($input: RegisterWarehouseInput!) { registerWarehouse(input: $input) { code } }
"""
ADD_PRODUCT = """
mutation Add($input: ProductInput!) { addProduct(input: $input) { sku } }
"""


def order(api: Api, **changes: Any) -> dict[str, Any]:
    fields = api.order_input()
    fields.update(changes)
    return {"input": fields}


def shifted(api: Api, hours: int) -> str:
    return (api.clock.now() + timedelta(hours=hours)).isoformat()


# (what is wrong, document, variables builder, code, field)
REFUSALS = [
    ("zero quantity", PLACE_ORDER, lambda a: order(a, lines=[{"sku": "RICE-5KG", "quantity": 0}]), "BAD_INPUT", "lines.0.quantity"),
    ("unknown SKU", PLACE_ORDER, lambda a: order(a, lines=[{"sku": "CAVIAR", "quantity": 1}]), "BAD_INPUT", "lines.0.sku"),
    ("no lines", PLACE_ORDER, lambda a: order(a, lines=[]), "BAD_INPUT", "lines"),
    ("latitude out of range", PLACE_ORDER, lambda a: order(a, address={"lat": 91, "lon": 121.5}), "BAD_INPUT", "address.lat"),
    ("longitude out of range", PLACE_ORDER, lambda a: order(a, address={"lat": 31, "lon": 181}), "BAD_INPUT", "address.lon"),
    ("window ends before it starts", PLACE_ORDER,
     lambda a: order(a, windowStart=shifted(a, 3), windowEnd=shifted(a, 1)), "BAD_INPUT", "windowEnd"),
    ("window without a timezone", PLACE_ORDER,
     lambda a: order(a, windowStart="2026-11-25T10:00:00", windowEnd="2026-11-25T12:00:00"), "BAD_INPUT", "window"),
    ("oversize order number", PLACE_ORDER, lambda a: order(a, number="N" * 65), "BAD_INPUT", "number"),
    ("named rule without a known warehouse", PLACE_ORDER,
     lambda a: order(a, warehouseRule="NAMED", warehouse="WH-MARS"), "BAD_INPUT", "warehouse"),
    ("unknown customer", PLACE_ORDER, lambda a: order(a, customer="CUST-404"), "NOT_FOUND", "customer"),
    ("more than any warehouse holds", PLACE_ORDER,
     lambda a: order(a, lines=[{"sku": "RICE-5KG", "quantity": 500}]), "OUT_OF_STOCK", "lines"),
    ("an order number already used", PLACE_ORDER, lambda a: order(a, number="PS-TAKEN"), "CONFLICT", "number"),
    ("oversize idempotency key", PLACE_ORDER, lambda a: {**order(a), "key": "k" * 201}, "BAD_INPUT", "idempotencyKey"),
    ("a receipt line of zero", RECEIVE,
     lambda a: {"input": {"lines": [{"warehouse": "WH-EAST", "sku": "RICE-5KG", "quantity": 5},
                                    {"warehouse": "WH-EAST", "sku": "MILK-1L", "quantity": 0}]}},
     "BAD_INPUT", "lines.1.quantity"),
    ("a receipt for an unknown warehouse", RECEIVE,
     lambda a: {"input": {"lines": [{"warehouse": "WH-MARS", "sku": "RICE-5KG", "quantity": 5}]}}, "NOT_FOUND", "warehouse"),
    ("a warehouse registered twice", REGISTER_WAREHOUSE,
     lambda a: {"input": {"code": "WH-EAST", "name": "East again", "lat": 31.2, "lon": 121.5}}, "CONFLICT", "code"),
    ("an opening time that is no time", REGISTER_WAREHOUSE,
     lambda a: {"input": {"code": "WH-N", "name": "North", "lat": 31.3, "lon": 121.4, "opens": "25:99"}}, "BAD_INPUT", "opens"),
    ("a negative price", ADD_PRODUCT,
     lambda a: {"input": {"sku": "X-1", "name": "X", "weightKg": "1", "volumeL": "1", "price": "-3", "category": "c"}},
     "BAD_INPUT", "price"),
    ("an oversize product name", ADD_PRODUCT,
     lambda a: {"input": {"sku": "X-2", "name": "n" * 201, "weightKg": "1", "volumeL": "1", "price": "3", "category": "c"}},
     "BAD_INPUT", "name"),
]


def test_a_refused_command_names_its_code_and_field_and_records_nothing(shop_api: Api, subtests: pytest.Subtests) -> None:
    shop_api.place_order(number="PS-TAKEN")
    before = shop_api.settle()
    for case, document, variables, code, field in REFUSALS:
        with subtests.test(case):
            result = shop_api.gql(document, variables(shop_api))
            error = error_of(result)
            assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field), error
            assert error["message"]
            assert result["data"] is None
            assert shop_api.settle() == before


def test_an_illegal_move_is_an_invalid_transition_and_records_nothing(shop_api: Api) -> None:
    shop_api.place_order(number="PS-T")
    before = shop_api.settle()
    result = shop_api.gql('mutation { deliverOrder(input: {number: "PS-T", proofKind: PHOTO, proof: "p"}) { status } }')
    extensions = error_of(result)["extensions"]
    assert extensions["code"] == "INVALID_TRANSITION"
    assert extensions["field"] == "status"
    assert extensions["ids"] == {"order": "PS-T", "current": "PLACED", "wanted": "DELIVERED"}
    assert shop_api.settle() == before


MALFORMED = [
    ("{ orders(status: SHIPPED) { totalCount } }", "SHIPPED"),
    ("{ order { number } }", "number"),
    ("{ order(number: 7) { number } }", "String"),
    ("mutation { cancelOrder(input: {number: \"PS-1\"}) { status } }", "reason"),
    ("{ orders { nothing } }", "nothing"),
    ("{ orders( }", "Syntax Error"),
]


def test_a_malformed_request_keeps_strawberrys_message_and_is_bad_input(api: Api, subtests: pytest.Subtests) -> None:
    for document, fragment in MALFORMED:
        with subtests.test(document):
            error = error_of(api.gql(document))
            assert error["extensions"]["code"] == "BAD_INPUT"
            assert fragment in error["message"]


def test_a_variable_of_the_wrong_shape_is_bad_input(shop_api: Api) -> None:
    variables = order(shop_api, windowStart="next tuesday")
    error = error_of(shop_api.gql(PLACE_ORDER, variables))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "windowStart" in error["message"]


def test_a_page_size_outside_the_cap_is_bad_input(api: Api) -> None:
    for first in (-1, api.settings.max_page_size + 1):
        error = error_of(api.gql("query($n: Int!) { products(first: $n) { totalCount } }", {"n": first}))
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_INPUT", "first")


def test_a_cursor_not_given_out_by_the_list_is_bad_input(shop_api: Api) -> None:
    error = error_of(shop_api.gql('{ orders(after: "not-a-cursor") { totalCount } }'))
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_INPUT", "after")


def test_an_unexpected_failure_is_masked_as_internal_and_logged_with_its_trace(
    shop_api: Api, caplog: pytest.LogCaptureFixture,
) -> None:
    shop_api.place_order(number="PS-BROKEN")
    shop_api.settle()
    with shop_api.app.state.db.begin() as conn:
        conn.execute(text("DROP TABLE order_lines"))
    with caplog.at_level(logging.ERROR, logger="peisong.api"):
        result = shop_api.gql('{ order(number: "PS-BROKEN") { number lines { sku } } }')
    error = error_of(result)
    assert error["message"] == INTERNAL_MESSAGE
    assert error["extensions"] == {"code": "INTERNAL", "field": None}
    body = str(result).lower()
    for leak in ("select", "order_lines", "sqlite", "psycopg", "traceback", "operationalerror", "programmingerror"):
        assert leak not in body
    logged = [r for r in caplog.records if r.name == "peisong.api"]
    assert logged and logged[0].exc_info is not None
    # The server keeps serving.
    assert shop_api.data('{ product(sku: "RICE-5KG") { name } }')["product"]["name"] == "Rice 5 kg"
    assert shop_api.client.get("/health").status_code == 200


@pytest.mark.parametrize(("error", "code"), [
    (domain_errors.InvalidInput("x"), "BAD_INPUT"),
    (domain_errors.NotFound("x"), "NOT_FOUND"),
    (domain_errors.AlreadyExists("x"), "CONFLICT"),
    (domain_errors.OutOfStock("x"), "OUT_OF_STOCK"),
    (domain_errors.InvalidTransition("x"), "INVALID_TRANSITION"),
    (domain_errors.ConcurrencyConflict("x"), "CONFLICT"),
    (domain_errors.PreconditionFailed("x"), "PRECONDITION_FAILED"),
    (domain_errors.DeliveryCodeMismatch("x"), "PRECONDITION_FAILED"),
])
def test_each_named_domain_error_has_one_code(error: Exception, code: str) -> None:
    assert code_for(error) == code


def test_every_named_domain_error_class_is_mapped() -> None:
    named = {cls for cls in vars(domain_errors).values() if isinstance(cls, type) and issubclass(cls, domain_errors.DomainError)}
    named.discard(domain_errors.DomainError)
    assert named == {kind for kind, _ in DOMAIN_CODES}
