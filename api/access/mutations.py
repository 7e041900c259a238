"""Revoking tokens through the application's commands; the revoking process refuses them at once.

Every other API process refuses them within about `settings.revocation_refresh_seconds`
plus its projection lag (see api/revocation.py).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.access.types import RevokeTokenInput, RevokeTokensOfInput, SubjectRevocationPayload, TokenRevocationPayload
from api.arguments import IdempotencyKey
from api.context import Context
from domain.execution import CommandResult


async def in_force_here(context: Context, result: CommandResult) -> None:
    """Wait (bounded) for the access projection, then re-read the list this process checks against."""
    services = context.services
    await services.runner.await_position(result.position, context.settings.read_wait_seconds)
    await run_in_threadpool(services.revocations.refresh_now)


@strawberry.type
class AccessMutations:
    @strawberry.mutation(description="Refuse one token from now on, whatever its expiry.")
    async def revoke_token(
        self, info: Info[Context, None], input: RevokeTokenInput, idempotency_key: IdempotencyKey = None,
    ) -> TokenRevocationPayload:
        result = await info.context.command("revoke_token", input.jti, input.reason, idempotency_key=idempotency_key)
        await in_force_here(info.context, result)
        return TokenRevocationPayload(
            position=result.position, repeated=result.repeated, jti=result["jti"],
            newly_revoked=result["newly_revoked"],
        )

    @strawberry.mutation(description="Refuse every token of one subject issued up to now; tokens issued later work.")
    async def revoke_tokens_of(
        self, info: Info[Context, None], input: RevokeTokensOfInput, idempotency_key: IdempotencyKey = None,
    ) -> SubjectRevocationPayload:
        # Wall-clock seconds: the clock a token's `iat` was stamped with.
        result = await info.context.command(
            "revoke_tokens_of", input.subject, int(time.time()), input.reason, idempotency_key=idempotency_key,
        )
        await in_force_here(info.context, result)
        return SubjectRevocationPayload(
            position=result.position, repeated=result.repeated, subject=result["subject"],
            issued_up_to=datetime.fromtimestamp(result["issued_up_to"], timezone.utc),
        )
