"""Asking for plans and deciding on them through the application's commands; planning itself happens in a worker.

`requestRoutePlan` answers at once with the plan's id: a planning worker claims and solves it,
and its progress and result come by `routePlan` and the `routePlanProgress` subscription.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.auth import COURIER
from api.context import Context
from api.errors import BAD_INPUT, ApiError
from api.routing.types import (
    ReachStopInput, ReachStopPayload, ReplanRoutesInput, ReportTrafficInput, ReportTrafficPayload,
    RequestRoutePlanInput, RequestRoutePlanPayload, RoutePlanStatus, RoutePlanStepPayload,
)
from domain.execution import CommandResult
from projections.routes import couriers_on_duty, orders_ready_for_dispatch

MAX_SEED = 2**31 - 1


def step(result: CommandResult) -> RoutePlanStepPayload:
    return RoutePlanStepPayload(position=result.position, repeated=result.repeated, plan=result["plan"],
                                status=RoutePlanStatus(result["status"]))


def check_seed(seed: int | None) -> None:
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ApiError(BAD_INPUT, f"seed is 0 to {MAX_SEED}", field="seed", value=seed)


@strawberry.type
class RoutingMutations:
    @strawberry.mutation(description="Ask for a plan of a warehouse's packed orders (in zones and a window, if "
                                     "given) with its couriers on duty; answers at once with the plan's id.")
    async def request_route_plan(
        self, info: Info[Context, None], input: RequestRoutePlanInput, idempotency_key: IdempotencyKey = None,
    ) -> RequestRoutePlanPayload:
        context = info.context
        check_seed(input.seed)
        head = await context.head()
        orders, couriers = input.orders, input.couriers
        # A scope resolved from the read models may be a moment behind: what no longer qualifies is skipped.
        scoped = orders is None or couriers is None
        if orders is None:
            orders = await context.read(
                orders_ready_for_dispatch, input.warehouse, zones=input.zones, window_start=input.window_start,
                window_end=input.window_end, at_least=head,
            )
            if not orders:
                raise ApiError(BAD_INPUT, f"no packed orders are waiting at {input.warehouse} in this scope",
                               field="orders", warehouse=input.warehouse)
        if couriers is None:
            couriers = await context.read(couriers_on_duty, input.warehouse, context.application.clock.now(),
                                          input.zones, at_least=head)
            if not couriers:
                raise ApiError(BAD_INPUT, f"no courier with a vehicle is on duty at {input.warehouse}",
                               field="couriers", warehouse=input.warehouse)
        result = await context.command(
            "request_route_plan", input.warehouse, orders, couriers, zones=input.zones,
            window_start=input.window_start, window_end=input.window_end, reason=input.reason,
            auto_dispatch=input.auto_dispatch, seed=input.seed, time_limit_s=input.time_limit_seconds,
            max_iterations=input.max_iterations, skip_unavailable=scoped, idempotency_key=idempotency_key,
        )
        if result["plan"] is None:
            raise ApiError(BAD_INPUT, "nothing in this scope is ready for dispatch any more", field="orders")
        return RequestRoutePlanPayload(position=result.position, repeated=result.repeated, plan=result["plan"],
                                       orders=result["orders"], couriers=result["couriers"])

    @strawberry.mutation(description="Plan again what is left of a plan on the road: delivered stops drop out, "
                                     "couriers start where they are with what they carry, urgent orders join.")
    async def replan_routes(
        self, info: Info[Context, None], input: ReplanRoutesInput, idempotency_key: IdempotencyKey = None,
    ) -> RequestRoutePlanPayload:
        check_seed(input.seed)
        result = await info.context.command(
            "replan_routes", input.plan, input.reason, add_orders=input.add_orders, add_couriers=input.add_couriers,
            seed=input.seed, time_limit_s=input.time_limit_seconds, max_iterations=input.max_iterations,
            idempotency_key=idempotency_key,
        )
        return RequestRoutePlanPayload(position=result.position, repeated=result.repeated, plan=result["plan"],
                                       orders=result["orders"], couriers=0, replaces=result["replaces"])

    @strawberry.mutation(description="The dispatcher accepts a produced plan.")
    async def accept_route_plan(
        self, info: Info[Context, None], plan: str, idempotency_key: IdempotencyKey = None,
    ) -> RoutePlanStepPayload:
        return step(await info.context.command("accept_route_plan", plan, idempotency_key=idempotency_key))

    @strawberry.mutation(description="Discard a plan not yet on the road; its orders go to the next plan.")
    async def discard_route_plan(
        self, info: Info[Context, None], plan: str, reason: str, idempotency_key: IdempotencyKey = None,
    ) -> RoutePlanStepPayload:
        return step(await info.context.command("discard_route_plan", plan, reason, idempotency_key=idempotency_key))

    @strawberry.mutation(description="Put an accepted plan on the road: its orders are assigned to their couriers "
                                     "and each courier's route is published.")
    async def dispatch_route_plan(
        self, info: Info[Context, None], plan: str, idempotency_key: IdempotencyKey = None,
    ) -> RoutePlanStepPayload:
        return step(await info.context.command("dispatch_route_plan", plan, idempotency_key=idempotency_key))

    @strawberry.mutation(description="Travel in a zone now takes `factor` times as long; routes on the road that "
                                     "cross it are re-planned.")
    async def report_traffic(
        self, info: Info[Context, None], input: ReportTrafficInput, idempotency_key: IdempotencyKey = None,
    ) -> ReportTrafficPayload:
        result = await info.context.command(
            "report_traffic", input.zone, input.factor, input.note, idempotency_key=idempotency_key,
        )
        return ReportTrafficPayload(position=result.position, repeated=result.repeated, zone=result["zone"],
                                    factor=result["factor"], previous=result["previous"])

    @strawberry.mutation(description="The courier is at an order's door; a courier reports only their own stops.")
    async def reach_stop(
        self, info: Info[Context, None], input: ReachStopInput, idempotency_key: IdempotencyKey = None,
    ) -> ReachStopPayload:
        principal = info.context.require_principal()
        courier = principal.subject if principal.role == COURIER else None
        result = await info.context.command(
            "reach_stop", input.plan, input.order, courier=courier, idempotency_key=idempotency_key,
        )
        return ReachStopPayload(position=result.position, repeated=result.repeated, plan=result["plan"],
                                order=result["order"])
