"""backtest: the model must beat the same-hour-last-week baseline by at least 10% (relative) on realistic histories."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sim.history import generate_history
from solver.calendar import china_calendar
from solver.forecast import backtest

MEMBER_DAYS = {date(2025, m, 20): "Member day" for m in (8, 9, 10)}
CALENDAR = china_calendar(2025, 2025, shop_sales=MEMBER_DAYS)


@pytest.mark.parametrize("seed", [11, 12])
def test_the_model_beats_the_seasonal_naive_baseline_by_at_least_ten_percent(seed: int) -> None:
    # twelve weeks from August with trend, weekly and daily seasonality, noise, Golden Week, its make-up
    # workdays and the shop's monthly member day; the three weeks scored follow Golden Week
    history = generate_history(
        seed, datetime(2025, 8, 4), days=12 * 7, zones=5, base_orders_per_day=2000, calendar=CALENDAR
    )
    result = backtest(history, weeks=3, calendar=CALENDAR)
    assert len(result.weeks) == 3
    assert [w.start for w in result.weeks] == [datetime(2025, 10, 6), datetime(2025, 10, 13), datetime(2025, 10, 20)]
    assert result.improvement >= 0.10, (
        f"model WAPE {result.model_wape:.1%} is only {result.improvement:.1%} below the baseline's "
        f"{result.baseline_wape:.1%}; at least 10% is required"
    )
    print(f"model WAPE {result.model_wape:.1%}, baseline {result.baseline_wape:.1%}: {result.improvement:.1%} lower")


def test_a_backtest_needs_two_weeks_of_history_before_the_first_week_it_scores() -> None:
    history = generate_history(1, datetime(2025, 8, 4), days=4 * 7, zones=2, base_orders_per_day=500)
    with pytest.raises(ValueError, match="5 weeks"):
        backtest(history, weeks=3)
