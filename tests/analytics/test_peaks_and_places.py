"""Peak hours, the heat grid of delivery addresses and order sizes, on histories planted with what to find."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import InvalidInput
from projections.analytics import BLOCK_LEVELS, cell_bounds, day_blocks, grid_cell
from projections.order_analysis import DayRange, heat_grid, order_sizes, orders_by_date, peak_hours
from tests.analytics.conftest import HOME, hourly, local, open_corner_shop, place_orders_at

THREE_WEEKS = DayRange(date(2026, 10, 26), date(2026, 11, 15))  # Monday to Sunday


def saturday_afternoons_busier(hour: Any) -> int:
    return 7 if hour.weekday() == 5 and 14 <= hour.hour < 18 else 5


def test_a_planted_saturday_afternoon_peak_is_found_and_named(
    app: Peisong, clock: ManualClock, read_models: Any,
) -> None:
    open_corner_shop(app, clock, local(2026, 10, 25, 12))
    place_orders_at(app, clock, hourly(local(2026, 10, 26), 21, saturday_afternoons_busier))
    db = read_models(app)

    found = peak_hours(db, THREE_WEEKS, threshold=0.3)
    mean = 5 + 4 * 2 / 168  # five an hour, and two more in each of a week's four Saturday-afternoon hours
    assert found.mean_orders_per_hour == pytest.approx(mean)
    assert [(p.weekday, p.start_hour, p.end_hour) for p in found.blocks] == [(5, 14, 18)]
    assert found.blocks[0].lift == pytest.approx(7 / mean - 1)
    assert found.blocks[0].label == "Saturday afternoon +39%"
    assert sum(cell.peak for cell in found.cells) == 4 and len(found.cells) == 168
    assert peak_hours(db, THREE_WEEKS, zone="Z1", threshold=0.3).blocks == found.blocks
    assert peak_hours(db, THREE_WEEKS, threshold=0.5).blocks == []  # +39% is not +50%
    with pytest.raises(InvalidInput) as refused:
        peak_hours(db, THREE_WEEKS, threshold=0)
    assert refused.value.field == "threshold"


def cell_centre(row: int, col: int) -> tuple[float, float]:
    south, west, north, east = cell_bounds(row, col, 250)
    return (south + north) / 2, (west + east) / 2


def test_the_heat_grid_counts_orders_per_cell_at_any_multiple_of_250_metres(
    app: Peisong, clock: ManualClock, read_models: Any,
) -> None:
    open_corner_shop(app, clock, local(2026, 11, 1, 8))
    row, col = grid_cell(*HOME)
    points = [cell_centre(row, col)] * 3 + [cell_centre(row, col + 1)] * 2 + [cell_centre(row + 8, col + 8)]
    place_orders_at(app, clock, [local(2026, 11, 2, 10, i) for i in range(len(points))],
                    where=lambda i: points[i])
    db = read_models(app)
    day = DayRange(date(2026, 11, 2), date(2026, 11, 2))

    fine = heat_grid(db, day, 250)
    assert {(c.row, c.col): c.orders for c in fine.cells} == {(row, col): 3, (row, col + 1): 2, (row + 8, col + 8): 1}
    assert fine.busiest == 3 and fine.orders == 6
    busiest = fine.cells[0]
    assert busiest.south < points[0][0] < busiest.north and busiest.west < points[0][1] < busiest.east
    coarse = heat_grid(db, day, 1000)
    assert {(c.row, c.col): c.orders for c in coarse.cells} == Counter(grid_cell(*p, 1000) for p in points)
    with pytest.raises(InvalidInput) as refused:
        heat_grid(db, day, 300)
    assert refused.value.field == "cellSizeM"


@given(first=st.integers(0, 30_000), length=st.integers(1, 1_500))
def test_any_range_of_days_is_covered_exactly_by_a_few_aligned_blocks(first: int, length: int) -> None:
    blocks = day_blocks(first, first + length - 1)
    covered = [day for level, start in blocks for day in range(start << level, (start + 1) << level)]
    assert covered == list(range(first, first + length))
    per_level = Counter(level for level, _ in blocks)
    assert all(count <= 2 for level, count in per_level.items() if level < BLOCK_LEVELS - 1)
    assert per_level[BLOCK_LEVELS - 1] <= length // 512  # the largest blocks (512 days) simply repeat


def test_the_heat_grid_of_any_range_counts_what_the_daily_figures_count(
    app: Peisong, clock: ManualClock, read_models: Any,
) -> None:
    open_corner_shop(app, clock, local(2026, 8, 30, 8))
    days = [date(2026, 9, 1) + timedelta(days=d * d % 71) for d in range(40)]  # uneven, some days twice
    place_orders_at(app, clock, [local(d.year, d.month, d.day, 12) for d in sorted(days)])
    db = read_models(app)

    for offset in range(0, 72, 5):
        for length in (1, 2, 3, 7, 16, 31, 40, 72):
            first = date(2026, 9, 1) + timedelta(days=offset)
            span = DayRange(first, first + timedelta(days=length - 1))
            expected = sum(d.figures.orders for d in orders_by_date(db, span))
            assert heat_grid(db, span, 250).orders == expected == sum(span.first <= d <= span.last for d in days)


def test_order_sizes_fall_into_weight_and_volume_bins(app: Peisong, clock: ManualClock, read_models: Any) -> None:
    open_corner_shop(app, clock, local(2026, 11, 1, 8))
    at = local(2026, 11, 2, 9)
    place_orders_at(app, clock, [at, at + timedelta(minutes=1)], lines=[("SOY-1L", 1)])  # 1.2 kg, 1.5 l
    place_orders_at(app, clock, [at + timedelta(minutes=2)], lines=[("SOY-1L", 4)])  # 4.8 kg, 6 l
    place_orders_at(app, clock, [at + timedelta(minutes=3)], lines=[("PAN-28", 20)])  # 24 kg, 30 l
    sizes = order_sizes(read_models(app), DayRange(date(2026, 11, 2), date(2026, 11, 2)))

    assert sizes.orders == 4
    assert {(b.low, b.high): b.orders for b in sizes.weight_kg if b.orders} == {(1.0, 2.0): 2, (2.0, 5.0): 1,
                                                                                (20.0, 50.0): 1}
    assert {(b.low, b.high): b.share for b in sizes.volume_l if b.orders} == {(1.0, 2.0): 0.5, (5.0, 10.0): 0.25,
                                                                             (20.0, 50.0): 0.25}
    assert sizes.weight_kg[-1].high is None
