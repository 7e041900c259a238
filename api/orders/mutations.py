"""Placing and moving orders through the application's commands.

A customer places and cancels only their own orders; a courier moves only the orders
handed to them; staff may move any order. The domain refuses illegal moves itself.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.auth import CUSTOMER
from api.context import Context
from api.customers.permissions import check_acts_for
from api.errors import BAD_INPUT, ApiError
from api.orders.permissions import check_may_act_on
from api.orders.types import (
    CancelOrderInput,
    DeliverOrderInput,
    FailDeliveryInput,
    HandOrderToCourierInput,
    OrderStatus,
    OrderStepPayload,
    PackOrderInput,
    PickOrderInput,
    PlaceOrderInput,
    PlaceOrderPayload,
    ReturnOrderToWarehouseInput,
    SendOrderOutForDeliveryInput,
)
from domain.execution import CommandResult


def step(result: CommandResult) -> OrderStepPayload:
    return OrderStepPayload(
        position=result.position, repeated=result.repeated, number=result["number"],
        status=OrderStatus(result["status"]),
    )


@strawberry.type
class OrderMutations:
    @strawberry.mutation(description="Place an order and reserve every line at once: all lines or nothing.")
    async def place_order(
        self, info: Info[Context, None], input: PlaceOrderInput, idempotency_key: IdempotencyKey = None,
    ) -> PlaceOrderPayload:
        principal = info.context.require_principal()
        customer = input.customer
        if customer is None:
            if principal.role != CUSTOMER:
                raise ApiError(BAD_INPUT, "name the customer the order is for", field="customer")
            customer = principal.subject
        check_acts_for(principal, customer, field="customer")
        result = await info.context.command(
            "place_order", customer, [(line.sku, line.quantity) for line in input.lines],
            input.address.as_record(), input.window_start, input.window_end,
            warehouse_rule=input.warehouse_rule.value, warehouse=input.warehouse,
            require_delivery_code=input.require_delivery_code, number=input.number,
            idempotency_key=idempotency_key,
        )
        return PlaceOrderPayload(
            position=result.position, repeated=result.repeated, number=result["number"], customer=customer,
            code_required=input.require_delivery_code,
        )

    @strawberry.mutation(description="Cancel before the order leaves the warehouse; its stock is released.")
    async def cancel_order(
        self, info: Info[Context, None], input: CancelOrderInput, idempotency_key: IdempotencyKey = None,
    ) -> OrderStepPayload:
        await check_may_act_on(info.context, input.number)
        return step(await info.context.command(
            "cancel_order", input.number, input.reason, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def pick_order(
        self, info: Info[Context, None], input: PickOrderInput, idempotency_key: IdempotencyKey = None,
    ) -> OrderStepPayload:
        return step(await info.context.command(
            "pick_order", input.number, input.picker, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def pack_order(
        self, info: Info[Context, None], input: PackOrderInput, idempotency_key: IdempotencyKey = None,
    ) -> OrderStepPayload:
        return step(await info.context.command(
            "pack_order", input.number, input.packer, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="The order leaves the warehouse: its reservations become shipments.")
    async def hand_order_to_courier(
        self, info: Info[Context, None], input: HandOrderToCourierInput, idempotency_key: IdempotencyKey = None,
    ) -> OrderStepPayload:
        return step(await info.context.command(
            "hand_order_to_courier", input.number, input.courier_id, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def send_order_out_for_delivery(
        self, info: Info[Context, None], input: SendOrderOutForDeliveryInput, idempotency_key: IdempotencyKey = None,
    ) -> OrderStepPayload:
        await check_may_act_on(info.context, input.number)
        return step(await info.context.command(
            "send_order_out_for_delivery", input.number, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="Proof of delivery; an order that requires a code takes only the right code.")
    async def deliver_order(
        self, info: Info[Context, None], input: DeliverOrderInput, idempotency_key: IdempotencyKey = None,
    ) -> OrderStepPayload:
        await check_may_act_on(info.context, input.number)
        return step(await info.context.command(
            "deliver_order", input.number, input.proof_kind.value, input.proof, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def fail_delivery(
        self, info: Info[Context, None], input: FailDeliveryInput, idempotency_key: IdempotencyKey = None,
    ) -> OrderStepPayload:
        await check_may_act_on(info.context, input.number)
        return step(await info.context.command(
            "fail_delivery", input.number, input.reason, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="Undelivered goods go back on the shelf they shipped from.")
    async def return_order_to_warehouse(
        self, info: Info[Context, None], input: ReturnOrderToWarehouseInput, idempotency_key: IdempotencyKey = None,
    ) -> OrderStepPayload:
        return step(await info.context.command(
            "return_order_to_warehouse", input.number, input.reason, idempotency_key=idempotency_key,
        ))
