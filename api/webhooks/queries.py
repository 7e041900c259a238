"""Reading webhooks and their deliveries from the projection; an integrator sees only its own."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import AtLeast
from api.context import Context
from api.errors import NOT_FOUND, ApiError
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from api.webhooks.permissions import acting_for
from api.webhooks.types import DeliveryStatus, Webhook, WebhookDelivery
from projections.webhooks import get_webhook, list_deliveries, list_webhooks


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="Your webhooks (an administrator: everyone's), oldest first.")
    async def webhooks(
        self, info: Info[Context, None], include_removed: bool = False, at_least: AtLeast = None,
    ) -> list[Webhook]:
        owner = acting_for(info.context.require_principal())
        views = await info.context.read(list_webhooks, owner=owner, include_removed=include_removed, at_least=at_least)
        return [Webhook.from_view(view) for view in views]

    @strawberry.field(description="One webhook's deliveries in log order, each with every attempt made.")
    async def webhook_deliveries(
        self,
        info: Info[Context, None],
        webhook_id: str,
        status: DeliveryStatus | None = None,  # type: ignore[valid-type]
        after: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> Connection[WebhookDelivery]:
        context = info.context
        owner = acting_for(context.require_principal())
        webhook = await context.read(get_webhook, webhook_id, at_least=at_least)
        if webhook is None or (owner is not None and webhook.owner != owner):
            raise ApiError(NOT_FOUND, f"webhook {webhook_id} not found", field="webhookId", id=webhook_id)
        page = await context.read(
            list_deliveries, webhook_id, status=status.value if status is not None else None,
            after=after, first=context.page_size(first),
        )
        return connection(page, WebhookDelivery.from_view)
