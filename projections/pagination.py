"""Opaque cursors for keyset pagination: a page ends at a sort key, the next starts after it."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Callable, Sequence, TypeVar

from sqlalchemy import ColumnElement, and_, or_

from domain.errors import InvalidInput
from projections.views import Page

T = TypeVar("T")
R = TypeVar("R")


def encode_cursor(*key: Any) -> str:
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in key]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *kinds: type) -> tuple[Any, ...]:
    """The sort key a cursor carries, checked against the kinds this list sorts by."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong length")
        return tuple(_as(kind, value) for kind, value in zip(kinds, values))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("this cursor was not given out by this list", field="after", cursor=cursor) from None


def _as(kind: type, value: Any) -> Any:
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return moment
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"expected {kind.__name__}")
    return value


def after_key(columns: Sequence[ColumnElement[Any]], key: Sequence[Any]) -> ColumnElement[bool]:
    """Rows sorting strictly after `key` on `columns` (a portable row-value comparison)."""
    first, *rest = columns
    if not rest:
        return first > key[0]
    return or_(first > key[0], and_(first == key[0], after_key(rest, key[1:])))


def check_aware(moment: datetime | None, field: str) -> datetime | None:
    """Read models compare instants; a time without a zone names no instant."""
    if moment is not None and moment.tzinfo is None:
        raise InvalidInput(f"{field} must carry a timezone", field=field)
    return moment


def check_first(first: int) -> int:
    if isinstance(first, bool) or not isinstance(first, int) or first < 0:
        raise InvalidInput("first must be a whole number, zero or more", field="first", value=first)
    return first


def make_page(rows: Sequence[R], first: int, total: int, view: Callable[[R], T], key: Callable[[R], tuple[Any, ...]]) -> Page[T]:
    """A page from up to `first + 1` sorted rows: the extra row only says there is a next page."""
    shown = list(rows[:first])
    return Page(
        items=[view(row) for row in shown],
        end_cursor=encode_cursor(*key(shown[-1])) if shown else None,
        has_next_page=len(rows) > first,
        total_count=total,
    )
