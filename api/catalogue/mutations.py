"""Changing the catalogue and the warehouse network, through the application's commands only."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.catalogue.types import (
    DiscontinueProductInput,
    ProductInput,
    ProductPayload,
    RegisterWarehouseInput,
    SetStockTakeIntervalInput,
    WarehousePayload,
)
from api.arguments import IdempotencyKey
from api.context import Context

@strawberry.type
class CatalogueMutations:
    @strawberry.mutation(description="Open a warehouse; it joins the network orders are allocated from.")
    async def register_warehouse(
        self, info: Info[Context, None], input: RegisterWarehouseInput,
        idempotency_key: IdempotencyKey = None,
    ) -> WarehousePayload:
        result = await info.context.command(
            "register_warehouse", input.code, input.name, input.lat, input.lon, opens=input.opens,
            closes=input.closes, stock_take_interval_days=input.stock_take_interval_days,
            purchasing_contact=input.purchasing_contact, idempotency_key=idempotency_key,
        )
        return WarehousePayload(position=result.position, repeated=result.repeated, code=result["code"])

    @strawberry.mutation(description="How often every SKU in a warehouse must be counted.")
    async def set_stock_take_interval(
        self, info: Info[Context, None], input: SetStockTakeIntervalInput,
        idempotency_key: IdempotencyKey = None,
    ) -> WarehousePayload:
        result = await info.context.command(
            "set_stock_take_interval", input.warehouse, input.days, idempotency_key=idempotency_key,
        )
        return WarehousePayload(position=result.position, repeated=result.repeated, code=result["code"])

    @strawberry.mutation
    async def add_product(
        self, info: Info[Context, None], input: ProductInput,
        idempotency_key: IdempotencyKey = None,
    ) -> ProductPayload:
        result = await info.context.command(
            "add_product", input.sku, input.name, input.weight_kg, input.volume_l, input.price, input.category,
            idempotency_key=idempotency_key,
        )
        return ProductPayload(position=result.position, repeated=result.repeated, sku=result["sku"])

    @strawberry.mutation
    async def update_product(
        self, info: Info[Context, None], input: ProductInput,
        idempotency_key: IdempotencyKey = None,
    ) -> ProductPayload:
        result = await info.context.command(
            "update_product", input.sku, input.name, input.weight_kg, input.volume_l, input.price, input.category,
            idempotency_key=idempotency_key,
        )
        return ProductPayload(position=result.position, repeated=result.repeated, sku=result["sku"])

    @strawberry.mutation(description="Stop selling a SKU; existing orders keep it.")
    async def discontinue_product(
        self, info: Info[Context, None], input: DiscontinueProductInput,
        idempotency_key: IdempotencyKey = None,
    ) -> ProductPayload:
        result = await info.context.command("discontinue_product", input.sku, idempotency_key=idempotency_key)
        return ProductPayload(position=result.position, repeated=result.repeated, sku=result["sku"])
