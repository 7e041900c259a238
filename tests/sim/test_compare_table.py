"""The comparison prints one row per figure, the baseline's value first and Peisong's second, and draws a chart."""

from __future__ import annotations

import re

from sim.compare import COMPARED, chart, table
from sim.metrics import FIGURES, DayFigures


def figures(**values) -> DayFigures:
    base = dict(km_per_vehicle_day=61.2, mean_delivery_min=52.4, p95_delivery_min=118.0, on_time_rate=71.5,
                orders_per_courier_hour=2.1, p95_assignment_s=1500.0, delay_notices=0, complaints=40, orders=1000,
                delivered=980, failed_attempts=20, mean_stars=4.1, vehicle_days=50, km_total=3060.0,
                courier_hours=450.0)
    return DayFigures(**{**base, **values})


def test_one_row_per_figure_baseline_first_then_peisong_then_the_change():
    printed = table(figures(), figures(km_per_vehicle_day=44.0, delay_notices=35, on_time_rate=90.0))
    lines = printed.splitlines()

    assert re.fullmatch(r"\s+baseline\s+peisong\s+change", lines[0])
    labels = [line[: line.index("  ")].strip() for line in lines[1:]]
    assert labels[: len(COMPARED)] == [
        FIGURES[name].label + (f" ({FIGURES[name].unit})" if FIGURES[name].unit else "") for name in COMPARED]
    assert re.fullmatch(r"km per vehicle-day \(km\)\s+61\.2\s+44\.0\s+-28\.1%", lines[1])
    assert re.fullmatch(r"on-time rate \(%\)\s+71\.5\s+90\.0\s+\+18\.5 pts", lines[4])
    assert re.fullmatch(r"delay notices sent\s+0\s+35\s+\+35", lines[7])


def test_the_chart_is_a_png(tmp_path):
    path = chart(figures(), figures(km_per_vehicle_day=44.0), tmp_path / "compare.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
