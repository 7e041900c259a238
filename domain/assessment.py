"""The periodic courier assessment: thresholds, promotion criteria, and the record of each period judged."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Sequence
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.couriers import GRADES
from domain.errors import InvalidInput, PreconditionFailed

# Lengths of period that tile a year, so every period starts on the same months each year.
PERIOD_LENGTHS = (1, 2, 3, 4, 6, 12)


class PeriodAlreadyAssessed(PreconditionFailed):
    pass


class PeriodNotOver(PreconditionFailed):
    pass


# -- periods ("YYYY-MM", naming the period's first month) ---------------------------------

def clean_period(value: str, field: str = "period", months: int = 1) -> str:
    try:
        year, month = (int(part) for part in value.split("-"))
        valid = len(value) == 7 and 2000 <= year <= 9999 and 1 <= month <= 12
    except (AttributeError, ValueError):
        valid = False
    if not valid:
        raise InvalidInput(f"{field} must be a month as YYYY-MM", field=field, value=value)
    if (month - 1) % months:
        raise InvalidInput(f"{field} must start a {months}-month period", field=field, value=value)
    return value


def shift_period(period: str, months: int) -> str:
    year, month = (int(part) for part in period.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_end(period: str, months: int) -> datetime:
    """The first instant after the period (UTC)."""
    year, month = (int(part) for part in shift_period(period, months).split("-"))
    return datetime(year, month, 1, tzinfo=timezone.utc)


def whole_months_between(start: datetime, end: datetime) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if (end.day, end.time()) < (start.day, start.time()):
        months -= 1
    return max(months, 0)


# -- numbers from the outside world --------------------------------------------------------

def bounded_decimal(
    value: object, field: str, *, minimum: Decimal = Decimal(0), maximum: Decimal | None = None,
    places: str = "0.0001",
) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal(places))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field} must be a number", field=field) from None
    if not number.is_finite() or number < minimum or (maximum is not None and number > maximum):
        limits = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidInput(f"{field} must be {limits}", field=field, value=str(value))
    return number


def count(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{field} must be a whole number, zero or more", field=field, value=value)
    return value


# -- the period's figures, computed by the delivery projections ----------------------------

@dataclass(frozen=True)
class CourierKpis:
    """One courier's figures for one period; `rating` is None when no customer rated them."""

    courier: str
    period: str
    deliveries: int
    on_time_rate: Decimal
    average_lateness_minutes: Decimal
    failed_attempts: int
    distance_km: Decimal
    rating: Decimal | None
    complaints: int

    def cleaned(self, period: str, field: str) -> "CourierKpis":
        """The same figures checked and in canonical Decimal form, or InvalidInput naming the bad one."""
        if self.period != period:
            raise InvalidInput(f"{field}.period must be {period}", field=f"{field}.period", value=self.period)
        if not isinstance(self.courier, str) or not self.courier.strip():
            raise InvalidInput(f"{field}.courier must name a courier", field=f"{field}.courier")
        return CourierKpis(
            courier=self.courier.strip(),
            period=period,
            deliveries=count(self.deliveries, f"{field}.deliveries"),
            on_time_rate=bounded_decimal(self.on_time_rate, f"{field}.onTimeRate", maximum=Decimal(1)),
            average_lateness_minutes=bounded_decimal(
                self.average_lateness_minutes, f"{field}.averageLatenessMinutes", places="0.01"),
            failed_attempts=count(self.failed_attempts, f"{field}.failedAttempts"),
            distance_km=bounded_decimal(self.distance_km, f"{field}.distanceKm", places="0.01"),
            rating=None if self.rating is None else bounded_decimal(
                self.rating, f"{field}.rating", maximum=Decimal(5), places="0.01"),
            complaints=count(self.complaints, f"{field}.complaints"),
        )

    def figures(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("courier", "period")}


def clean_kpis(kpis: Sequence[CourierKpis], period: str) -> list[CourierKpis]:
    """Each courier once, every figure in range."""
    cleaned: list[CourierKpis] = []
    seen: set[str] = set()
    for i, item in enumerate(kpis):
        if not isinstance(item, CourierKpis):
            raise InvalidInput("each entry must be a courier's KPIs", field=f"kpis.{i}")
        item = item.cleaned(period, f"kpis.{i}")
        if item.courier in seen:
            raise InvalidInput(f"courier {item.courier} appears twice", field=f"kpis.{i}.courier",
                               courier=item.courier)
        seen.add(item.courier)
        cleaned.append(item)
    return cleaned


