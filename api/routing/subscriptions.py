"""Following one plan while it is made: its status changes and progress reports from a cursor, then live,
until the planning run is over (produced, failed or discarded)."""

from __future__ import annotations

from typing import AsyncGenerator

import strawberry
from strawberry.types import Info

from api.context import Context
from api.routing.queries import plan_not_found
from api.routing.types import PlanningProgress
from domain.routing import PLANNING_OVER
from projections.routes import get_route_plan, plan_progress


@strawberry.type
class RoutingSubscriptions:
    @strawberry.subscription(
        description="A plan's status changes and progress reports (iterations, best objective) after log position "
        "`after` (0: from its request), then live; completes once the planning run is over."
    )
    async def route_plan_progress(
        self, info: Info[Context, None], id: str, after: int = 0,
    ) -> AsyncGenerator[PlanningProgress, None]:
        # Checked before the stream starts (against the log as it is now), so a refusal is the operation's error.
        if await info.context.read(get_route_plan, id, at_least=await info.context.head()) is None:
            raise plan_not_found(id)
        return progress_of(info.context, id, after)


async def progress_of(context: Context, plan: str, after: int) -> AsyncGenerator[PlanningProgress, None]:
    cursor = after
    while True:
        signal = context.watch.signal()
        # The projection trails the log by a moment: let it reach what has been saved so far.
        await context.services.runner.await_position(await context.head(), context.settings.read_wait_seconds)
        for view in await context.read(plan_progress, plan, cursor):
            cursor = view.position
            yield PlanningProgress.from_view(view)
            if view.status in PLANNING_OVER:
                return
        await context.watch.wait(signal)
