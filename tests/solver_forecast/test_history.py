"""The synthetic order history: seeded, and shaped like a Shanghai shop's demand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import islice

import numpy as np

from sim.history import generate_history, generate_order_stream, grid_zones
from solver.calendar import china_calendar
from solver.forecast import OrderHistory

START = datetime(2025, 9, 1)


def daily_totals(history: OrderHistory) -> np.ndarray:
    return history.counts.sum(axis=0).reshape(-1, 24).sum(axis=1)


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    first = generate_history(4, START, days=14, zones=3, base_orders_per_day=800)
    again = generate_history(4, START, days=14, zones=3, base_orders_per_day=800)
    other = generate_history(5, START, days=14, zones=3, base_orders_per_day=800)
    assert (first.counts == again.counts).all() and first.zones == again.zones
    assert not (first.counts == other.counts).all()


def test_a_history_has_lunch_and_evening_peaks_and_busier_weekends() -> None:
    history = generate_history(1, datetime(2025, 3, 3), days=28, zones=4, base_orders_per_day=3000)
    by_hour = history.counts.sum(axis=0).reshape(28, 24)
    weekdays = np.array([d % 7 < 5 for d in range(28)])
    workday_hours = by_hour[weekdays].mean(axis=0)
    assert workday_hours[11:14].max() > 3 * workday_hours[14:16].min() / 2
    assert workday_hours[17:21].max() > workday_hours[14:16].mean()
    assert workday_hours[2:6].max() < workday_hours.mean() / 5
    days = by_hour.sum(axis=1)
    assert days[~weekdays].mean() > 1.08 * days[weekdays].mean()


def test_the_spring_festival_empties_the_city_and_double_11_fills_it() -> None:
    history = generate_history(2, datetime(2025, 10, 27), days=120, zones=3, base_orders_per_day=2000)
    days = daily_totals(history)

    def on(day: date) -> float:
        return float(days[(day - date(2025, 10, 27)).days])

    assert on(date(2025, 11, 11)) > 2.0 * on(date(2025, 11, 4))
    assert on(date(2026, 2, 17)) < 0.5 * on(date(2026, 2, 3))  # Spring Festival day vs two weeks before


def test_the_shop_grows_at_its_rate() -> None:
    history = generate_history(
        3,
        datetime(2025, 3, 3),
        days=364,
        zones=6,
        base_orders_per_day=3000,
        growth_per_year=0.4,
        calendar=china_calendar(2025, 2026, promotions=False),
    )
    days = daily_totals(history)
    spring, next_spring = days[14:42].sum(), days[-28:].sum()  # March against the next February-March
    assert 1.2 < next_spring / spring < 1.7


def test_the_order_stream_adds_up_to_the_history_of_the_same_seed() -> None:
    zones = grid_zones(3, seed=8)
    history = generate_history(8, START, days=2, zones=zones, base_orders_per_day=600)
    orders = list(
        generate_order_stream(8, START, days=2, zones=zones, base_orders_per_day=600, skus=["A", "B", "C", "D", "E"])
    )
    assert len(orders) == history.counts.sum()
    assert (
        OrderHistory.from_orders(
            START, history.hours, history.zones, ((o.placed_at, o.zone) for o in orders)
        ).counts.tolist()
        == history.counts.tolist()
    )
    assert all(a.placed_at <= b.placed_at for a, b in zip(orders, orders[1:]))
    boxes = {z.name: z for z in zones}
    for order in orders:
        box = boxes[order.zone]
        assert box.south <= order.lat <= box.north and box.west <= order.lon <= box.east
        assert 1 <= len(order.lines) <= 5 and len({line.sku for line in order.lines}) == len(order.lines)
        assert all(line.quantity >= 1 for line in order.lines)
    assert len({o.customer for o in orders}) < len(orders), "customers come back"


def test_the_order_stream_is_seeded_and_uses_the_catalogue_by_default() -> None:
    first = list(islice(generate_order_stream(9, START, days=1, zones=2, base_orders_per_day=300), 50))
    again = list(islice(generate_order_stream(9, START, days=1, zones=2, base_orders_per_day=300), 50))
    assert first == again
    assert all(line.sku[:3].isalpha() and line.sku[:3].isupper() for o in first for line in o.lines)


def test_a_history_may_start_at_any_hour() -> None:
    history = generate_history(1, START + timedelta(hours=7), days=3, zones=2, base_orders_per_day=500)
    assert history.start == START + timedelta(hours=7) and history.hours == 72
