"""Reading the catalogue and the warehouse list from their projections."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.catalogue.types import Product, Warehouse
from api.arguments import AtLeast
from api.context import Context
from api.errors import NOT_FOUND, ApiError
from api.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from projections.catalogue import get_product, list_products, list_warehouses

@strawberry.type
class CatalogueQueries:
    @strawberry.field(description="One product by SKU (discontinued ones included).")
    async def product(
        self, info: Info[Context, None], sku: str,
        at_least: AtLeast = None,
    ) -> Product | None:
        view = await info.context.read(get_product, sku, at_least=at_least)
        if view is None:
            raise ApiError(NOT_FOUND, f"product {sku} not found", field="sku", sku=sku)
        return Product.from_view(view)

    @strawberry.field(description="The catalogue, a page at a time, optionally one category.")
    async def products(
        self, info: Info[Context, None], category: str | None = None, after: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        at_least: AtLeast = None,
    ) -> Connection[Product]:
        page = await info.context.read(
            list_products, category=category, after=after, first=info.context.page_size(first), at_least=at_least,
        )
        return connection(page, Product.from_view)

    @strawberry.field(description="Every warehouse of the shop.")
    async def warehouses(
        self, info: Info[Context, None],
        at_least: AtLeast = None,
    ) -> list[Warehouse]:
        return [Warehouse.from_view(v) for v in await info.context.read(list_warehouses, at_least=at_least)]
