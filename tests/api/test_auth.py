"""Bearer tokens: signed with the shop's key, expiring, naming one role (and for some, one party)."""

from __future__ import annotations

from dataclasses import replace

import jwt
import pytest

from api.auth import (
    ROLES,
    TRACKING,
    InvalidToken,
    Principal,
    bearer,
    issue_token,
    issue_tracking_token,
    read_token,
    signing_key,
)
from domain.settings import Settings


@pytest.mark.parametrize("role", ROLES)
def test_a_token_reads_back_as_the_role_and_subject_it_was_issued_for(sqlite_settings: Settings, role: str) -> None:
    token = issue_token(sqlite_settings, role, "P-1")
    assert read_token(sqlite_settings, token) == Principal(role, "P-1")


def test_a_token_carries_role_subject_issue_time_expiry_and_its_own_id(sqlite_settings: Settings) -> None:
    claims = jwt.decode(issue_token(sqlite_settings, "courier", "C-1", ttl=2), signing_key(sqlite_settings), algorithms=["HS256"])
    assert claims["role"] == "courier" and claims["sub"] == "C-1"
    assert claims["exp"] - claims["iat"] == 2 * 3600
    assert claims["jti"] != jwt.decode(issue_token(sqlite_settings, "courier", "C-1"), signing_key(sqlite_settings),
                                       algorithms=["HS256"])["jti"]


def test_customer_and_courier_tokens_must_name_their_party(sqlite_settings: Settings) -> None:
    for role in ("customer", "courier"):
        with pytest.raises(ValueError):
            issue_token(sqlite_settings, role)
    with pytest.raises(ValueError):
        issue_token(sqlite_settings, "superuser")


def test_a_tampered_expired_or_foreign_token_is_refused(sqlite_settings: Settings) -> None:
    token = issue_token(sqlite_settings, "auditor")
    head, payload, signature = token.split(".")
    forged = jwt.encode({"role": "admin", "iat": 0, "exp": 2**40, "jti": "x"}, "a-guessed-key-of-thirty-two-bytes!", algorithm="HS256")
    for bad in (f"{head}.{payload}.{signature[::-1]}", forged, issue_token(sqlite_settings, "admin", ttl=-1),
                issue_token(replace(sqlite_settings, secret_key="other"), "admin")):
        with pytest.raises(InvalidToken):
            read_token(sqlite_settings, bad)


def test_an_unsigned_token_is_refused(sqlite_settings: Settings) -> None:
    unsigned = jwt.encode({"role": "admin", "iat": 0, "exp": 2**40, "jti": "x"}, None, algorithm="none")
    with pytest.raises(InvalidToken):
        read_token(sqlite_settings, unsigned)


def test_a_tracking_token_names_its_order_and_expires_after_the_tracking_ttl(sqlite_settings: Settings) -> None:
    token = issue_tracking_token(sqlite_settings, "PS-1")
    assert read_token(sqlite_settings, token) == Principal(TRACKING, "PS-1")
    claims = jwt.decode(token, signing_key(sqlite_settings), algorithms=["HS256"])
    assert claims["scope"] == "tracking" and "role" not in claims
    assert claims["exp"] - claims["iat"] == sqlite_settings.tracking_token_ttl_hours * 3600


def test_the_header_must_say_bearer() -> None:
    assert bearer(None) is None and bearer("") is None
    assert bearer("Bearer abc") == "abc" and bearer("bearer  abc ") == "abc"
    with pytest.raises(InvalidToken):
        bearer("Basic abc")
