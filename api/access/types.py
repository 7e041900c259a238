"""Inputs and receipts of the token revocations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.recorded import Recorded


@strawberry.input
class RevokeTokenInput:
    jti: str = strawberry.field(description="The token's id (its `jti` claim).")
    reason: str = ""


@strawberry.input
class RevokeTokensOfInput:
    subject: str = strawberry.field(
        description="Whose tokens: a courier id, a customer reference, an order number (tracking links), "
        "or the subject an admin named when issuing a token."
    )
    reason: str = ""


@strawberry.type
class TokenRevocationPayload(Recorded):
    jti: str
    newly_revoked: bool = strawberry.field(description="False when the token was already revoked.")


@strawberry.type
class SubjectRevocationPayload(Recorded):
    subject: str
    issued_up_to: datetime = strawberry.field(
        description="Every token of the subject issued up to this moment (wall clock) is refused; newer ones work."
    )
