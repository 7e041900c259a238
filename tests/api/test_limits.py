"""One request cannot tie up the server: depth, size, aliases and body length are capped with clear errors."""

from __future__ import annotations

from typing import Callable

from api.extensions import MAX_ALIASES
from tests.api.conftest import Api, error_of


def test_an_over_deep_query_is_refused_with_a_clear_error_and_the_server_stays_up(
    shop_api: Api, make_api: Callable[..., Api],
) -> None:
    query = "{ orders { nodes { lines { sku } } } }"  # depth 3: orders(0) nodes(1) lines(2) sku(3)
    assert "errors" not in shop_api.gql(query)
    strict = make_api(max_query_depth=2)
    before = strict.settle()
    error = error_of(strict.gql(query))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert error["message"] == "'anonymous' exceeds maximum operation depth of 2"
    assert strict.settle() == before
    assert strict.client.get("/health").status_code == 200
    assert strict.data('{ product(sku: "MILK-1L") { sku } }')["product"]["sku"] == "MILK-1L"


def test_a_query_with_too_many_tokens_is_refused_before_parsing_ends(shop_api: Api) -> None:
    fields = " ".join(["sku"] * shop_api.settings.max_query_tokens)
    error = error_of(shop_api.gql(f"{{ products {{ nodes {{ {fields} }} }} }}"))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "tokens" in error["message"]


def test_a_query_with_too_many_aliases_is_refused(shop_api: Api) -> None:
    aliases = " ".join(f"p{i}: product(sku: \"MILK-1L\") {{ sku }}" for i in range(MAX_ALIASES + 1))
    error = error_of(shop_api.gql(f"{{ {aliases} }}"))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "aliases" in error["message"]


def test_a_request_body_over_one_mebibyte_is_refused_with_413(shop_api: Api) -> None:
    before = shop_api.settle()
    padding = "x" * (1024 * 1024)
    response = shop_api.client.post(
        "/graphql", json={"query": "{ __typename }", "variables": {"pad": padding}}, headers=shop_api.headers(),
    )
    assert response.status_code == 413
    assert shop_api.settle() == before
    assert shop_api.client.get("/health").status_code == 200


def test_a_streamed_body_over_the_cap_is_refused_too(shop_api: Api) -> None:
    def chunks():  # no Content-Length: the body arrives in pieces
        for _ in range(20):
            yield b"x" * 65536

    response = shop_api.client.post(
        "/graphql", content=chunks(), headers={**shop_api.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
