"""Moving stock through the application's commands: receipts, counts, adjustments, thresholds."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.context import Context
from api.stock.types import (
    AdjustStockInput,
    CountStockInput,
    ReceiveStockInput,
    ReceiveStockPayload,
    SetReorderThresholdInput,
    StockChangePayload,
)
from domain.execution import CommandResult


def change(result: CommandResult) -> StockChangePayload:
    return StockChangePayload(
        position=result.position, repeated=result.repeated, warehouse=result["warehouse"], sku=result["sku"],
        on_hand=result.data.get("onHand"),
    )


@strawberry.type
class StockMutations:
    @strawberry.mutation(description="Book a delivery note of many lines in one atomic save.")
    async def receive_stock(
        self, info: Info[Context, None], input: ReceiveStockInput, idempotency_key: IdempotencyKey = None,
    ) -> ReceiveStockPayload:
        result = await info.context.command(
            "receive_stock_batch", [(line.warehouse, line.sku, line.quantity) for line in input.lines],
            reference=input.reference, idempotency_key=idempotency_key,
        )
        return ReceiveStockPayload(position=result.position, repeated=result.repeated, lines=result["lines"])

    @strawberry.mutation(description="Record a stock-take: the count becomes the book quantity.")
    async def count_stock(
        self, info: Info[Context, None], input: CountStockInput, idempotency_key: IdempotencyKey = None,
    ) -> StockChangePayload:
        return change(await info.context.command(
            "count_stock", input.warehouse, input.sku, input.counted, counted_by=input.counted_by,
            idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def adjust_stock(
        self, info: Info[Context, None], input: AdjustStockInput, idempotency_key: IdempotencyKey = None,
    ) -> StockChangePayload:
        return change(await info.context.command(
            "adjust_stock", input.warehouse, input.sku, input.delta, input.reason, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def set_reorder_threshold(
        self, info: Info[Context, None], input: SetReorderThresholdInput, idempotency_key: IdempotencyKey = None,
    ) -> StockChangePayload:
        return change(await info.context.command(
            "set_reorder_threshold", input.warehouse, input.sku, input.threshold, idempotency_key=idempotency_key,
        ))
