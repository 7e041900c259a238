"""Following one order's status live: its timeline from a cursor, then each change as it lands."""

from __future__ import annotations

from typing import AsyncGenerator

import strawberry
from strawberry.types import Info

from api.context import Context
from api.orders.permissions import visible_order
from api.orders.types import OrderStatusChange
from domain.orders import CANCELLED, DELIVERED, RETURNED

# After these nothing more happens to an order, so the subscription completes.
FINAL_STATUSES = (DELIVERED, RETURNED, CANCELLED)


@strawberry.type
class OrderSubscriptions:
    @strawberry.subscription(
        description="An order's status changes after log position `after` (0: its whole timeline), then live; "
        "completes once the order is delivered, returned or cancelled."
    )
    async def order_status(
        self, info: Info[Context, None], number: str, after: int = 0,
    ) -> AsyncGenerator[OrderStatusChange, None]:
        # Checked before the stream starts, so a refusal is the operation's error, not an event;
        # against the log as it is now, so an order placed a moment ago is already known.
        await visible_order(info.context, number, at_least=await info.context.head())
        return status_changes(info.context, number, after)


async def status_changes(context: Context, number: str, after: int) -> AsyncGenerator[OrderStatusChange, None]:
    cursor = after
    while True:
        signal = context.watch.signal()
        # The projection trails the log by a moment: let it reach what has been saved so far.
        await context.services.runner.await_position(await context.head(), context.settings.read_wait_seconds)
        order = await visible_order(context, number)
        for entry in order.timeline:
            if entry.position > cursor:
                cursor = entry.position
                yield OrderStatusChange(
                    number=order.number, status=entry.status, at=entry.at, position=entry.position,
                    detail=entry.detail,
                )
        if order.status in FINAL_STATUSES:
            return
        await context.watch.wait(signal)
