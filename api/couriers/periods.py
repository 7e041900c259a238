"""Reading period and day arguments the way the shop counts them: business days in its own timezone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from api.context import Context
from api.errors import BAD_INPUT, ApiError
from domain.assessment import clean_period
from projections.performance import Span, business_day, day_span, month_span

MAX_DAYS = 92


def today(context: Context, at: datetime | None = None) -> date:
    """The business day at `at`, by default now by the shop's clock."""
    return business_day(at or context.application.clock.now(), context.settings.business_timezone)


def this_month(context: Context, at: datetime | None = None) -> str:
    return f"{today(context, at):%Y-%m}"


def span_of(period: str, field: str = "period") -> Span:
    """A month ("2026-11") or one business day ("2026-11-25")."""
    if isinstance(period, str) and len(period) == 10:
        try:
            return day_span(date.fromisoformat(period))
        except ValueError:
            pass
        raise ApiError(BAD_INPUT, f"{field} must be a month as YYYY-MM or a day as YYYY-MM-DD", field=field,
                       value=period)
    return month_span(clean_period(period, field))


def day_range(context: Context, first: date | None, last: date | None, *, default_days: int = 1) -> tuple[date, date]:
    """Business days from `first` to `last`, both included; a missing end is `default_days` from the other,
    and with neither given the range ends today."""
    span = timedelta(days=default_days - 1)
    if first is None:
        last = last or today(context)
        first = last - span
    elif last is None:
        last = first + span
    if last < first:
        raise ApiError(BAD_INPUT, "to must not be before from", field="to")
    if (last - first).days >= MAX_DAYS:
        raise ApiError(BAD_INPUT, f"a range spans at most {MAX_DAYS} days", field="to")
    return first, last
