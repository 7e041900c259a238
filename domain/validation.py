"""Input checks shared by every command, each naming the offending field."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidInput

MAX_TEXT = 200
MAX_LONG_TEXT = 2000


def text(value: str, field: str, *, max_length: int = MAX_TEXT, required: bool = True) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field)
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters", field=field)
    return value


def positive_int(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"{field} must be a whole number greater than zero", field=field, value=value)
    return value


def non_negative_int(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{field} must be a whole number, zero or more", field=field, value=value)
    return value


def positive_decimal(value: object, field: str, *, places: str = "0.001") -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal(places))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field} must be a number", field=field) from None
    if not number.is_finite() or number <= 0:
        raise InvalidInput(f"{field} must be greater than zero", field=field)
    return number


def coordinates(lat: float, lon: float, field: str) -> tuple[float, float]:
    # bool is an int to Python, but True is not a latitude; NaN fails the range checks.
    if isinstance(lat, bool) or not (isinstance(lat, (int, float)) and -90.0 <= lat <= 90.0):
        raise InvalidInput("latitude must be between -90 and 90", field=f"{field}.lat")
    if isinstance(lon, bool) or not (isinstance(lon, (int, float)) and -180.0 <= lon <= 180.0):
        raise InvalidInput("longitude must be between -180 and 180", field=f"{field}.lon")
    return float(lat), float(lon)


def window(start: datetime, end: datetime, field: str) -> tuple[datetime, datetime]:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("times must carry a timezone", field=field)
    if end <= start:
        raise InvalidInput("the window must end after it starts", field=f"{field}End")
    return start, end


def clock_time(value: str, field: str) -> str:
    try:
        parsed = datetime.strptime(value, "%H:%M")
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a time of day as HH:MM", field=field) from None
    return parsed.strftime("%H:%M")


def one_of(value: str, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise InvalidInput(f"{field} must be one of {', '.join(allowed)}", field=field, value=value)
    return value