# -- the rules -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PromotionCriteria:
    """What a courier of `from_grade` must show in one period to move up to `to_grade`."""

    from_grade: str
    to_grade: str
    min_deliveries: int
    min_on_time_rate: Decimal
    min_rating: Decimal
    min_months_of_service: int

    def __post_init__(self) -> None:
        if self.from_grade not in GRADES or self.to_grade not in GRADES \
                or GRADES.index(self.to_grade) != GRADES.index(self.from_grade) + 1:
            raise InvalidInput("a promotion moves up exactly one grade", field="rules.promotions")
        count(self.min_deliveries, "rules.promotions.minDeliveries")
        count(self.min_months_of_service, "rules.promotions.minMonthsOfService")
        object.__setattr__(self, "min_on_time_rate", bounded_decimal(
            self.min_on_time_rate, "rules.promotions.minOnTimeRate", maximum=Decimal(1)))
        object.__setattr__(self, "min_rating", bounded_decimal(
            self.min_rating, "rules.promotions.minRating", maximum=Decimal(5), places="0.01"))

    def as_record(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class AssessmentRules:
    """Thresholds a courier must meet each period, and what repeated failure and success lead to."""

    min_on_time_rate: Decimal = Decimal("0.90")
    min_rating: Decimal = Decimal("4.50")
    max_complaints: int = 3
    max_failed_attempts: int = 10
    # Fewer deliveries than this say too little to judge rates by: the courier is not assessed.
    min_deliveries: int = 20
    flags_before_offboarding: int = 2
    period_months: int = 1
    promotions: tuple[PromotionCriteria, ...] = (
        PromotionCriteria("junior", "senior", 300, Decimal("0.95"), Decimal("4.70"), 6),
        PromotionCriteria("senior", "lead", 400, Decimal("0.97"), Decimal("4.80"), 18),
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_on_time_rate", bounded_decimal(
            self.min_on_time_rate, "rules.minOnTimeRate", maximum=Decimal(1)))
        object.__setattr__(self, "min_rating", bounded_decimal(
            self.min_rating, "rules.minRating", maximum=Decimal(5), places="0.01"))
        count(self.max_complaints, "rules.maxComplaints")
        count(self.max_failed_attempts, "rules.maxFailedAttempts")
        count(self.min_deliveries, "rules.minDeliveries")
        if count(self.flags_before_offboarding, "rules.flagsBeforeOffboarding") < 1:
            raise InvalidInput("at least one flag comes before offboarding", field="rules.flagsBeforeOffboarding")
        if self.period_months not in PERIOD_LENGTHS:
            raise InvalidInput(
                f"a period lasts one of {', '.join(map(str, PERIOD_LENGTHS))} months", field="rules.periodMonths",
            )
        object.__setattr__(self, "promotions", tuple(self.promotions))
        if len({p.from_grade for p in self.promotions}) != len(self.promotions):
            raise InvalidInput("one promotion rule per grade", field="rules.promotions")

    def failed_thresholds(self, kpis: CourierKpis) -> tuple[str, ...]:
        failed = []
        if kpis.on_time_rate < self.min_on_time_rate:
            failed.append("on_time_rate")
        if kpis.rating is not None and kpis.rating < self.min_rating:
            failed.append("rating")
        if kpis.complaints > self.max_complaints:
            failed.append("complaints")
        if kpis.failed_attempts > self.max_failed_attempts:
            failed.append("failed_attempts")
        return tuple(failed)

    def promotion_for(self, grade: str | None, kpis: CourierKpis, months_of_service: int) -> PromotionCriteria | None:
        """The promotion earned this period, if any; a promotion needs ratings as evidence."""
        for criteria in self.promotions:
            if criteria.from_grade != grade:
                continue
            if (
                kpis.deliveries >= criteria.min_deliveries
                and kpis.on_time_rate >= criteria.min_on_time_rate
                and kpis.rating is not None and kpis.rating >= criteria.min_rating
                and months_of_service >= criteria.min_months_of_service
            ):
                return criteria
        return None

    def as_record(self) -> dict[str, Any]:
        record = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "promotions"}
        record["promotions"] = tuple(p.as_record() for p in self.promotions)
        return record


# -- the record of a period judged ---------------------------------------------------------

class AssessmentPeriod(PeisongAggregate):
    """One per period: its existence is why a period cannot be judged twice, its event says how it was."""

    @staticmethod
    def create_id(period: str) -> UUID:
        return natural_id("assessment-period", period)

    @event("CouriersAssessed")
    def __init__(self, period: str, rules: dict[str, Any], results: tuple[dict[str, Any], ...]) -> None:
        self.period = period
        self.rules = rules
        self.results = tuple(dict(result) for result in results)
