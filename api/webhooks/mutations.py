"""Steering webhooks through the application's commands; an integrator steers only its own."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.context import Context
from api.events_schema import check_event_types
from api.webhooks.permissions import acting_for, owner_of
from api.webhooks.types import RegisteredWebhook, RegisterWebhookInput, WebhookPayload, WebhookStatus
from domain.execution import CommandResult

WebhookId = Annotated[str, strawberry.argument(description="The id registerWebhook answered with.")]


def payload(result: CommandResult) -> WebhookPayload:
    return WebhookPayload(
        position=result.position, repeated=result.repeated, id=result["id"], status=WebhookStatus(result["status"]),
    )


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="Send these event types, from now on, to this URL; answers the signing secret once.")
    async def register_webhook(
        self, info: Info[Context, None], input: RegisterWebhookInput, idempotency_key: IdempotencyKey = None,
    ) -> RegisteredWebhook:
        context = info.context
        principal = context.require_principal()
        result = await context.command(
            "register_webhook", owner_of(principal), input.url, check_event_types(input.event_types, "eventTypes"),
            description=input.description, idempotency_key=idempotency_key,
        )
        # Read back rather than carried in the result, which is kept with the idempotency key in the log.
        secret = await run_in_threadpool(context.application.webhook_secret, result["id"], acting_for(principal))
        return RegisteredWebhook(position=result.position, repeated=result.repeated, id=result["id"], secret=secret)

    @strawberry.mutation(description="Stop deliveries until resumed; events keep queueing meanwhile.")
    async def pause_webhook(
        self, info: Info[Context, None], id: WebhookId, reason: str = "", idempotency_key: IdempotencyKey = None,
    ) -> WebhookPayload:
        by = acting_for(info.context.require_principal())
        return payload(await info.context.command("pause_webhook", id, reason, by=by, idempotency_key=idempotency_key))

    @strawberry.mutation(description="Deliver again from where it stopped: nothing queued meanwhile is lost.")
    async def resume_webhook(
        self, info: Info[Context, None], id: WebhookId, idempotency_key: IdempotencyKey = None,
    ) -> WebhookPayload:
        by = acting_for(info.context.require_principal())
        return payload(await info.context.command("resume_webhook", id, by=by, idempotency_key=idempotency_key))

    @strawberry.mutation(description="Stop for good; its deliveries and attempts stay readable.")
    async def remove_webhook(
        self, info: Info[Context, None], id: WebhookId, idempotency_key: IdempotencyKey = None,
    ) -> WebhookPayload:
        by = acting_for(info.context.require_principal())
        return payload(await info.context.command("remove_webhook", id, by=by, idempotency_key=idempotency_key))

    @strawberry.mutation(description="Give a FAILED delivery (out of attempts) a fresh round; its aggregate's later events follow it.")
    async def retry_webhook_delivery(
        self,
        info: Info[Context, None],
        id: WebhookId,
        position: Annotated[int, strawberry.argument(description="The failed delivery's event position.")],
        idempotency_key: IdempotencyKey = None,
    ) -> WebhookPayload:
        by = acting_for(info.context.require_principal())
        return payload(await info.context.command(
            "retry_webhook_delivery", id, position, by=by, idempotency_key=idempotency_key,
        ))
