"""GraphQL views of products and warehouses, and the inputs that change them."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from api.recorded import Recorded
from api.views import thin
from projections.views import ProductView, WarehouseView


@strawberry.type
class Product:
    sku: str
    name: str
    weight_kg: Decimal
    volume_l: Decimal
    price: Decimal
    category: str
    discontinued: bool

    @classmethod
    def from_view(cls, view: ProductView) -> "Product":
        return thin(cls, view)


@strawberry.type
class Warehouse:
    code: str
    name: str
    lat: float
    lon: float
    opens: str = strawberry.field(description="Local opening time, HH:MM.")
    closes: str = strawberry.field(description="Local closing time, HH:MM.")
    stock_take_interval_days: int
    purchasing_contact: str

    @classmethod
    def from_view(cls, view: WarehouseView) -> "Warehouse":
        return thin(cls, view)


@strawberry.input
class RegisterWarehouseInput:
    code: str
    name: str
    lat: float
    lon: float
    opens: str = "08:00"
    closes: str = "22:00"
    stock_take_interval_days: int | None = None
    purchasing_contact: str = ""


@strawberry.input
class SetStockTakeIntervalInput:
    warehouse: str
    days: int


@strawberry.input
class ProductInput:
    sku: str
    name: str
    weight_kg: Decimal
    volume_l: Decimal
    price: Decimal
    category: str


@strawberry.input
class DiscontinueProductInput:
    sku: str


@strawberry.type
class WarehousePayload(Recorded):
    code: str


@strawberry.type
class ProductPayload(Recorded):
    sku: str
