"""A caller may burst, but a sustained flood is answered 429 with Retry-After, and others are not affected."""

from __future__ import annotations

import time
from typing import Callable

from tests.api.conftest import Api

QUERY = {"query": "{ products { totalCount } }"}


def test_past_its_burst_a_caller_gets_429_with_retry_after_and_later_gets_through(make_api: Callable[..., Api]) -> None:
    api = make_api(rate_limit_per_second=1.0, rate_limit_burst=3)
    courier = api.headers("courier", "C-1")
    answers = [api.client.post("/graphql", json=QUERY, headers=courier) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert refused.headers["x-request-id"]

    # The bucket is the courier's, not the token's: a fresh token of theirs is still limited ...
    assert api.client.post("/graphql", json=QUERY, headers=api.headers("courier", "C-1")).status_code == 429
    # ... while another caller, and the health check, are not.
    assert api.client.post("/graphql", json=QUERY, headers=api.headers("courier", "C-2")).status_code == 200
    assert api.client.get("/health").status_code == 200

    time.sleep(float(refused.headers["retry-after"]))
    assert api.client.post("/graphql", json=QUERY, headers=courier).status_code == 200


def test_tokens_that_name_no_one_each_have_their_own_bucket_and_anonymous_callers_share_their_address(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(rate_limit_per_second=0.5, rate_limit_burst=1)
    first, second = api.headers("admin"), api.headers("admin")
    assert api.client.post("/graphql", json=QUERY, headers=first).status_code == 200
    assert api.client.post("/graphql", json=QUERY, headers=first).status_code == 429
    assert api.client.post("/graphql", json=QUERY, headers=second).status_code == 200
    assert api.client.post("/graphql", json=QUERY).status_code == 200  # answered UNAUTHENTICATED, but answered
    forged = {"Authorization": "Bearer not-a-token"}
    assert api.client.post("/graphql", json=QUERY, headers=forged).status_code == 429


def test_a_limit_of_zero_turns_limiting_off(make_api: Callable[..., Api]) -> None:
    api = make_api(rate_limit_per_second=0, rate_limit_burst=1)
    headers = api.headers("courier", "C-1")
    assert {api.client.post("/graphql", json=QUERY, headers=headers).status_code for _ in range(5)} == {200}
