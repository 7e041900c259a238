"""`place_orders`: a batch of orders in one save, each as `place_order` would place it, at its own business time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.commands.orders import OrderRequest
from domain.errors import AlreadyExists, InvalidInput, OutOfStock
from domain.orders import Order
from domain.stock import StockItem
from tests.analytics.conftest import HOME, local, open_corner_shop
from tests.domain_couriers.staffing import events_of

ADDRESS = {"label": "home", "text": "Corner St", "lat": HOME[0], "lon": HOME[1]}


def order(at: datetime, lines: list[tuple[str, int]], number: str | None = None) -> OrderRequest:
    opens = local(2026, 11, 2, 14)
    return OrderRequest("CUST-A", lines, ADDRESS, opens, opens + timedelta(hours=2),
                        placed_at=at, number=number)


def test_a_batch_places_each_order_at_its_own_time_and_reserves_for_all_of_them(
    app: Peisong, clock: ManualClock,
) -> None:
    open_corner_shop(app, clock, local(2026, 11, 1, 8), units=10)
    clock.set(local(2026, 11, 2, 12))
    times = [local(2026, 11, 2, 9), local(2026, 11, 2, 10, 30), local(2026, 11, 2, 11, 59)]
    result = app.place_orders([order(times[0], [("SOY-1L", 4)], "B-1"), order(times[1], [("SOY-1L", 6)], "B-2"),
                               order(times[2], [("TEA-250G", 1)], "B-3")])

    assert result["placed"] == 3 and result["numbers"] == ["B-1", "B-2", "B-3"]
    placed = [events_of(app, Order.create_id(n))[0] for n in result["numbers"]]
    assert [e.timestamp for e in placed] == times and all(e.zone == "Z1" for e in placed)
    soy = app.repository.get(StockItem.create_id("WH-CORNER", "SOY-1L"))
    assert soy.reserved == 10 and soy.available == 0  # the second order saw the first one's reservation


def test_one_refused_order_refuses_the_batch_naming_it_and_nothing_is_recorded(
    app: Peisong, clock: ManualClock,
) -> None:
    open_corner_shop(app, clock, local(2026, 11, 1, 8), units=10)
    clock.set(local(2026, 11, 2, 12))
    head = app.head_position()
    at = local(2026, 11, 2, 9)

    with pytest.raises(InvalidInput) as unknown:
        app.place_orders([order(at, [("SOY-1L", 1)]), order(at, [("NOPE", 1)])])
    assert unknown.value.field == "orders.1.lines.0.sku" and unknown.value.ids["index"] == 1
    with pytest.raises(OutOfStock) as short:
        app.place_orders([order(at, [("SOY-1L", 6)]), order(at, [("SOY-1L", 6)])])
    assert short.value.field == "orders.1.lines"
    with pytest.raises(InvalidInput) as backwards:
        app.place_orders([order(at, [("SOY-1L", 1)]), order(at - timedelta(minutes=1), [("SOY-1L", 1)])])
    assert backwards.value.field == "orders.1.placedAt"
    with pytest.raises(InvalidInput) as ahead:
        app.place_orders([order(clock.now() + timedelta(minutes=1), [("SOY-1L", 1)])])
    assert ahead.value.field == "orders.0.placedAt"
    with pytest.raises(AlreadyExists) as twice:
        app.place_orders([order(at, [("SOY-1L", 1)], "B-1"), order(at, [("SOY-1L", 1)], "B-1")])
    assert twice.value.field == "orders.1.number"
    assert app.head_position() == head
    assert app.repository.get(StockItem.create_id("WH-CORNER", "SOY-1L")).reserved == 0
