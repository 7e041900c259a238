"""Who is calling: signed, expiring bearer tokens (JWT, HS256) and the principal they name."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Mapping

import jwt

from domain.audit import principal_actor
from domain.settings import Settings

ADMIN = "admin"
DISPATCHER = "dispatcher"
WAREHOUSE = "warehouse"
COURIER = "courier"
CUSTOMER = "customer"
AUDITOR = "auditor"
INTEGRATOR = "integrator"
ROLES = (ADMIN, DISPATCHER, WAREHOUSE, COURIER, CUSTOMER, AUDITOR, INTEGRATOR)

# Roles whose token speaks for one party: the subject is that party's own id.
SUBJECT_ROLES = (COURIER, CUSTOMER)

# A tracking link is not a role anyone logs in as: it is the scope of one order's token.
TRACKING = "tracking"

ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The bearer token is missing its signature, expired, or names no known role."""


@dataclass(frozen=True)
class Principal:
    role: str
    subject: str | None = None
    # Which token said so (its `jti`) and when it was issued (`iat`, Unix seconds): what
    # revocation and rate limiting key on. Not part of who the caller is, so not compared.
    token_id: str | None = field(default=None, compare=False)
    issued_at: int | None = field(default=None, compare=False)

    @property
    def actor(self) -> str:
        """How the audit trail names this caller, e.g. `dispatcher` or `customer:CUST-0001`."""
        return principal_actor(self.role, self.subject)


def signing_key(settings: Settings) -> bytes:
    """A key derived for tokens alone, so it never equals the key behind delivery codes."""
    if not settings.secret_key:
        raise ValueError("settings.secret_key is empty: tokens cannot be signed")
    return hashlib.sha256(b"peisong-tokens:" + settings.secret_key.encode()).digest()


def issue_token(settings: Settings, role: str, subject: str | None = None, ttl: float | None = None) -> str:
    """A bearer token for `role`; `ttl` in hours defaults to settings.token_ttl_hours."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if role in SUBJECT_ROLES and not subject:
        raise ValueError(f"a {role} token must name its subject")
    claims: dict[str, object] = {"role": role}
    if subject:
        claims["sub"] = subject
    return _sign(settings, claims, settings.token_ttl_hours if ttl is None else ttl)


def issue_tracking_token(settings: Settings, order_number: str, ttl: float | None = None) -> str:
    """A link token that reads one order's tracking view and nothing else."""
    if not order_number:
        raise ValueError("a tracking token must name its order")
    claims = {"scope": TRACKING, "sub": order_number}
    return _sign(settings, claims, settings.tracking_token_ttl_hours if ttl is None else ttl)


def read_token(settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token, signing_key(settings), algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("the token has expired") from None
    except jwt.InvalidTokenError:
        raise InvalidToken("the token is not valid") from None
    subject = claims.get("sub")
    if subject is not None and not isinstance(subject, str):
        raise InvalidToken("the token's subject is not valid")
    token_id, issued_at = claims["jti"], claims["iat"]
    if not isinstance(token_id, str) or isinstance(issued_at, bool) or not isinstance(issued_at, (int, float)):
        raise InvalidToken("the token is not valid")
    if claims.get("scope") == TRACKING:
        if not subject:
            raise InvalidToken("a tracking token must name its order")
        return Principal(TRACKING, subject, token_id, int(issued_at))
    role = claims.get("role")
    if role not in ROLES:
        raise InvalidToken("the token names no known role")
    if role in SUBJECT_ROLES and not subject:
        raise InvalidToken(f"a {role} token must name its subject")
    return Principal(str(role), subject, token_id, int(issued_at))


def bearer(value: object) -> str | None:
    """The token in an `Authorization: Bearer …` value, or None when there is none."""
    if not isinstance(value, str) or not value.strip():
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("authorization must be 'Bearer <token>'")
    return token.strip()


def authorization_of(headers: Mapping[str, str], connection_params: Mapping[str, object] | None) -> str | None:
    """Websocket clients send the token in connection_init; HTTP clients in the header."""
    if connection_params:
        for key in ("authorization", "Authorization"):
            if key in connection_params:
                return bearer(connection_params[key])
    return bearer(headers.get("authorization"))


def _sign(settings: Settings, claims: dict[str, object], ttl_hours: float) -> str:
    now = int(time.time())
    payload = {**claims, "iat": now, "exp": now + int(ttl_hours * 3600), "jti": uuid.uuid4().hex}
    return jwt.encode(payload, signing_key(settings), algorithm=ALGORITHM)
