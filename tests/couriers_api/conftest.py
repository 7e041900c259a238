"""The API fixtures of tests/api, and ways to arrange couriers' days: deliveries on the clock, zones, rides."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import Api, api, make_api, shop_api  # noqa: F401  (fixtures shared with tests/api)
from tests.domain_zones.conftest import EAST, WEST, put_on_shift

COURIER = """
query($ref: String!, $p: Int) {
  courier(reference: $ref, atLeast: $p) {
    reference name status statusReason certified grade skills homeZone zones onShift onBreak currentShift
    retrainingDue consecutiveFlags offboardingProposed
    shifts { shift status zone vehicle breaks endReason }
    trainings { course score passed }
    history { eventType status detail }
  }
}
"""


def deliver(shop: Api, number: str, courier: str, window_start: datetime, window_end: datetime,
            delivered_at: datetime, *, fail_first: bool = False) -> None:
    """An order placed, packed and handed over now, then delivered at `delivered_at` (after a failed try)."""
    app = shop.application
    app.place_order("CUST-1", [("MILK-1L", 1)], {"lat": 31.23, "lon": 121.54, "text": "Pudong"},
                    window_start, window_end, number=number)
    app.pick_order(number)
    app.pack_order(number)
    app.hand_order_to_courier(number, courier)
    app.send_order_out_for_delivery(number)
    if fail_first:
        app.fail_delivery(number, "customer absent")
        app.send_order_out_for_delivery(number)
    now = shop.clock.now()
    shop.clock.set(delivered_at)
    app.deliver_order(number, "photo", f"pod/{number}.jpg")
    shop.clock.set(now)


@pytest.fixture
def city_api(shop_api: Api) -> Api:
    """The stocked shop with an EAST (Pudong) and a WEST (Changning) zone, and courier C-9 on shift in EAST."""
    app = shop_api.application
    app.define_zone("EAST", "Pudong", "residential", EAST)
    app.define_zone("WEST", "Changning", "business", WEST)
    put_on_shift(app, "C-9")
    shop_api.settle()
    return shop_api


def as_courier(reference: str) -> dict[str, Any]:
    return {"role": "courier", "subject": reference}


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
