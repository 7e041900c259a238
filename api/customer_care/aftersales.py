"""Returns, exchanges and repairs through the application's commands: the customer asks, agents answer, couriers
collect, the warehouse receives, inspects and disposes; every step tells the customer (by policy)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.auth import CUSTOMER
from api.context import Context
from api.customer_care.permissions import acting_courier
from api.customer_care.types import (
    AfterSalesNumberInput, AfterSalesPayload, AfterSalesPolicyPayload, AfterSalesService, AfterSalesStatus,
    ApproveAfterSalesInput, CourierStepInput, ExchangeAfterSalesInput, InspectReturnInput, MarkRepairedInput,
    ReceiveReturnInput, RefundAfterSalesInput, RejectAfterSalesInput, RequestAfterSalesInput,
    ScheduleReturnPickupInput, SendToRepairInput, SetAfterSalesPolicyInput, WriteOffReturnInput,
)
from domain.execution import CommandResult


def payload(result: CommandResult) -> AfterSalesPayload:
    return AfterSalesPayload(
        position=result.position, repeated=result.repeated, number=result["number"],
        service=AfterSalesService(result["service"]), status=AfterSalesStatus(result["status"]),
        exchange_order=result.data.get("exchangeOrder"),
    )


async def step(context: Context, command: str, *args: Any, idempotency_key: str | None) -> AfterSalesPayload:
    return payload(await context.command(command, *args, idempotency_key=idempotency_key))


@strawberry.type
class AfterSalesMutations:
    @strawberry.mutation(description="A product category's after-sales windows in days (0: not offered).")
    async def set_after_sales_policy(
        self, info: Info[Context, None], input: SetAfterSalesPolicyInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPolicyPayload:
        result = await info.context.command(
            "set_aftersales_policy", input.category, input.return_days, input.exchange_days, input.repair_days,
            idempotency_key=idempotency_key,
        )
        return AfterSalesPolicyPayload(
            position=result.position, repeated=result.repeated, category=result["category"],
            return_days=result["return_days"], exchange_days=result["exchange_days"], repair_days=result["repair_days"],
        )

    @strawberry.mutation(description="Ask to return (within 7 days, no reason needed), exchange (quality problem, "
                         "15 days) or repair goods of a delivered order; windows are per product category.")
    async def request_after_sales(
        self, info: Info[Context, None], input: RequestAfterSalesInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        principal = info.context.require_principal()
        lines = [(line.sku, line.quantity) for line in input.lines] if input.lines is not None else None
        return payload(await info.context.command(
            "request_aftersales", input.order, input.service.value, lines, input.reason,
            customer=principal.subject if principal.role == CUSTOMER else None, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def approve_after_sales(
        self, info: Info[Context, None], input: ApproveAfterSalesInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "approve_aftersales", input.number, input.note, idempotency_key=idempotency_key)

    @strawberry.mutation
    async def reject_after_sales(
        self, info: Info[Context, None], input: RejectAfterSalesInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "reject_aftersales", input.number, input.reason,
                          idempotency_key=idempotency_key)

    @strawberry.mutation(description="Book the pickup: a pickup stop for the next route plan (see pendingPickups).")
    async def schedule_return_pickup(
        self, info: Info[Context, None], input: ScheduleReturnPickupInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "schedule_return_pickup", input.number, input.window_start, input.window_end,
                          idempotency_key=idempotency_key)

    @strawberry.mutation
    async def record_return_pickup(
        self, info: Info[Context, None], input: CourierStepInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        courier = acting_courier(info.context.require_principal(), input.courier)
        return await step(info.context, "record_return_pickup", input.number, courier, idempotency_key=idempotency_key)

    @strawberry.mutation
    async def receive_return(
        self, info: Info[Context, None], input: ReceiveReturnInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "receive_return", input.number, input.warehouse,
                          idempotency_key=idempotency_key)

    @strawberry.mutation
    async def inspect_return(
        self, info: Info[Context, None], input: InspectReturnInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "inspect_return", input.number, input.result.value, input.notes,
                          idempotency_key=idempotency_key)

    @strawberry.mutation
    async def refund_after_sales(
        self, info: Info[Context, None], input: RefundAfterSalesInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "refund_aftersales", input.number, input.amount,
                          idempotency_key=idempotency_key)

    @strawberry.mutation(description="Send the goods again as a new order linked to the request.")
    async def exchange_after_sales(
        self, info: Info[Context, None], input: ExchangeAfterSalesInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "exchange_aftersales", input.number, input.window_start, input.window_end,
                          idempotency_key=idempotency_key)

    @strawberry.mutation(description="Goods that passed inspection go back on the shelf (a StockReturned event).")
    async def restock_return(
        self, info: Info[Context, None], input: AfterSalesNumberInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "restock_return", input.number, idempotency_key=idempotency_key)

    @strawberry.mutation
    async def write_off_return(
        self, info: Info[Context, None], input: WriteOffReturnInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "write_off_return", input.number, input.reason,
                          idempotency_key=idempotency_key)

    @strawberry.mutation
    async def send_to_repair(
        self, info: Info[Context, None], input: SendToRepairInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "send_to_repair", input.number, input.repairer,
                          idempotency_key=idempotency_key)

    @strawberry.mutation
    async def mark_repaired(
        self, info: Info[Context, None], input: MarkRepairedInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        return await step(info.context, "mark_repaired", input.number, input.notes, idempotency_key=idempotency_key)

    @strawberry.mutation
    async def return_repaired_goods(
        self, info: Info[Context, None], input: CourierStepInput, idempotency_key: IdempotencyKey = None,
    ) -> AfterSalesPayload:
        courier = acting_courier(info.context.require_principal(), input.courier)
        return await step(info.context, "return_repaired_goods", input.number, courier,
                          idempotency_key=idempotency_key)
