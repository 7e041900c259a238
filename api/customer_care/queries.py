"""Reading the tracking page, what customers were told, cases and the supervisor's board, ratings, returns and
situations; every SLA state is judged at the shop's business time now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.arguments import AtLeast
from api.auth import COURIER, issue_tracking_token
from api.context import Context
from api.couriers.permissions import only_own
from api.customer_care.permissions import check_may_see_case, check_may_see_request, customer_scope
from api.customer_care.types import (
    AfterSalesRequest, AfterSalesService, AfterSalesStatus, AnalysisKey, BoardItem, Case, CaseCategory, CaseCount,
    CaseKind, CaseStatus, DeliveryRating, Notification, OrderTracking, Pickup, SpecialSituation, TrackingLink,
)
from api.orders.permissions import order_not_found, visible_order
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from domain.customers import LANGUAGES
from domain.errors import InvalidInput
from projections.aftersales import get_request, list_requests, pending_pickups
from projections.board import supervisor_board
from projections.cases import case_counts, get_case, list_cases
from projections.catalogue import get_customer
from projections.notifications import notifications_of_order
from projections.ratings import rating_of_order, ratings_of_courier
from projections.situations import list_situations
from projections.tracking import tracking_view

Language = Annotated[str | None, strawberry.argument(description="zh-CN or en; default: the customer's own.")]


def business_now(context: Context) -> datetime:
    return context.application.clock.now()


def check_language(language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}", field="language", value=language)


async def read_tracking(context: Context, number: str, language: str | None, at_least: int | None) -> OrderTracking:
    """The tracking page, for whoever may see the order: its customer, its courier, staff, or its tracking link."""
    check_language(language)
    await visible_order(context, number, at_least)
    settings = context.settings

    def customer_language(customer: str) -> str | None:
        found = get_customer(context.services.db, customer)
        return found.language if found is not None else None

    view = await context.read(
        tracking_view, number, business_now(context), settings.business_timezone, language, customer_language,
    )
    if view is None:
        raise order_not_found(number)
    return OrderTracking.from_view(view)


@strawberry.type
class CustomerCareQueries:
    @strawberry.field(description="The order's tracking page: its timeline in plain words, the courier's position "
                      "while out for delivery, and an ETA recomputed from the live route; readable with the "
                      "customer's token or the order's tracking link.")
    async def order_tracking(
        self, info: Info[Context, None], number: str, language: Language = None, at_least: AtLeast = None,
    ) -> OrderTracking | None:
        return await read_tracking(info.context, number, language, at_least)

    @strawberry.field(description="A token that opens this order's tracking page and nothing else (for the "
                      "settings' `tracking_token_ttl_hours`): the link a customer shares, sent as a bearer token.")
    async def order_tracking_link(
        self, info: Info[Context, None], number: str, at_least: AtLeast = None,
    ) -> TrackingLink:
        await visible_order(info.context, number, at_least)
        settings = info.context.settings
        return TrackingLink(
            number=number, token=issue_tracking_token(settings, number),
            expires_at=datetime.now(timezone.utc) + timedelta(hours=settings.tracking_token_ttl_hours),
        )

    @strawberry.field(description="Everything the customer was told about an order (its cases and returns too), "
                      "oldest first, with each channel's fate.")
    async def order_notifications(
        self, info: Info[Context, None], number: str, at_least: AtLeast = None,
    ) -> list[Notification]:
        await visible_order(info.context, number, at_least)
        return [Notification.from_view(v) for v in await info.context.read(notifications_of_order, number)]

    @strawberry.field
    async def case(self, info: Info[Context, None], number: str, at_least: AtLeast = None) -> Case:
        view = await info.context.read(get_case, number, business_now(info.context), at_least=at_least)
        return Case.from_view(check_may_see_case(info.context.require_principal(), view, number))

    @strawberry.field(description="Cases oldest first, with each promise's SLA state now; `overdue` keeps open cases "
                      "with a promise broken; a customer's list is always their own.")
    async def cases(
        self,
        info: Info[Context, None],
        status: CaseStatus | None = None,  # type: ignore[valid-type]
        kind: CaseKind | None = None,  # type: ignore[valid-type]
        category: CaseCategory | None = None,  # type: ignore[valid-type]
        customer: str | None = None,
        courier: str | None = None,
        zone: str | None = None,
        order: str | None = None,
        overdue: bool | None = None,
        escalated: bool | None = None,
        opened_from: Annotated[datetime | None, strawberry.argument(description="Inclusive.")] = None,
        opened_to: Annotated[datetime | None, strawberry.argument(description="Exclusive.")] = None,
        after: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> Connection[Case]:
        who = customer_scope(info.context.require_principal(), customer)
        page = await info.context.read(
            list_cases, business_now(info.context), status=_value(status), kind=_value(kind),
            category=_value(category), customer=who, courier=courier, zone=zone, order=order, overdue=overdue,
            escalated=escalated, opened_from=opened_from, opened_to=opened_to, after=after,
            first=info.context.page_size(first), at_least=at_least,
        )
        return connection(page, Case.from_view)

    @strawberry.field(description="Escalated cases and requests still open, most overdue first.")
    async def supervisor_board(self, info: Info[Context, None], at_least: AtLeast = None) -> list[BoardItem]:
        items = await info.context.read(supervisor_board, business_now(info.context), at_least=at_least)
        return [BoardItem.from_view(item) for item in items]

    @strawberry.field(description="How many cases per category, zone, courier, week, kind, root cause or channel.")
    async def case_analysis(
        self,
        info: Info[Context, None],
        by: AnalysisKey,  # type: ignore[valid-type]
        kind: CaseKind | None = None,  # type: ignore[valid-type]
        opened_from: datetime | None = None,
        opened_to: datetime | None = None,
        at_least: AtLeast = None,
    ) -> list[CaseCount]:
        counts = await info.context.read(
            case_counts, by.value, info.context.settings.business_timezone, kind=_value(kind),
            opened_from=opened_from, opened_to=opened_to, at_least=at_least,
        )
        return [CaseCount.from_view(c) for c in counts]

    @strawberry.field
    async def delivery_rating(
        self, info: Info[Context, None], order: str, at_least: AtLeast = None,
    ) -> DeliveryRating | None:
        await visible_order(info.context, order, at_least)
        view = await info.context.read(rating_of_order, order)
        return DeliveryRating.from_view(view) if view is not None else None

    @strawberry.field(description="A courier's ratings, newest first; a courier reads only their own.")
    async def courier_ratings(
        self, info: Info[Context, None], courier: str, since: datetime | None = None, until: datetime | None = None,
        at_least: AtLeast = None,
    ) -> list[DeliveryRating]:
        principal = info.context.require_principal()
        if principal.role == COURIER:
            only_own(principal, courier)
        views = await info.context.read(ratings_of_courier, courier, since, until, at_least=at_least)
        return [DeliveryRating.from_view(v) for v in views]

    @strawberry.field
    async def after_sales_request(
        self, info: Info[Context, None], number: str, at_least: AtLeast = None,
    ) -> AfterSalesRequest:
        view = await info.context.read(get_request, number, business_now(info.context), at_least=at_least)
        return AfterSalesRequest.from_view(check_may_see_request(info.context.require_principal(), view, number))

    @strawberry.field(description="Returns, exchanges and repairs, oldest first; a customer's list is always their "
                      "own.")
    async def after_sales_requests(
        self,
        info: Info[Context, None],
        status: AfterSalesStatus | None = None,  # type: ignore[valid-type]
        service: AfterSalesService | None = None,  # type: ignore[valid-type]
        customer: str | None = None,
        order: str | None = None,
        after: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> Connection[AfterSalesRequest]:
        who = customer_scope(info.context.require_principal(), customer)
        page = await info.context.read(
            list_requests, business_now(info.context), status=_value(status), service=_value(service), customer=who,
            order=order, after=after, first=info.context.page_size(first), at_least=at_least,
        )
        return connection(page, AfterSalesRequest.from_view)

    @strawberry.field(description="Booked return pickups not collected yet, earliest window first: the pickup stops "
                      "the next route plan should add.")
    async def pending_pickups(self, info: Info[Context, None], at_least: AtLeast = None) -> list[Pickup]:
        return [Pickup.from_view(v) for v in await info.context.read(pending_pickups, at_least=at_least)]

    @strawberry.field(description="Special situations, latest start first; `current` keeps those not over yet.")
    async def special_situations(
        self, info: Info[Context, None], current: bool = False, at_least: AtLeast = None,
    ) -> list[SpecialSituation]:
        views = await info.context.read(
            list_situations, current_at=business_now(info.context) if current else None, at_least=at_least,
        )
        return [SpecialSituation.from_view(v) for v in views]


def _value(choice: object) -> str | None:
    return None if choice is None else choice.value  # type: ignore[attr-defined]
