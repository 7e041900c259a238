"""Whose cases and requests a caller may see and act on: a customer their own, a courier the pickups handed to them.

Like orders (api/orders/permissions.py), someone else's case or request reads exactly as a
missing one, so numbers cannot be probed.
"""

from __future__ import annotations

from api.auth import COURIER, CUSTOMER, Principal
from api.errors import BAD_INPUT, NOT_FOUND, ApiError, forbidden
from projections.views import AfterSalesView, CaseView


def case_not_found(number: str) -> ApiError:
    return ApiError(NOT_FOUND, f"case {number} not found", field="number", number=number)


def request_not_found(number: str) -> ApiError:
    return ApiError(NOT_FOUND, f"request {number} not found", field="number", number=number)


def check_may_see_case(principal: Principal, case: CaseView | None, number: str) -> CaseView:
    if case is None or (principal.role == CUSTOMER and case.customer != principal.subject):
        raise case_not_found(number)
    return case


def check_may_see_request(principal: Principal, request: AfterSalesView | None, number: str) -> AfterSalesView:
    if request is None or (principal.role == CUSTOMER and request.customer != principal.subject):
        raise request_not_found(number)
    return request


def own_customer(principal: Principal, customer: str | None, field: str = "customer") -> str:
    """The customer a command is for: a customer always themselves, staff must name one."""
    if principal.role == CUSTOMER:
        if customer is not None and customer != principal.subject:
            raise forbidden("a customer may act only for themselves", field=field)
        return str(principal.subject)
    if customer is None:
        raise ApiError(BAD_INPUT, "name the customer", field=field)
    return customer


def acting_courier(principal: Principal, courier: str | None) -> str:
    """The courier recording a step: a courier always themselves, staff must name one."""
    if principal.role == COURIER:
        if courier is not None and courier != principal.subject:
            raise forbidden("a courier records only their own work", field="courier")
        return str(principal.subject)
    if not courier:
        raise ApiError(BAD_INPUT, "name the courier", field="courier")
    return courier


def customer_scope(principal: Principal, customer: str | None) -> str | None:
    """A customer's lists are always their own; staff may filter by any customer or none."""
    if principal.role == CUSTOMER:
        if customer is not None and customer != principal.subject:
            raise forbidden("a customer lists only their own", field="customer")
        return principal.subject
    return customer
