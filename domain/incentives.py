"""Monthly courier pay incentives: the rule set in force and each courier's award, itemised for audit."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.assessment import CourierKpis, bounded_decimal, count
from domain.couriers import GRADES
from domain.errors import InvalidInput, PreconditionFailed

CENT = Decimal("0.01")


class IncentiveMonthAlreadyClosed(PreconditionFailed):
    pass


def money(value: object, field: str) -> Decimal:
    return bounded_decimal(value, field, places="0.01")


@dataclass(frozen=True)
class BonusTier:
    """Reaching `min_on_time_rate` in the month earns `bonus` (the highest tier reached counts)."""

    min_on_time_rate: Decimal
    bonus: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_on_time_rate", bounded_decimal(
            self.min_on_time_rate, "rules.bonusTiers.minOnTimeRate", maximum=Decimal(1)))
        object.__setattr__(self, "bonus", money(self.bonus, "rules.bonusTiers.bonus"))


@dataclass(frozen=True)
class IncentiveRules:
    """One month's pay rules; a month closed under them keeps them in its events."""

    commission_by_grade: tuple[tuple[str, Decimal], ...] = (
        ("junior", Decimal("4.00")), ("senior", Decimal("4.50")), ("lead", Decimal("5.00")),
    )
    bonus_tiers: tuple[BonusTier, ...] = (
        BonusTier(Decimal("0.95"), Decimal("300.00")), BonusTier(Decimal("0.98"), Decimal("600.00")),
    )
    # Bonuses go to couriers rated at least this well; a courier nobody rated is not held back.
    bonus_min_rating: Decimal = Decimal("4.50")
    # An on-time rate over a handful of deliveries proves little, so bonuses need volume.
    bonus_min_deliveries: int = 100
    complaint_deduction: Decimal = Decimal("50.00")
    currency: str = "CNY"

    def __post_init__(self) -> None:
        commissions = tuple((grade, money(rate, f"rules.commissionByGrade.{grade}"))
                            for grade, rate in self.commission_by_grade)
        if sorted(grade for grade, _ in commissions) != sorted(GRADES):
            raise InvalidInput(f"a commission is needed for each grade: {', '.join(GRADES)}",
                               field="rules.commissionByGrade")
        object.__setattr__(self, "commission_by_grade", commissions)
        tiers = tuple(self.bonus_tiers)
        for lower, higher in zip(tiers, tiers[1:]):
            if not (lower.min_on_time_rate < higher.min_on_time_rate and lower.bonus < higher.bonus):
                raise InvalidInput("bonus tiers must rise in both on-time rate and bonus", field="rules.bonusTiers")
        object.__setattr__(self, "bonus_tiers", tiers)
        object.__setattr__(self, "bonus_min_rating", bounded_decimal(
            self.bonus_min_rating, "rules.bonusMinRating", maximum=Decimal(5), places="0.01"))
        count(self.bonus_min_deliveries, "rules.bonusMinDeliveries")
        object.__setattr__(self, "complaint_deduction", money(self.complaint_deduction, "rules.complaintDeduction"))
        if not (isinstance(self.currency, str) and len(self.currency) == 3 and self.currency.isalpha()):
            raise InvalidInput("currency must be a three-letter code", field="rules.currency")

    def commission_for(self, grade: str) -> Decimal:
        return dict(self.commission_by_grade)[grade]

    def award(self, kpis: CourierKpis, grade: str) -> dict[str, Any]:
        """The itemised award: commission + bonus - deductions, never below zero."""
        per_delivery = self.commission_for(grade)
        commission = (per_delivery * kpis.deliveries).quantize(CENT)
        rated_well = kpis.rating is None or kpis.rating >= self.bonus_min_rating
        eligible = rated_well and kpis.deliveries >= self.bonus_min_deliveries
        reached = [i for i, tier in enumerate(self.bonus_tiers) if kpis.on_time_rate >= tier.min_on_time_rate]
        tier = reached[-1] if eligible and reached else None
        bonus = self.bonus_tiers[tier].bonus if tier is not None else Decimal("0.00")
        deductions = (self.complaint_deduction * kpis.complaints).quantize(CENT)
        gross = commission + bonus
        return {
            "courier": kpis.courier,
            "grade": grade,
            "deliveries": kpis.deliveries,
            "commission_per_delivery": per_delivery,
            "commission": commission,
            "on_time_rate": kpis.on_time_rate,
            "rating": kpis.rating,
            "bonus_eligible": eligible,
            "bonus_tier": tier,
            "bonus_tier_min_on_time_rate": self.bonus_tiers[tier].min_on_time_rate if tier is not None else None,
            "bonus": bonus,
            "complaints": kpis.complaints,
            "deduction_per_complaint": self.complaint_deduction,
            "deductions": deductions,
            "gross": gross,
            "total": max(gross - deductions, Decimal("0.00")),
            "currency": self.currency,
        }

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        record["commission_by_grade"] = dict(self.commission_by_grade)
        record["bonus_tiers"] = tuple(
            {"min_on_time_rate": tier.min_on_time_rate, "bonus": tier.bonus} for tier in self.bonus_tiers
        )
        return record


class IncentiveMonth(PeisongAggregate):
    """One per month: it exists once the month is closed, so a month cannot be paid twice."""

    @staticmethod
    def create_id(period: str) -> UUID:
        return natural_id("incentive-month", period)

    @event("IncentiveRulesAdopted")
    def __init__(self, period: str, rules: dict[str, Any]) -> None:
        self.period = period
        self.rules = rules
        self.awards: dict[str, Decimal] = {}
        self.closed = False

    def award(self, breakdown: dict[str, Any]) -> None:
        self.check_open()
        if breakdown["courier"] in self.awards:
            raise InvalidInput(f"courier {breakdown['courier']} is already awarded for {self.period}",
                               field="kpis", courier=breakdown["courier"])
        self._awarded(**breakdown)

    def close(self) -> None:
        self.check_open()
        total = sum(self.awards.values(), Decimal("0.00"))
        self._closed(couriers=len(self.awards), total=total, currency=self.rules["currency"], rules=self.rules)

    def check_open(self) -> None:
        if self.closed:
            raise IncentiveMonthAlreadyClosed(
                f"incentives for {self.period} are already closed", field="period", period=self.period,
            )

    @event("IncentiveAwarded")
    def _awarded(
        self, courier: str, grade: str, deliveries: int, commission_per_delivery: Decimal, commission: Decimal,
        on_time_rate: Decimal, rating: Decimal | None, bonus_eligible: bool, bonus_tier: int | None,
        bonus_tier_min_on_time_rate: Decimal | None, bonus: Decimal, complaints: int,
        deduction_per_complaint: Decimal, deductions: Decimal, gross: Decimal, total: Decimal, currency: str,
    ) -> None:
        self.awards[courier] = total

    @event("IncentiveMonthClosed")
    def _closed(self, couriers: int, total: Decimal, currency: str, rules: dict[str, Any]) -> None:
        self.closed = True
