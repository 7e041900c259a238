"""A customer's token speaks for one customer: it reads and changes that record and no other."""

from __future__ import annotations

from api.auth import CUSTOMER, Principal
from api.errors import NOT_FOUND, ApiError, forbidden


def check_acts_for(principal: Principal, reference: str, field: str = "reference") -> None:
    """Writing in someone else's name is refused outright: the caller named them on purpose."""
    if principal.role == CUSTOMER and reference != principal.subject:
        raise forbidden("a customer may act only for themselves", field=field)


def check_may_read(principal: Principal, reference: str) -> None:
    """Another customer's record reads as missing, so references cannot be probed."""
    if principal.role == CUSTOMER and reference != principal.subject:
        raise customer_not_found(reference)


def customer_not_found(reference: str) -> ApiError:
    return ApiError(NOT_FOUND, f"customer {reference} not found", field="reference", reference=reference)
