"""forecast_orders: a week ahead per zone and hour, with bands, seasonality, trend and learnt special days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.history import SHOP_SALE_EFFECT, generate_history
from solver.calendar import Calendar, china_calendar
from solver.forecast import OrderHistory, forecast_orders, seasonal_naive, wape

START = datetime(2025, 3, 3)  # a Monday in a quiet season
# orders per hour of an ordinary weekday: a lunch and an evening peak
PROFILE = np.array([1, 1, 0.5, 0.5, 0.5, 1, 2, 4, 6, 7, 9, 16, 18, 11, 8, 7, 8, 11, 14, 12, 8, 5, 3, 2], dtype=float)
WEEKEND_UPLIFT = 1.3
GROWTH_PER_WEEK = 0.02


def true_rates(weeks_from_start: float, hours: int, start: datetime = START) -> np.ndarray:
    """Expected orders of the synthetic zone: the daily profile, a weekend uplift and steady growth."""
    first = int(round(weeks_from_start * 168))
    rates = np.empty(hours)
    for h in range(hours):
        moment = start + timedelta(hours=first + h)
        weekend = WEEKEND_UPLIFT if moment.weekday() >= 5 else 1.0
        rates[h] = PROFILE[moment.hour] * weekend * np.exp(GROWTH_PER_WEEK * (first + h) / 168)
    return rates


def synthetic_history(weeks: int, seed: int = 0) -> OrderHistory:
    rng = np.random.default_rng(seed)
    return OrderHistory(START, ("Z",), rng.poisson(true_rates(0, weeks * 168))[None, :])


def test_a_forecast_covers_every_zone_and_hour_of_the_next_week_with_ordered_bands() -> None:
    history = generate_history(3, datetime(2025, 8, 4), days=8 * 7, zones=4, base_orders_per_day=1500)
    forecast = forecast_orders(history)
    assert forecast.start == history.end and forecast.hours == 168
    assert forecast.zone_names == history.zones
    assert forecast.mean().shape == (4, 168)
    for level in (0.8, 0.95):
        assert (forecast.lower(level) <= forecast.mean()).all()
        assert (forecast.mean() <= forecast.upper(level)).all()
        assert (forecast.lower(level) >= 0).all()
    assert (forecast.lower(0.95) <= forecast.lower(0.8)).all()
    assert (forecast.upper(0.8) <= forecast.upper(0.95)).all()
    assert forecast.timestamps()[0] == history.end and forecast.timestamps()[-1] == history.end + timedelta(hours=167)


def test_daily_and_weekly_seasonality_and_the_trend_are_recovered() -> None:
    history = synthetic_history(weeks=8)
    forecast = forecast_orders(history, calendar=Calendar())
    truth = true_rates(8, 168)
    mean = forecast.zone("Z").mean
    assert wape(truth, mean) < 0.08, f"forecast is {wape(truth, mean):.1%} off the true rates"
    days = mean.reshape(7, 24)
    assert all(day.argmax() in (11, 12) for day in days), "the lunch peak is the busiest hour"
    assert days[5:].sum() / days[:5].sum() * 5 / 2 == pytest.approx(WEEKEND_UPLIFT, rel=0.08)
    # the forecast week is above the last week of history by about one week's growth
    growth = mean.sum() / true_rates(7, 168).sum()
    assert growth == pytest.approx(np.exp(GROWTH_PER_WEEK), abs=0.04)


def test_the_bands_hold_at_least_their_share_of_what_actually_happens() -> None:
    # a band of whole numbers of orders holds a little more than its level when hours see a few orders only
    history = synthetic_history(weeks=8, seed=1)
    forecast = forecast_orders(history, calendar=Calendar(), horizon_hours=4 * 168)
    actual = np.random.default_rng(99).poisson(true_rates(8, 4 * 168))
    for level in forecast.levels:
        inside = (actual >= forecast.zone("Z").lower[level]) & (actual <= forecast.zone("Z").upper[level])
        assert level - 0.03 <= inside.mean() <= level + 0.12, f"{level:.0%} band held {inside.mean():.1%}"


def test_a_sale_day_seen_before_is_forecast_above_an_ordinary_same_weekday() -> None:
    sales = {date(2025, 9, 10): "Member day", date(2025, 10, 15): "Member day", date(2025, 10, 29): "Member day"}
    calendar = china_calendar(2025, 2025, shop_sales=sales)
    history = generate_history(
        5, datetime(2025, 8, 18), days=10 * 7, zones=5, base_orders_per_day=2000, calendar=calendar
    )
    assert history.end == datetime(2025, 10, 27)
    forecast = forecast_orders(history, horizon_hours=14 * 24, calendar=calendar)
    daily = forecast.mean().sum(axis=0).reshape(14, 24).sum(axis=1)
    sale, ordinary = daily[2], daily[9]  # Wednesday 29 October and Wednesday 5 November
    assert sale / ordinary == pytest.approx(SHOP_SALE_EFFECT, rel=0.15), f"sale day at {sale / ordinary:.2f}x"
    effect = forecast.effects.names[("Member day", False)]
    assert effect.occurrences == 2 and effect.factor == pytest.approx(SHOP_SALE_EFFECT, rel=0.1)
    assert any(d.name == "Member day" for d in forecast.special_days)
    # without the sale in the calendar the same day is an ordinary Wednesday
    plain = forecast_orders(history, horizon_hours=14 * 24, calendar=china_calendar(2025, 2025))
    plain_daily = plain.mean().sum(axis=0).reshape(14, 24).sum(axis=1)
    assert plain_daily[2] / plain_daily[9] == pytest.approx(1.0, abs=0.06)


def test_a_kind_seen_before_lends_its_effect_to_a_new_name_of_that_kind() -> None:
    sales = {date(2025, 9, 10): "Member day", date(2025, 10, 15): "Member day", date(2025, 10, 29): "Autumn clearance"}
    calendar = china_calendar(2025, 2025, shop_sales=sales)
    history = generate_history(
        6, datetime(2025, 8, 18), days=10 * 7, zones=5, base_orders_per_day=2000, calendar=calendar
    )
    daily = (
        forecast_orders(history, horizon_hours=14 * 24, calendar=calendar)
        .mean()
        .sum(axis=0)
        .reshape(14, 24)
        .sum(axis=1)
    )
    assert daily[2] / daily[9] == pytest.approx(SHOP_SALE_EFFECT, rel=0.15)


def test_a_zone_without_orders_is_forecast_empty() -> None:
    counts = np.zeros((2, 3 * 168))
    counts[0] = np.random.default_rng(0).poisson(3.0, size=3 * 168)
    forecast = forecast_orders(OrderHistory(START, ("busy", "empty"), counts), calendar=Calendar())
    assert not forecast.zone("empty").mean.any() and not forecast.zone("empty").upper[0.95].any()
    assert forecast.zone("busy").mean.mean() == pytest.approx(3.0, rel=0.15)


def test_a_forecast_needs_two_weeks_of_history_on_the_hour() -> None:
    with pytest.raises(ValueError, match="two weeks"):
        forecast_orders(synthetic_history(weeks=1))
    with pytest.raises(ValueError, match="on the hour"):
        OrderHistory(START + timedelta(minutes=30), ("Z",), np.zeros((1, 10)))
    with pytest.raises(ValueError, match="zones x hours"):
        OrderHistory(START, ("Z", "Y"), np.zeros((1, 10)))


def test_orders_are_counted_into_their_zone_and_hour() -> None:
    orders = [
        (START + timedelta(minutes=5), "A"),
        (START + timedelta(minutes=59), "A"),
        (START + timedelta(hours=2, minutes=1), "B"),
        (START - timedelta(minutes=1), "A"),
        (START, "elsewhere"),
    ]
    history = OrderHistory.from_orders(START, 3, ("A", "B"), orders)
    assert history.counts.tolist() == [[2, 0, 0], [0, 0, 1]]


def test_the_seasonal_naive_forecast_repeats_last_week() -> None:
    history = synthetic_history(weeks=2)
    naive = seasonal_naive(history, 200)
    assert (naive[:, :168] == history.counts[:, -168:]).all()
    assert (naive[:, 168:] == history.counts[:, -168:-136]).all()


@settings(deadline=None)
@given(st.lists(st.floats(0, 1000), min_size=1, max_size=30).filter(lambda a: sum(a) >= 1), st.floats(0.1, 10))
def test_wape_is_zero_for_a_perfect_forecast_and_does_not_depend_on_the_unit(actual: list[float], scale: float) -> None:
    actual_arr = np.array(actual)
    assert wape(actual_arr, actual_arr) == 0
    predicted = actual_arr[::-1]
    assert wape(actual_arr * scale, predicted * scale) == pytest.approx(wape(actual_arr, predicted))


def test_wape_weighs_errors_by_volume() -> None:
    assert wape(np.array([100.0, 0.0]), np.array([90.0, 5.0])) == pytest.approx(0.15)
    with pytest.raises(ValueError):
        wape(np.zeros(3), np.ones(3))
