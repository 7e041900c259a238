"""The stock forecast: each SKU's demand, cover and reorder point, and the warning that comes before it runs out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.analytics.reorder_review import ReorderReview
from domain.app import Peisong
from domain.clock import ManualClock
from domain.stock import StockItem
from projections.forecasts import reorder_policy, stock_forecasts
from tests.analytics.conftest import local, open_corner_shop, place_orders_at
from tests.domain_couriers.staffing import events_of

LOW_STOCK: type = StockItem.LowStockDetected  # type: ignore[attr-defined]
REPLENISHMENT: type = StockItem.ReplenishmentRequested  # type: ignore[attr-defined]


def ten_a_day(first: Any, days: int) -> list[Any]:
    return [first + timedelta(days=d, hours=10 + i) for d in range(days) for i in range(10)]


def test_a_steady_seller_is_warned_while_lead_time_days_of_cover_are_left(
    app: Peisong, clock: ManualClock, read_models: Any,
) -> None:
    open_corner_shop(app, clock, local(2026, 10, 1, 8), units=400, zone=None)
    place_orders_at(app, clock, ten_a_day(local(2026, 10, 2), 28))  # one unit of SOY-1L an order
    clock.set(local(2026, 10, 30, 8))
    db = read_models(app)

    [soy] = stock_forecasts(db, clock.now(), "WH-CORNER", "SOY-1L")
    assert (soy.daily_demand, soy.daily_demand_std, soy.history_days) == (10, 0, 28)
    assert soy.available == 120 and soy.days_of_cover == 12
    # three days of lead time at ten a day, and no safety stock for a demand that never varies
    assert soy.lead_time_days == 3 and soy.reorder_point == 30 and not soy.reorder_now
    assert soy.threshold == app.settings.default_reorder_threshold == 10  # would warn with one day left

    review = ReorderReview(app, db, period=0).review_now()
    assert [(c.sku, c.previous, c.threshold) for c in review.changes] == [("SOY-1L", 10, 30)]
    assert review.reviewed == 3  # the two SKUs nobody bought keep their thresholds
    assert ReorderReview(app, db, period=0).review_now().changes == review.changes  # not yet projected: same key

    place_orders_at(app, clock, ten_a_day(local(2026, 10, 30), 10))
    read_models(app)  # the replenishment policy reacts
    item = StockItem.create_id("WH-CORNER", "SOY-1L")
    [warning] = [e for e in events_of(app, item) if isinstance(e, LOW_STOCK)]
    assert warning.available == 30 and warning.threshold == 30
    assert warning.available / soy.daily_demand == soy.lead_time_days  # warned with the lead time still covered
    assert warning.timestamp == local(2026, 11, 7, 19)  # the 90th order after the review: three days before the last
    [request] = [e for e in events_of(app, item) if isinstance(e, REPLENISHMENT)]
    assert request.quantity == 30


def test_the_forecast_lists_a_warehouse_by_shortest_cover_and_follows_the_policy_asked_for(
    app: Peisong, clock: ManualClock, read_models: Any,
) -> None:
    open_corner_shop(app, clock, local(2026, 10, 1, 8), units=400, zone=None)
    moments = [local(2026, 10, 2) + timedelta(days=d, hours=12) for d in range(14)]
    place_orders_at(app, clock, moments, lines=lambda day: [("SOY-1L", 2 + day % 2 * 4), ("TEA-250G", 1)])  # 2, 6, ...
    clock.set(local(2026, 10, 16, 9))
    db = read_models(app)

    listed = stock_forecasts(db, clock.now(), "WH-CORNER")
    assert [f.sku for f in listed] == ["SOY-1L", "TEA-250G", "PAN-28"]
    assert listed[-1].days_of_cover is None and listed[-1].daily_demand == 0
    soy = listed[0]
    assert soy.daily_demand == 4 and soy.safety_stock > 0 and soy.reorder_point > 12
    careful = stock_forecasts(db, clock.now(), "WH-CORNER", "SOY-1L",
                              reorder_policy(db, lead_time_days=7, service_level=0.99))[0]
    assert careful.reorder_point > soy.reorder_point + 4 * 4
