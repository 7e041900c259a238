"""An order is placed in the zone its address lies in; outside every zone it is flagged for the dispatcher."""

from __future__ import annotations

from typing import Callable

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import OutOfStock
from domain.orders import Order
from domain.zones import UnzonedOrder
from tests.conftest import EAST_HOME, WEST_HOME, stock_shop, window
from tests.domain_zones.conftest import names, square


def place(app: Peisong, clock: ManualClock, address: dict[str, object]) -> str:
    start, end = window(clock)
    return app.place_order("CUST-1", [("MILK-1L", 1)], address, start, end)["number"]


def test_an_address_inside_a_zone_puts_the_order_in_that_zone(city: Peisong, clock: ManualClock) -> None:
    east = place(city, clock, EAST_HOME)
    west = place(city, clock, WEST_HOME)

    assert city.repository.get(Order.create_id(east)).zone == "EAST"
    assert city.repository.get(Order.create_id(west)).zone == "WEST"
    (placed,) = [e for e in city.events.get(Order.create_id(east)) if type(e).__name__ == "OrderPlaced"]
    assert placed.zone == "EAST"


def test_an_address_on_a_zone_boundary_is_in_the_zone(city: Peisong, clock: ManualClock) -> None:
    on_outer_edge = place(city, clock, {"lat": 31.30, "lon": 121.60, "text": "north edge of EAST"})
    on_shared_edge = place(city, clock, {"lat": 31.20, "lon": 121.45, "text": "the meridian EAST and WEST share"})

    assert city.repository.get(Order.create_id(on_outer_edge)).zone == "EAST"
    # On the edge two zones share, the first code wins, every time.
    assert city.repository.get(Order.create_id(on_shared_edge)).zone == "EAST"


def test_an_address_outside_every_zone_is_placed_without_one_and_flagged(city: Peisong, clock: ManualClock) -> None:
    number = place(city, clock, {"lat": 31.40, "lon": 121.50, "text": "Baoshan, beyond the zones"})

    order = city.repository.get(Order.create_id(number))
    assert order.zone is None
    assert order.status == "PLACED"
    (flag,) = list(city.events.get(UnzonedOrder.create_id(number)))
    assert type(flag).__name__ == "OrderFoundOutsideZones"
    assert (flag.order, flag.lat, flag.lon, flag.zones_on_map) == (number, 31.40, 121.50, 2)


def test_the_flag_is_saved_with_the_order_or_not_at_all(city: Peisong, clock: ManualClock) -> None:
    head = city.head_position()
    start, end = window(clock)
    with pytest.raises(OutOfStock):
        city.place_order("CUST-1", [("TEA-250G", 500)], {"lat": 31.40, "lon": 121.50}, start, end)
    assert city.head_position() == head


def test_without_any_zones_orders_are_neither_zoned_nor_flagged(shop: Peisong, clock: ManualClock) -> None:
    number = place(shop, clock, EAST_HOME)

    assert shop.repository.get(Order.create_id(number)).zone is None
    assert list(shop.events.get(UnzonedOrder.create_id(number))) == []


def test_orders_follow_a_redrawn_boundary_at_once(city: Peisong, clock: ManualClock) -> None:
    north = {"lat": 31.33, "lon": 121.55, "text": "Gaoqiao"}
    before = place(city, clock, north)

    city.redraw_zone("EAST", square(121.45, 31.15, 121.65, 31.35))
    after = place(city, clock, north)

    assert city.repository.get(Order.create_id(before)).zone is None
    assert city.repository.get(Order.create_id(after)).zone == "EAST"


def test_a_second_process_sees_the_zones_the_first_one_drew(
    make_app: Callable[[], Peisong], clock: ManualClock
) -> None:
    first = stock_shop(make_app())
    second = make_app()
    assert place(second, clock, EAST_HOME)  # the second process has read (and cached) a map-less world

    first.define_zone("EAST", "Pudong", "residential", square(121.45, 31.15, 121.65, 31.30))
    number = place(second, clock, EAST_HOME)

    assert second.repository.get(Order.create_id(number)).zone == "EAST"
    assert "OrderPlaced" in names(list(second.events.get(Order.create_id(number))))
