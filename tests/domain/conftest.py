"""Helpers shared by the write-side tests: placing orders, reading stock, and watching the log."""

from __future__ import annotations

from typing import Any

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.orders import Order
from domain.stock import StockItem
from tests.conftest import EAST_HOME, window
from tests.domain_couriers.staffing import hire

COURIER = "COURIER-01"


def stock_of(app: Peisong, warehouse: str, sku: str) -> StockItem:
    return app.repository.get(StockItem.create_id(warehouse, sku))


def order_of(app: Peisong, number: str) -> Order:
    return app.repository.get(Order.create_id(number))


def events_of(app: Peisong, aggregate_id: Any) -> list[Any]:
    return list(app.events.get(aggregate_id))


def event_names(app: Peisong, aggregate_id: Any) -> list[str]:
    return [type(e).__name__ for e in events_of(app, aggregate_id)]


def logged_since(app: Peisong, position: int) -> list[Any]:
    """Every event recorded after `position`, in log order."""
    return [app.decode(n) for n in app.recorder.select_notifications(start=position + 1, limit=10_000)]


class Placer:
    """Places orders with sensible defaults, so each test names only what it is about."""

    def __init__(self, app: Peisong, clock: ManualClock) -> None:
        self.app = app
        self.clock = clock

    def __call__(self, lines: list[tuple[str, int]], customer: str = "CUST-1",
                 address: dict[str, Any] | None = None, **kwargs: Any) -> str:
        start, end = window(self.clock)
        result = self.app.place_order(customer, lines, address or EAST_HOME, start, end, **kwargs)
        return result["number"]

    def to_status(self, status: str, lines: list[tuple[str, int]] | None = None) -> str:
        """A fresh order driven along the happy path (or its side roads) to `status`."""
        app = self.app
        number = self(lines or [("RICE-5KG", 1)], require_delivery_code=False)
        path = {
            "PLACED": [],
            "PICKED": ["pick"],
            "PACKED": ["pick", "pack"],
            "HANDED_TO_COURIER": ["pick", "pack", "hand"],
            "OUT_FOR_DELIVERY": ["pick", "pack", "hand", "out"],
            "DELIVERED": ["pick", "pack", "hand", "out", "deliver"],
            "DELIVERY_FAILED": ["pick", "pack", "hand", "out", "fail"],
            "RETURNED": ["pick", "pack", "hand", "out", "fail", "return"],
            "CANCELLED": ["cancel"],
        }[status]
        for step in path:
            MOVES[step](app, number)
        return number


MOVES = {
    "pick": lambda app, n: app.pick_order(n, "picker-1"),
    "pack": lambda app, n: app.pack_order(n, "packer-1"),
    "hand": lambda app, n: app.hand_order_to_courier(n, COURIER),
    "out": lambda app, n: app.send_order_out_for_delivery(n),
    "deliver": lambda app, n: app.deliver_order(n, "photo", "left at the door"),
    "fail": lambda app, n: app.fail_delivery(n, "nobody home"),
    "return": lambda app, n: app.return_order_to_warehouse(n, "three attempts failed"),
    "cancel": lambda app, n: app.cancel_order(n, "customer changed their mind"),
}

# The status each move wants to reach.
MOVE_TARGETS = {
    "pick": "PICKED", "pack": "PACKED", "hand": "HANDED_TO_COURIER", "out": "OUT_FOR_DELIVERY",
    "deliver": "DELIVERED", "fail": "DELIVERY_FAILED", "return": "RETURNED", "cancel": "CANCELLED",
}


@pytest.fixture
def place(shop: Peisong, clock: ManualClock) -> Placer:
    """Places orders in the stocked shop, which also has one certified, active courier."""
    hire(shop, COURIER)
    return Placer(shop, clock)
