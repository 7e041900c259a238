"""A courier's token speaks for one courier: their own record, shifts and positions, and no one else's.

As with customers, reading another courier's record answers exactly as a missing one
(NOT_FOUND), so references cannot be probed; acting in another courier's name, or asking
a list for another courier, is refused outright (FORBIDDEN): the caller named them on purpose.
"""

from __future__ import annotations

from api.auth import COURIER, Principal
from api.errors import BAD_INPUT, NOT_FOUND, ApiError, forbidden


def courier_not_found(reference: str, field: str = "reference") -> ApiError:
    return ApiError(NOT_FOUND, f"courier {reference} not found", field=field, reference=reference)


def check_may_read(principal: Principal, reference: str, field: str = "reference") -> None:
    if principal.role == COURIER and reference != principal.subject:
        raise courier_not_found(reference, field)


def check_acts_for(principal: Principal, reference: str, field: str = "courier") -> None:
    if principal.role == COURIER and reference != principal.subject:
        raise forbidden("a courier may act only for themselves", field=field)


def acting_courier(principal: Principal, named: str | None, field: str = "courier") -> str:
    """The courier a shift step or position report is for: as named, or the signed-in courier."""
    if named is None:
        if principal.role != COURIER or principal.subject is None:
            raise ApiError(BAD_INPUT, "name the courier", field=field)
        return principal.subject
    check_acts_for(principal, named, field)
    return named


def only_own(principal: Principal, named: str | None, field: str = "courier") -> str | None:
    """A list narrowed to what the caller may see: a courier's is always their own."""
    if principal.role != COURIER:
        return named
    if named is not None and named != principal.subject:
        raise forbidden("a courier sees only their own positions", field=field)
    return principal.subject
