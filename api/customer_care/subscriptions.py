"""Following an order's tracking page live: the page now, then again whenever it changes."""

from __future__ import annotations

from typing import AsyncGenerator

import strawberry
from strawberry.types import Info

from api.context import Context
from api.customer_care.queries import Language, check_language, read_tracking
from api.customer_care.types import OrderTracking
from api.orders.permissions import visible_order
from api.orders.subscriptions import FINAL_STATUSES


@strawberry.type
class CustomerCareSubscriptions:
    @strawberry.subscription(
        description="The order's tracking page, then a new one each time something on it changes (a step, the "
        "courier's position, the ETA, a delay); completes once the order is delivered, returned or cancelled."
    )
    async def order_tracking_updates(
        self, info: Info[Context, None], number: str, language: Language = None,
    ) -> AsyncGenerator[OrderTracking, None]:
        # Checked before the stream starts, so a refusal is the operation's error, not an event.
        check_language(language)
        await visible_order(info.context, number, at_least=await info.context.head())
        return tracking_updates(info.context, number, language)


async def tracking_updates(context: Context, number: str, language: str | None) -> AsyncGenerator[OrderTracking, None]:
    last: tuple[object, ...] | None = None
    while True:
        signal = context.watch.signal()
        # The projections trail the log by a moment: let them reach what has been saved so far.
        await context.services.runner.await_position(await context.head(), context.settings.read_wait_seconds)
        page = await read_tracking(context, number, language, None)
        # `asOf` moves every time and a live ETA with it: only what the customer sees (to the minute) is a change.
        eta = page.eta.replace(second=0, microsecond=0) if page.eta is not None else None
        seen = (page.status, page.headline, eta, page.stops_away, page.courier_position and
                (page.courier_position.lat, page.courier_position.lon, page.courier_position.at), len(page.timeline))
        if seen != last:
            last = seen
            yield page
        if page.status.value in FINAL_STATUSES:
            return
        await context.watch.wait(signal)
