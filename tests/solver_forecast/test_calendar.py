"""The special-day calendar: official days off, make-up workdays, the Spring Festival period, promotions, shop sales."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from solver.calendar import (
    ADJUSTED_WORKDAY,
    PROMOTION,
    PUBLIC_HOLIDAY,
    SHOP_SALE,
    SPRING_FESTIVAL,
    Calendar,
    SpecialDay,
    china_calendar,
)

CALENDAR = china_calendar(2025, 2026)


def kinds_on(day: date) -> set[str]:
    return {s.kind for s in CALENDAR.on(day)}


def test_golden_week_2025_is_the_eight_days_off_including_the_weekend_and_mid_autumn() -> None:
    golden_week = [date(2025, 10, 1) + timedelta(days=i) for i in range(8)]
    assert all(CALENDAR.on(d) == (SpecialDay(d, "National Day", PUBLIC_HOLIDAY),) for d in golden_week)
    assert not CALENDAR.on(date(2025, 10, 9))
    assert not CALENDAR.on(date(2025, 9, 30))


def test_weekend_days_worked_to_pay_for_golden_week_are_adjusted_workdays() -> None:
    for sunday_or_saturday in (date(2025, 9, 28), date(2025, 10, 11)):
        assert CALENDAR.on(sunday_or_saturday) == (
            SpecialDay(sunday_or_saturday, "Adjusted workday (National Day)", ADJUSTED_WORKDAY),
        )


def test_a_make_up_workday_is_named_for_the_holiday_it_pays_for_not_the_nearest_one() -> None:
    # 20 September 2026 pays for 6 October, although the Mid-Autumn Festival (25 September) is nearer
    assert CALENDAR.on(date(2026, 9, 20))[0].name == "Adjusted workday (National Day)"


def test_the_spring_festival_period_runs_a_week_either_side_of_the_lunar_new_year() -> None:
    new_year_2026 = date(2026, 2, 17)
    period = [d for d in CALENDAR.days if d.kind == SPRING_FESTIVAL and d.date.year == 2026]
    assert [d.date for d in period] == [new_year_2026 + timedelta(days=i) for i in range(-7, 8)]
    assert CALENDAR.on(date(2026, 2, 16))[0].name == "Spring Festival -1"  # New Year's Eve
    assert CALENDAR.on(new_year_2026)[0].name == "Spring Festival +0"
    assert CALENDAR.on(date(2025, 1, 29))[0].name == "Spring Festival +0"


def test_promotions_are_618_double_11_and_double_12() -> None:
    promotions = [(d.date, d.name) for d in CALENDAR.days if d.kind == PROMOTION and d.date.year == 2025]
    assert promotions == [
        (date(2025, 6, 18), "618"),
        (date(2025, 11, 11), "Double 11"),
        (date(2025, 12, 12), "Double 12"),
    ]
    assert not [d for d in china_calendar(2025, 2025, promotions=False).days if d.kind == PROMOTION]


def test_the_shops_own_sale_days_join_the_calendar_and_may_share_a_date() -> None:
    calendar = CALENDAR.with_shop_sales({date(2025, 11, 11): "Anniversary sale", date(2025, 3, 20): "Member day"})
    assert kinds_on(date(2025, 11, 11)) == {PROMOTION}
    assert {s.kind for s in calendar.on(date(2025, 11, 11))} == {PROMOTION, SHOP_SALE}
    assert calendar.on(date(2025, 3, 20)) == (SpecialDay(date(2025, 3, 20), "Member day", SHOP_SALE),)


def test_the_calendar_covers_only_the_years_asked_for() -> None:
    days = china_calendar(2027, 2028).days
    assert {d.date.year for d in days} == {2027, 2028}
    assert any(d.name == "Spring Festival +0" and d.date == date(2028, 1, 26) for d in days)
    with pytest.raises(ValueError):
        china_calendar(2028, 2027)


def test_between_lists_the_special_days_of_a_span_in_date_order() -> None:
    span = CALENDAR.between(date(2025, 12, 30), date(2026, 1, 5))
    assert [d.date for d in span] == [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), date(2026, 1, 4)]
    assert Calendar().between(date(2025, 1, 1), date(2025, 12, 31)) == ()
