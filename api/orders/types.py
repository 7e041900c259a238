"""GraphQL views of orders, and the inputs that place and move them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.context import Context
from api.customers.types import AddressInput
from api.orders.permissions import check_may_read_delivery_code
from api.recorded import Recorded
from api.views import thin
from domain.orders import STATUSES
from projections.views import OrderLineView, OrderView, TimelineEntry

# Generated from the domain's own list, so a new status can never be missing here.
OrderStatus = strawberry.enum(
    Enum("OrderStatus", {status: status for status in STATUSES}),  # type: ignore[misc]
    description="Where an order is in its life, from PLACED to DELIVERED, RETURNED or CANCELLED.",
)


@strawberry.enum
class WarehouseRule(Enum):
    NEAREST = "nearest"
    NAMED = "named"
    SPLIT = "split"


@strawberry.enum
class ProofKind(Enum):
    PHOTO = "photo"
    SIGNATURE = "signature"
    CODE = "code"


@strawberry.type
class OrderLine:
    sku: str
    quantity: int
    warehouse: str = strawberry.field(description="The warehouse this line ships from.")
    unit_price: Decimal
    weight_kg: Decimal
    volume_l: Decimal

    @classmethod
    def from_view(cls, view: OrderLineView) -> "OrderLine":
        return thin(cls, view)


@strawberry.type(description="One step of an order's life, in log order.")
class OrderEvent:
    status: str
    at: datetime
    position: int
    event_type: str
    detail: str

    @classmethod
    def from_view(cls, view: TimelineEntry) -> "OrderEvent":
        return thin(cls, view)


@strawberry.type
class DeliveryAddress:
    text: str
    lat: float
    lon: float


@strawberry.type
class Order:
    aggregate_id: str = strawberry.field(description="Pass to `history` for every event of this order.")
    number: str
    customer: str
    status: OrderStatus  # type: ignore[valid-type]
    warehouses: list[str]
    warehouse_rule: WarehouseRule
    address: DeliveryAddress
    window_start: datetime
    window_end: datetime
    weight_kg: Decimal
    volume_l: Decimal
    courier_id: str | None
    delivery_code_required: bool
    placed_at: datetime
    updated_at: datetime
    lines: list[OrderLine]
    timeline: list[OrderEvent]
    zone: str | None = strawberry.field(description="The delivery zone the address fell in when placed; null when outside every zone.")

    @strawberry.field(description="The code the customer tells the courier; for the customer and dispatch only.")
    async def delivery_code(self, info: Info[Context, None]) -> str | None:
        if not self.delivery_code_required:
            return None
        check_may_read_delivery_code(info.context.require_principal(), self.customer)
        return await run_in_threadpool(info.context.application.delivery_code_for, self.number)

    @classmethod
    def from_view(cls, view: OrderView) -> "Order":
        return thin(
            cls, view, aggregate_id=view.id, status=OrderStatus(view.status),
            warehouse_rule=WarehouseRule(view.warehouse_rule), warehouses=list(view.warehouses),
            address=DeliveryAddress(text=view.address_text, lat=view.lat, lon=view.lon),
            lines=[OrderLine.from_view(line) for line in view.lines],
            timeline=[OrderEvent.from_view(entry) for entry in view.timeline],
        )


@strawberry.type(description="One status change of a followed order.")
class OrderStatusChange:
    number: str
    status: str
    at: datetime
    position: int = strawberry.field(description="Resume after a disconnect with `after: position`.")
    detail: str


@strawberry.input
class OrderLineInput:
    sku: str
    quantity: int


@strawberry.input
class PlaceOrderInput:
    customer: str | None = strawberry.field(default=None, description="Defaults to the signed-in customer.")
    lines: list[OrderLineInput]
    address: AddressInput
    window_start: datetime = strawberry.field(description="Promised delivery window start, with a timezone.")
    window_end: datetime
    warehouse_rule: WarehouseRule = WarehouseRule.NEAREST
    warehouse: str | None = strawberry.field(default=None, description="Only with warehouseRule NAMED.")
    require_delivery_code: bool = False
    number: str | None = strawberry.field(default=None, description="Leave out to have one generated.")


@strawberry.input
class CancelOrderInput:
    number: str
    reason: str


@strawberry.input
class PickOrderInput:
    number: str
    picker: str = ""


@strawberry.input
class PackOrderInput:
    number: str
    packer: str = ""


@strawberry.input
class HandOrderToCourierInput:
    number: str
    courier_id: str


@strawberry.input
class SendOrderOutForDeliveryInput:
    number: str


@strawberry.input
class DeliverOrderInput:
    number: str
    proof_kind: ProofKind
    proof: str = strawberry.field(default="", description="Photo or signature reference, or the delivery code.")


@strawberry.input
class FailDeliveryInput:
    number: str
    reason: str


@strawberry.input
class ReturnOrderToWarehouseInput:
    number: str
    reason: str


@strawberry.type
class PlaceOrderPayload(Recorded):
    number: str
    customer: strawberry.Private[str]
    code_required: strawberry.Private[bool]

    @strawberry.field(description="When a delivery code was required: the code the customer tells the courier.")
    async def delivery_code(self, info: Info[Context, None]) -> str | None:
        if not self.code_required:
            return None
        check_may_read_delivery_code(info.context.require_principal(), self.customer)
        return await run_in_threadpool(info.context.application.delivery_code_for, self.number)


@strawberry.type
class OrderStepPayload(Recorded):
    number: str
    status: OrderStatus  # type: ignore[valid-type]
