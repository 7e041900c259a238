"""The pre-aggregated order counters say what a count over the log itself says, however they were filled."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from domain.app import Peisong
from domain.catalogue import Product
from domain.clock import ManualClock
from domain.orders import Order
from projections.analytics import VOLUME_EDGES_L, WEIGHT_EDGES_KG, AnalyticsProjector, grid_cell
from projections.database import ReadDatabase
from projections.order_analysis import (
    DayRange, daily_demand, heat_grid, order_sizes, order_totals, orders_by_category, orders_by_date,
    orders_by_hour_of_week, orders_by_warehouse, orders_by_zone,
)
from projections.replay import rebuild
from projections.runner import ProjectionRunner
from sim.shop_history import HistoryPlan, import_history
from tests.analytics.conftest import SHANGHAI
from tests.domain_couriers.staffing import hire

WEEK = HistoryPlan(until=date(2026, 11, 23), days=7, orders_per_day=80, zones=3, seed=5, skus=40)
WHOLE_WEEK = DayRange(date(2026, 11, 16), date(2026, 11, 22))


def settle_some(app: Peisong, clock: ManualClock, placed: list[Any]) -> None:
    """Cancel a few orders, deliver the last ones inside their windows and a few others late."""
    hire(app, "C-1")
    for event in placed[:15]:
        app.cancel_order(event.number, "changed their mind")
    on_time = sorted(placed[-8:], key=lambda e: e.window_start)
    late = placed[20:25]
    for event, deliver_at in [(e, e.window_start + timedelta(minutes=20)) for e in on_time] + \
                             [(e, e.window_end + timedelta(hours=30)) for e in late]:
        clock.set(max(clock.now(), deliver_at))
        app.pick_order(event.number)
        app.pack_order(event.number)
        app.hand_order_to_courier(event.number, "C-1")
        app.send_order_out_for_delivery(event.number)
        app.deliver_order(event.number, "photo", f"pod/{event.number}.jpg")


def log_events(app: Peisong) -> list[Any]:
    return [app.decode(n) for n in app.recorder.select_notifications(start=1, limit=1_000_000)]


def test_the_counters_agree_with_a_count_over_the_log_of_a_generated_week(
    app: Peisong, clock: ManualClock, read_models: Any,
) -> None:
    import_history(app, clock, WEEK)
    placed = [e for e in log_events(app) if isinstance(e, Order.OrderPlaced)]  # type: ignore[attr-defined]
    settle_some(app, clock, placed)
    db = read_models(app)

    events = log_events(app)
    category = {e.sku: e.category for e in events if isinstance(e, Product.ProductAdded)}  # type: ignore[attr-defined]
    orders = {e.originator_id: e for e in events if isinstance(e, Order.OrderPlaced)}  # type: ignore[attr-defined]
    by_zone, by_day, by_hour_of_week = Counter(), Counter(), Counter()
    by_warehouse, warehouse_units, category_units, category_grams = Counter(), Counter(), Counter(), Counter()
    demand, cells, weights, volumes = Counter(), Counter(), Counter(), Counter()
    for e in orders.values():
        at = e.timestamp.astimezone(SHANGHAI)
        by_zone[e.zone] += 1
        by_day[at.date()] += 1
        by_hour_of_week[(at.weekday(), at.hour)] += 1
        for warehouse in {line["warehouse"] for line in e.lines}:
            by_warehouse[warehouse] += 1
        for line in e.lines:
            warehouse_units[line["warehouse"]] += line["quantity"]
            category_units[category[line["sku"]]] += line["quantity"]
            category_grams[category[line["sku"]]] += int(line["weight_kg"] * 1000)
            demand[(line["warehouse"], line["sku"], at.date())] += line["quantity"]
        cells[grid_cell(e.address["lat"], e.address["lon"])] += 1
        weights[bisect_right(WEIGHT_EDGES_KG, float(e.weight_kg)) - 1] += 1
        volumes[bisect_right(VOLUME_EDGES_L, float(e.volume_l)) - 1] += 1
    settled: dict[Any, Counter[str]] = defaultdict(Counter)
    for e in events:
        if isinstance(e, Order.OrderCancelled):  # type: ignore[attr-defined]
            settled[orders[e.originator_id].zone]["cancelled"] += 1
        elif isinstance(e, Order.OrderDelivered):  # type: ignore[attr-defined]
            order = orders[e.originator_id]
            settled[order.zone]["delivered"] += 1
            settled[order.zone]["on_time"] += order.window_start <= e.timestamp <= order.window_end
            settled[order.zone]["lead_s"] += int((e.timestamp - order.timestamp).total_seconds())

    assert len(orders) > 400 and set(by_zone) == {"Z01", "Z02", "Z03"}
    total = order_totals(db, WHOLE_WEEK)
    assert total.orders == len(orders) and total.cancelled == 15 and total.delivered == 13
    assert total.delivered_on_time == 8 and total.on_time_share == 8 / 13
    assert {z.member: z.figures.orders for z in orders_by_zone(db, WHOLE_WEEK)} == by_zone
    for zone in by_zone:
        figures = order_totals(db, WHOLE_WEEK, zone=zone)
        assert (figures.cancelled, figures.delivered, figures.delivered_on_time) == (
            settled[zone]["cancelled"], settled[zone]["delivered"], settled[zone]["on_time"])
        if settled[zone]["delivered"]:
            assert math.isclose(figures.average_lead_time_minutes * 60 * figures.delivered, settled[zone]["lead_s"],
                                abs_tol=1.0)
    assert {d.day: d.figures.orders for d in orders_by_date(db, WHOLE_WEEK)} == by_day
    assert {(c.weekday, c.hour): c.figures.orders for c in orders_by_hour_of_week(db, WHOLE_WEEK)
            if c.figures.orders} == by_hour_of_week
    assert {w.member: (w.figures.orders, w.figures.units) for w in orders_by_warehouse(db, WHOLE_WEEK)} == {
        w: (by_warehouse[w], warehouse_units[w]) for w in by_warehouse}
    assert {c.member: (c.figures.units, c.figures.weight_kg) for c in orders_by_category(db, WHOLE_WEEK)} == {
        c: (category_units[c], Decimal(category_grams[c]) / 1000) for c in category_units}
    for warehouse in by_warehouse:
        for sku, (first, units) in daily_demand(db, warehouse, None, WHOLE_WEEK).items():
            assert units == [demand[(warehouse, sku, first + timedelta(days=i))] for i in range(len(units))]
    grid = heat_grid(db, WHOLE_WEEK, 250)
    assert {(c.row, c.col): c.orders for c in grid.cells} == cells
    assert heat_grid(db, WHOLE_WEEK, 2000).orders == len(orders)
    sizes = order_sizes(db, WHOLE_WEEK)
    assert [b.orders for b in sizes.weight_kg] == [weights[i] for i in range(len(WEIGHT_EDGES_KG))]
    assert [b.orders for b in sizes.volume_l] == [volumes[i] for i in range(len(VOLUME_EDGES_L))]


def test_small_batches_and_a_rebuild_from_zero_fill_the_same_counters(
    app: Peisong, clock: ManualClock, settings: Any,
) -> None:
    import_history(app, clock, WEEK)
    placed = [e for e in log_events(app) if isinstance(e, Order.OrderPlaced)]  # type: ignore[attr-defined]
    settle_some(app, clock, placed)
    analytics = AnalyticsProjector()
    db = ReadDatabase(settings)
    try:
        ProjectionRunner(app, db, projections=[analytics], policies=(), batch_size=97).catch_up()
        incremental = counters(db, analytics)
        rebuild(app, db, projections=[analytics])
        assert counters(db, analytics) == incremental
    finally:
        db.close()


def counters(db: ReadDatabase, projector: AnalyticsProjector) -> dict[str, list[tuple[Any, ...]]]:
    with db.read() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in projector.tables
        }
