"""Reading customers from their projection; a customer sees only themselves."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import AtLeast
from api.context import Context
from api.customers.permissions import check_may_read, customer_not_found
from api.customers.types import Customer
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from projections.catalogue import get_customer, list_customers


@strawberry.type
class CustomerQueries:
    @strawberry.field
    async def customer(self, info: Info[Context, None], reference: str, at_least: AtLeast = None) -> Customer | None:
        check_may_read(info.context.require_principal(), reference)
        view = await info.context.read(get_customer, reference, at_least=at_least)
        if view is None:
            raise customer_not_found(reference)
        return Customer.from_view(view)

    @strawberry.field
    async def customers(
        self, info: Info[Context, None], after: str | None = None, first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> Connection[Customer]:
        page = await info.context.read(
            list_customers, after=after, first=info.context.page_size(first), at_least=at_least,
        )
        return connection(page, Customer.from_view)
