"""Monthly incentives: commission by grade, on-time bonus tiers, complaint deductions, each month closed once."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from domain.app import Peisong
from domain.assessment import CourierKpis, PeriodNotOver
from domain.clock import ManualClock
from domain.couriers import CourierNotCertified
from domain.errors import InvalidInput, PreconditionFailed
from domain.incentives import BonusTier, IncentiveMonth, IncentiveMonthAlreadyClosed, IncentiveRules
from tests.domain_couriers.staffing import apply, events_of, hire

LATER = datetime(2027, 7, 2, 9, 0, tzinfo=timezone.utc)


def month(courier: str, period: str, deliveries: int, on_time_rate: str, rating: str | None,
          complaints: int) -> CourierKpis:
    return CourierKpis(
        courier=courier, period=period, deliveries=deliveries, on_time_rate=Decimal(on_time_rate),
        average_lateness_minutes=Decimal("4"), failed_attempts=1, distance_km=Decimal("1500"),
        rating=None if rating is None else Decimal(rating), complaints=complaints,
    )


def awards(app: Peisong, period: str) -> dict[str, object]:
    return {e.courier: e for e in events_of(app, IncentiveMonth.create_id(period))
            if type(e).__name__ == "IncentiveAwarded"}


@pytest.fixture
def crew(app: Peisong, clock: ManualClock) -> list[str]:
    clock.set(datetime(2026, 10, 20, tzinfo=timezone.utc))
    couriers = [hire(app, f"COURIER-{n}") for n in range(1, 6)]
    clock.set(LATER)
    return couriers


def test_each_award_is_itemised_commission_plus_bonus_less_deductions(app: Peisong, crew: list[str]) -> None:
    result = app.close_incentive_month("2027-06", [
        month("COURIER-1", "2027-06", 320, "0.96", "4.8", 1),
        month("COURIER-2", "2027-06", 410, "0.985", "4.9", 0),
    ])

    one, two = awards(app, "2027-06")["COURIER-1"], awards(app, "2027-06")["COURIER-2"]
    assert (one.deliveries, one.commission_per_delivery, one.commission) == (320, Decimal("4.00"), Decimal("1280.00"))
    assert (one.bonus_eligible, one.bonus_tier, one.bonus_tier_min_on_time_rate, one.bonus) == (
        True, 0, Decimal("0.9500"), Decimal("300.00"))
    assert (one.complaints, one.deduction_per_complaint, one.deductions) == (1, Decimal("50.00"), Decimal("50.00"))
    assert (one.gross, one.total, one.currency) == (Decimal("1580.00"), Decimal("1530.00"), "CNY")
    assert (two.commission, two.bonus_tier, two.bonus, two.total) == (
        Decimal("1640.00"), 1, Decimal("600.00"), Decimal("2240.00"))
    assert result["total"] == Decimal("3770.00") and result["couriers"] == 2


def test_bonuses_need_a_good_rating_and_enough_deliveries(app: Peisong, crew: list[str]) -> None:
    app.close_incentive_month("2027-06", [
        month("COURIER-1", "2027-06", 200, "0.99", "4.3", 2),
        month("COURIER-2", "2027-06", 80, "0.99", "4.9", 0),
        month("COURIER-3", "2027-06", 150, "0.99", None, 0),
        month("COURIER-4", "2027-06", 150, "0.90", "4.9", 0),
    ])
    paid = awards(app, "2027-06")
    assert (paid["COURIER-1"].bonus_eligible, paid["COURIER-1"].bonus, paid["COURIER-1"].total) == (
        False, Decimal("0.00"), Decimal("700.00"))
    assert (paid["COURIER-2"].bonus_eligible, paid["COURIER-2"].total) == (False, Decimal("320.00"))
    assert (paid["COURIER-3"].bonus_tier, paid["COURIER-3"].total) == (1, Decimal("1200.00"))  # nobody rated them
    assert (paid["COURIER-4"].bonus_eligible, paid["COURIER-4"].bonus_tier, paid["COURIER-4"].total) == (
        True, None, Decimal("600.00"))


def test_deductions_never_take_an_award_below_zero(app: Peisong, crew: list[str]) -> None:
    app.close_incentive_month("2027-06", [month("COURIER-1", "2027-06", 30, "0.70", "3.9", 4)])
    award = awards(app, "2027-06")["COURIER-1"]
    assert (award.gross, award.deductions, award.total) == (Decimal("120.00"), Decimal("200.00"), Decimal("0.00"))


def test_a_month_is_paid_at_the_grade_held_that_month(app: Peisong, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 25, tzinfo=timezone.utc))
    courier = hire(app)
    clock.set(LATER)
    strong = CourierKpis(courier, "2027-05", 320, Decimal("0.97"), Decimal("2"), 0, Decimal("2000"), Decimal("4.9"), 0)
    assert app.assess_couriers("2027-05", [strong])["promoted"] == {courier: "senior"}

    app.close_incentive_month("2027-05", [month(courier, "2027-05", 100, "0.90", "4.9", 0)])
    app.close_incentive_month("2027-06", [month(courier, "2027-06", 100, "0.90", "4.9", 0)])
    assert awards(app, "2027-05")[courier].grade == "junior"
    assert awards(app, "2027-06")[courier].grade == "senior"
    assert awards(app, "2027-06")[courier].commission == Decimal("450.00")


def test_a_month_cannot_be_closed_twice(app: Peisong, crew: list[str]) -> None:
    app.close_incentive_month("2027-06", [month("COURIER-1", "2027-06", 100, "0.96", "4.8", 0)])
    with pytest.raises(IncentiveMonthAlreadyClosed) as refused:
        app.close_incentive_month("2027-06", [month("COURIER-1", "2027-06", 100, "0.96", "4.8", 0)])
    assert isinstance(refused.value, PreconditionFailed) and refused.value.field == "period"
    names = [type(e).__name__ for e in events_of(app, IncentiveMonth.create_id("2027-06"))]
    assert names == ["IncentiveRulesAdopted", "IncentiveAwarded", "IncentiveMonthClosed"]


def test_the_rules_in_force_are_recorded_for_the_auditor(app: Peisong, crew: list[str]) -> None:
    rules = IncentiveRules(
        commission_by_grade=(("junior", "5"), ("senior", "6"), ("lead", "7")),
        bonus_tiers=(BonusTier(Decimal("0.9"), Decimal("100")),), bonus_min_rating=Decimal("4.0"),
        bonus_min_deliveries=0, complaint_deduction=Decimal("10"),
    )
    app.close_incentive_month("2027-06", [month("COURIER-1", "2027-06", 10, "0.95", "4.1", 1)], rules=rules)

    adopted, awarded, closed = events_of(app, IncentiveMonth.create_id("2027-06"))
    expected = {
        "commission_by_grade": {"junior": Decimal("5.00"), "senior": Decimal("6.00"), "lead": Decimal("7.00")},
        "bonus_tiers": [{"min_on_time_rate": Decimal("0.9000"), "bonus": Decimal("100.00")}],
        "bonus_min_rating": Decimal("4.00"), "bonus_min_deliveries": 0, "complaint_deduction": Decimal("10.00"),
        "currency": "CNY",
    }
    assert adopted.rules == expected and closed.rules == expected
    assert awarded.total == Decimal("140.00")
    assert (closed.couriers, closed.total, closed.currency) == (1, Decimal("140.00"), "CNY")


def test_incentive_rules_are_checked(app: Peisong) -> None:
    with pytest.raises(InvalidInput):
        IncentiveRules(commission_by_grade=(("junior", "4"),))
    with pytest.raises(InvalidInput):
        IncentiveRules(bonus_tiers=(BonusTier(Decimal("0.98"), Decimal("600")),
                                    BonusTier(Decimal("0.95"), Decimal("300"))))
    with pytest.raises(InvalidInput):
        BonusTier(Decimal("1.5"), Decimal("100"))


def test_only_a_finished_month_of_certified_couriers_is_paid(app: Peisong, crew: list[str]) -> None:
    with pytest.raises(PeriodNotOver):
        app.close_incentive_month("2027-07", [])
    apply(app, "COURIER-9")
    with pytest.raises(CourierNotCertified):
        app.close_incentive_month("2027-06", [month("COURIER-9", "2027-06", 10, "0.95", "4.1", 0)])
    assert app.get_or_none(IncentiveMonth.create_id("2027-06")) is None
