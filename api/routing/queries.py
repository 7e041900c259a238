"""Reading route plans from the routes projection, re-running one for an audit, and sizing a day's fleet."""

from __future__ import annotations

from datetime import date

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.arguments import AtLeast
from api.context import Context
from api.errors import BAD_INPUT, NOT_FOUND, PRECONDITION_FAILED, ApiError
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from api.routing.solving import solve_in_child
from api.routing.types import FleetRecommendation, PlanVerification, RoutePlan, RoutePlanStatus
from domain.planning import PlanningRules, VehicleKind, recommend_vehicles, verify
from projections.catalogue import list_warehouses
from projections.routes import demand_history, get_route_plan, list_route_plans
from projections.vehicles import list_vehicle_types

MAX_HISTORY_WEEKS = 26


def plan_not_found(plan: str) -> ApiError:
    return ApiError(NOT_FOUND, f"plan {plan} not found", field="id", plan=plan)


@strawberry.type
class RoutingQueries:
    @strawberry.field(description="One plan: status, progress, routes stop by stop, left-out orders, solver record.")
    async def route_plan(self, info: Info[Context, None], id: str, at_least: AtLeast = None) -> RoutePlan:
        view = await info.context.read(get_route_plan, id, at_least=at_least)
        if view is None:
            raise plan_not_found(id)
        return RoutePlan.from_view(view)

    @strawberry.field(description="Plans newest first.")
    async def route_plans(
        self,
        info: Info[Context, None],
        status: RoutePlanStatus | None = None,  # type: ignore[valid-type]
        warehouse: str | None = None,
        after: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> Connection[RoutePlan]:
        page = await info.context.read(
            list_route_plans, status=status.value if status is not None else None, warehouse=warehouse,
            after=after, first=info.context.page_size(first), at_least=at_least,
        )
        return connection(page, RoutePlan.from_view)

    @strawberry.field(description="Re-run the plan's recorded request with its recorded seed and iteration counts "
                                  "and say whether the result is identical. Records nothing.")
    async def verify_plan(self, info: Info[Context, None], id: str) -> PlanVerification:
        run = await run_in_threadpool(info.context.application.route_plan_run, id, "id")
        solver = run["planned"]["solver"]
        rerun = await run_in_threadpool(
            solve_in_child, run["request"], seed=solver["seed"], max_iterations=solver["iterations"] or 1,
            progress_every=float("inf"),
        )
        return PlanVerification.from_result(id, verify(run, rerun))

    @strawberry.field(description="Vehicles of each type to put on the road per hour of `date` (today if left "
                                  "out), the fewest that cover the orders expected then: the average of the same "
                                  "weekday in the `weeks` before it.")
    async def fleet_recommendation(
        self, info: Info[Context, None], warehouse: str, date: date | None = None, weeks: int | None = None,
        at_least: AtLeast = None,
    ) -> FleetRecommendation:
        settings = info.context.settings
        application = info.context.application
        date = date or application.business_day(application.clock.now())
        weeks = settings.fleet_history_weeks if weeks is None else weeks
        if not 1 <= weeks <= MAX_HISTORY_WEEKS:
            raise ApiError(BAD_INPUT, f"weeks is 1 to {MAX_HISTORY_WEEKS}", field="weeks", value=weeks)
        site = next((w for w in await info.context.read(list_warehouses, at_least=at_least) if w.code == warehouse),
                    None)
        if site is None:
            raise ApiError(NOT_FOUND, f"warehouse {warehouse} not found", field="warehouse", warehouse=warehouse)
        kinds = [
            (VehicleKind(name=t.name, capacity_kg=t.capacity_kg, capacity_l=t.capacity_l, kmh=float(t.cruise_kmh),
                         cost_per_km=t.cost_per_km, cost_per_hour=t.cost_per_hour,
                         fixed_daily_cost=t.fixed_daily_cost, skills=tuple(t.skills)), t.vehicles)
            for t in await info.context.read(list_vehicle_types) if t.vehicles > 0
        ]
        if not kinds:
            raise ApiError(PRECONDITION_FAILED, "no vehicles are registered to recommend from", field="warehouse")
        history = await info.context.read(
            demand_history, warehouse, (site.lat, site.lon), date, weeks, settings.business_timezone,
            settings.detour_factor,
        )
        result = await run_in_threadpool(recommend_vehicles, history, kinds, PlanningRules.from_settings(settings))
        return FleetRecommendation.from_result(warehouse, date, history, result)
