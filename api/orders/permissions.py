"""Which orders a caller may see: customers their own, couriers those handed to them, a tracking link its one order.

An order the caller may not see is reported exactly as a missing one (NOT_FOUND), for
reads and for commands on it alike, so order numbers cannot be probed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from api.audit.time_travel import read_as_of
from api.auth import COURIER, CUSTOMER, TRACKING, Principal
from api.errors import NOT_FOUND, ApiError, forbidden
from api.permissions import DELIVERY_CODE_READERS
from domain.orders import Order as OrderAggregate
from projections.orders import OrdersProjector, get_order
from projections.views import OrderView

if TYPE_CHECKING:
    from api.context import Context

ORDERS = OrdersProjector()

# Roles that see only some orders, and so must have each order checked.
PARTIAL_VIEWERS = (CUSTOMER, COURIER, TRACKING)


def may_see(principal: Principal, order: OrderView) -> bool:
    if principal.role == CUSTOMER:
        return order.customer == principal.subject
    if principal.role == COURIER:
        return order.courier_id == principal.subject
    if principal.role == TRACKING:
        return order.number == principal.subject
    return True


def order_not_found(number: str) -> ApiError:
    return ApiError(NOT_FOUND, f"order {number} not found", field="number", number=number)


async def visible_order(
    context: "Context", number: str, at_least: int | None = None, *,
    as_of: datetime | None = None, version: int | None = None,
) -> OrderView:
    """The order as the caller may see it, now or (given `as_of` or `version`) as it stood then."""
    principal = context.require_principal()
    if principal.role == TRACKING and number != principal.subject:
        raise order_not_found(number)
    order = await read_as_of(
        context, get_order, number, aggregate_id=OrderAggregate.create_id(number), projector=ORDERS,
        as_of=as_of, version=version, at_least=at_least,
    )
    if order is None or not may_see(principal, order):
        raise order_not_found(number)
    return order


async def check_may_act_on(context: "Context", number: str) -> None:
    """Before a customer or courier moves an order: is it theirs? Staff may move any order.

    The check reads the orders projection once it has caught up with the log as it is
    now, so an order placed or handed over a moment ago is already known.
    """
    principal = context.require_principal()
    if principal.role in PARTIAL_VIEWERS:
        await visible_order(context, number, at_least=await context.head())


def check_may_read_delivery_code(principal: Principal, customer: str) -> None:
    if principal.role not in DELIVERY_CODE_READERS:
        raise forbidden(f"a {principal.role} may not read delivery codes", field="deliveryCode")
    if principal.role == CUSTOMER and principal.subject != customer:
        raise forbidden("a customer may read only their own delivery codes", field="deliveryCode")
