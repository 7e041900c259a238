"""Special situations, delay checks and the outbox's own commands (delivery receipts, retries)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.context import Context
from api.customer_care.types import (
    ConfirmNotificationDeliveryInput, DeclareSpecialSituationInput, DelayCheckPayload, DelayNotice,
    EndSpecialSituationInput, NotificationPayload, RetryNotificationInput, SituationCheckPayload, SituationPayload,
)
from domain.execution import CommandResult


def situation_payload(result: CommandResult) -> SituationPayload:
    return SituationPayload(position=result.position, repeated=result.repeated, code=result["code"],
                            status=result["status"])


@strawberry.type
class SituationMutations:
    @strawberry.mutation(description="Declare heavy rain, a road closure or a peak for zones and a period: travel "
                         "there slows by its factor, routes re-plan, and each affected customer is told once.")
    async def declare_special_situation(
        self, info: Info[Context, None], input: DeclareSpecialSituationInput, idempotency_key: IdempotencyKey = None,
    ) -> SituationPayload:
        return situation_payload(await info.context.command(
            "declare_special_situation", input.kind.value, list(input.zones), input.starts_at, input.ends_at,
            input.description, input.factor, input.code, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="End a situation before its period is over; its zones' traffic goes back.")
    async def end_special_situation(
        self, info: Info[Context, None], input: EndSpecialSituationInput, idempotency_key: IdempotencyKey = None,
    ) -> SituationPayload:
        return situation_payload(await info.context.command(
            "end_special_situation", input.code, input.reason, idempotency_key=idempotency_key))

    @strawberry.mutation(description="Start and end situations on the clock (the worker does this periodically).")
    async def check_special_situations(
        self, info: Info[Context, None], idempotency_key: IdempotencyKey = None,
    ) -> SituationCheckPayload:
        result = await info.context.command("check_special_situations", idempotency_key=idempotency_key)
        return SituationCheckPayload(position=result.position, repeated=result.repeated,
                                     started=list(result["started"]), ended=list(result["ended"]))

    @strawberry.mutation(description="Record a delay for every stop whose live ETA passes its window (the worker "
                         "does this periodically, and each dispatched plan triggers it).")
    async def check_delivery_delays(
        self, info: Info[Context, None], idempotency_key: IdempotencyKey = None,
    ) -> DelayCheckPayload:
        result = await info.context.command("check_delivery_delays", idempotency_key=idempotency_key)
        return DelayCheckPayload(position=result.position, repeated=result.repeated, delayed=[
            DelayNotice(order=d["order"], notice=d["notice"], eta=datetime.fromisoformat(d["eta"]), reason=d["reason"])
            for d in result["delayed"]
        ])

    @strawberry.mutation(description="A gateway's delivery receipt for a sent message.")
    async def confirm_notification_delivery(
        self, info: Info[Context, None], input: ConfirmNotificationDeliveryInput,
        idempotency_key: IdempotencyKey = None,
    ) -> NotificationPayload:
        result = await info.context.command(
            "confirm_notification_delivery", input.message_id, input.delivered, input.error,
            idempotency_key=idempotency_key,
        )
        return NotificationPayload(position=result.position, repeated=result.repeated, id=result["id"])

    @strawberry.mutation(description="Send again what the gateway refused for good (say, after a phone was fixed).")
    async def retry_notification(
        self, info: Info[Context, None], input: RetryNotificationInput, idempotency_key: IdempotencyKey = None,
    ) -> NotificationPayload:
        result = await info.context.command("retry_notification", input.id, idempotency_key=idempotency_key)
        return NotificationPayload(position=result.position, repeated=result.repeated, id=result["id"])
