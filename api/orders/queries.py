"""Reading orders from the orders projection, each caller seeing only theirs (the tracking page: api/customer_care)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.arguments import AtLeast
from api.audit.time_travel import AsOf, AtVersion
from api.auth import CUSTOMER
from api.context import Context
from api.errors import forbidden
from api.orders.permissions import PARTIAL_VIEWERS, visible_order
from api.orders.types import Order, OrderStatus
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from projections.orders import list_orders


@strawberry.type
class OrderQueries:
    @strawberry.field
    async def order(
        self, info: Info[Context, None], number: str, at_least: AtLeast = None, as_of: AsOf = None,
        version: AtVersion = None,
    ) -> Order | None:
        return Order.from_view(await visible_order(info.context, number, at_least, as_of=as_of, version=version))

    @strawberry.field(description="Orders oldest first; a customer's list is always their own.")
    async def orders(
        self,
        info: Info[Context, None],
        status: OrderStatus | None = None,  # type: ignore[valid-type]
        customer: str | None = None,
        warehouse: str | None = None,
        placed_from: Annotated[datetime | None, strawberry.argument(description="Inclusive.")] = None,
        placed_to: Annotated[datetime | None, strawberry.argument(description="Exclusive.")] = None,
        after: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> Connection[Order]:
        principal = info.context.require_principal()
        if principal.role == CUSTOMER:
            if customer is not None and customer != principal.subject:
                raise forbidden("a customer lists only their own orders", field="customer")
            customer = principal.subject
        elif principal.role in PARTIAL_VIEWERS:
            # Only a customer's list can be narrowed to what they may see; anyone else seeing part is refused.
            raise forbidden(f"a {principal.role} may not list orders")
        page = await info.context.read(
            list_orders, status=status.value if status is not None else None, customer=customer,
            warehouse=warehouse, placed_from=placed_from, placed_to=placed_to, after=after,
            first=info.context.page_size(first), at_least=at_least,
        )
        return connection(page, Order.from_view)
