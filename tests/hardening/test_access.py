"""Tokens expire by themselves and can be revoked sooner: one token, or every token of a subject."""

from __future__ import annotations

import time
from typing import Any, Callable

from api.auth import issue_token, issue_tracking_token, read_token
from tests.api.conftest import Api, code_of, error_of

PRODUCTS = "{ products { totalCount } }"
REVOKE = "mutation($jti: String!) { revokeToken(input: {jti: $jti, reason: \"phone lost\"}) { position jti newlyRevoked } }"
REVOKE_SUBJECT = "mutation($s: String!) { revokeTokensOf(input: {subject: $s}) { subject issuedUpTo } }"


def jti(api: Api, token: str) -> str:
    return read_token(api.settings, token).token_id  # type: ignore[return-value]


def refused(api: Api, token: str) -> dict[str, Any]:
    return error_of(api.gql(PRODUCTS, token=token))


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, "not within the time allowed"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_revoked_token_is_unauthenticated_at_once_and_other_tokens_still_work(shop_api: Api) -> None:
    lost, other = shop_api.token("courier", "C-1"), shop_api.token("courier", "C-1")
    assert "errors" not in shop_api.gql(PRODUCTS, token=lost)
    receipt = shop_api.data(REVOKE, {"jti": jti(shop_api, lost)})["revokeToken"]
    assert receipt["newlyRevoked"] is True
    error = refused(shop_api, lost)
    assert (error["extensions"]["code"], error["message"]) == ("UNAUTHENTICATED", "the token has been revoked")
    assert "errors" not in shop_api.gql(PRODUCTS, token=other)
    assert shop_api.data(REVOKE, {"jti": jti(shop_api, lost)})["revokeToken"]["newlyRevoked"] is False


def test_revoking_a_subject_ends_every_token_it_was_issued_so_far_and_none_issued_later(shop_api: Api) -> None:
    tokens = [shop_api.token("customer", "CUST-1"), shop_api.token("customer", "CUST-1"),
              issue_tracking_token(shop_api.settings, "CUST-1")]
    bystander = shop_api.token("customer", "CUST-2")
    shop_api.data(REVOKE_SUBJECT, {"s": "CUST-1"})
    for token in tokens:
        assert refused(shop_api, token)["message"] == "the token has been revoked"
    assert "errors" not in shop_api.gql(PRODUCTS, token=bystander)
    cut_off = int(time.time())
    while int(time.time()) <= cut_off:  # tokens carry whole seconds: the next second's token is a new one
        time.sleep(0.05)
    assert "errors" not in shop_api.gql(PRODUCTS, token=shop_api.token("customer", "CUST-1"))


def test_another_api_process_refuses_a_revoked_token_within_about_a_second(shop_api: Api, make_api: Callable[..., Api]) -> None:
    elsewhere = make_api()
    token = shop_api.token("integrator")
    events = "{ events(first: 1) { endCursor } }"
    assert "errors" not in elsewhere.gql(events, token=token)
    shop_api.data(REVOKE, {"jti": jti(shop_api, token)})
    took = eventually(lambda: "errors" in elsewhere.gql(events, token=token))
    assert code_of(elsewhere.gql(events, token=token)) == "UNAUTHENTICATED"
    assert took < 3.0


def test_a_revocation_is_an_event_in_the_audit_trail(shop_api: Api) -> None:
    token = issue_token(shop_api.settings, "dispatcher")
    shop_api.data(REVOKE, {"jti": jti(shop_api, token)})
    events = shop_api.data('{ events(types: ["TokenRevoked"], first: 5) { nodes { aggregateId data } } }')["events"]
    [revoked] = events["nodes"]
    assert revoked["data"] == {"token_id": jti(shop_api, token), "reason": "phone lost"}
    trail = shop_api.data(f'{{ history(aggregateId: "{revoked["aggregateId"]}") {{ actor command }} }}', role="auditor")
    assert trail["history"] == [{"actor": "admin", "command": "revokeToken"}]


def test_only_an_admin_revokes_and_a_refused_revocation_records_nothing(shop_api: Api) -> None:
    before = shop_api.settle()
    for role in ("dispatcher", "auditor", "integrator"):
        assert code_of(shop_api.gql(REVOKE, {"jti": "abc"}, role=role)) == "FORBIDDEN"
    blank = error_of(shop_api.gql(REVOKE, {"jti": "  "}))
    assert (blank["extensions"]["code"], blank["extensions"]["field"]) == ("BAD_INPUT", "jti")
    assert shop_api.settle() == before


def test_an_expired_token_is_unauthenticated(api: Api) -> None:
    expired = issue_token(api.settings, "admin", ttl=-1)
    assert refused(api, expired)["message"] == "the token has expired"
