"""Following couriers' positions live: every matching latest position at once, then each as it is reported."""

from __future__ import annotations

from typing import Any, AsyncGenerator

import strawberry
from strawberry.types import Info

from api.context import Context
from api.couriers.permissions import only_own
from api.locations.queries import zone_boundary
from api.locations.types import CourierPosition, LivePositions
from projections.locations import latest_positions


@strawberry.type
class LocationSubscriptions:
    @strawberry.subscription(
        description="The latest position of every matching courier, then the positions each report brings; inside "
        "`zone`'s boundary if given, of `courier` if named (a courier follows only themselves)."
    )
    async def live_positions(
        self, info: Info[Context, None], zone: str | None = None, courier: str | None = None,
    ) -> AsyncGenerator[LivePositions, None]:
        # Checked before the stream starts, so a refusal is the operation's error, not an event.
        who = only_own(info.context.require_principal(), courier)
        within = await zone_boundary(info.context, zone)
        return follow_positions(info.context, [who] if who else None, within)


async def follow_positions(
    context: Context, couriers: list[str] | None, within: dict[str, Any] | None,
) -> AsyncGenerator[LivePositions, None]:
    runner = context.services.runner
    cursor, first = 0, True
    while True:
        signal = context.watch.signal()
        head = await context.head()
        # The projection trails the log by a moment: read once it holds everything up to `head`.
        if await runner.await_position(head, context.settings.read_wait_seconds):
            views = await context.read(
                latest_positions, couriers=couriers, within=within, after_position=cursor, up_to_position=head,
            )
            if views or first:
                yield LivePositions(positions=[CourierPosition.from_view(v) for v in views], cursor=head)
            cursor, first = max(cursor, head), False
        await context.watch.wait(signal)
