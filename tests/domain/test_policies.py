"""Policies react to the log through the application's own commands and cannot double an effect."""

from __future__ import annotations

from domain.app import Peisong
from domain.policies import POLICIES, replenish_low_stock
from domain.stock import StockItem
from tests.domain.conftest import Placer, event_names, logged_since


def test_low_stock_asks_purchasing_to_bring_stock_back_to_twice_the_threshold_once(shop: Peisong) -> None:
    alarm = next(e for e in logged_since(shop, 0) if isinstance(e, StockItem.LowStockDetected))  # type: ignore[attr-defined]
    assert (alarm.available, alarm.threshold) == (5, 10)

    replenish_low_stock(shop, alarm)
    replenish_low_stock(shop, alarm)  # re-run after a crash: no second request

    item_id = StockItem.create_id("WH-EAST", "TEA-250G")
    assert event_names(shop, item_id).count("ReplenishmentRequested") == 1
    request = [e for e in shop.events.get(item_id) if type(e).__name__ == "ReplenishmentRequested"][0]
    assert request.quantity == 15
    assert request.trigger == f"{alarm.originator_id}:{alarm.originator_version}"


def test_each_crossing_gets_its_own_request(shop: Peisong, place: Placer) -> None:
    place([("MILK-1L", 21)])
    shop.receive_stock("WH-EAST", "MILK-1L", 30)
    place([("MILK-1L", 30)])
    alarms = [e for e in logged_since(shop, 0)
              if isinstance(e, StockItem.LowStockDetected) and e.originator_id == StockItem.create_id("WH-EAST", "MILK-1L")]  # type: ignore[attr-defined]
    assert len(alarms) == 2
    for alarm in alarms:
        replenish_low_stock(shop, alarm)
    requests = [e for e in shop.events.get(alarms[0].originator_id) if type(e).__name__ == "ReplenishmentRequested"]
    assert [r.quantity for r in requests] == [11, 11]


def test_every_policy_names_what_it_follows() -> None:
    assert {p.name for p in POLICIES} == {
        "replenish-low-stock", "assign-dispatched-orders", "replan-routes-in-traffic", "complete-stops",
        "notify-customers", "tell-purchasing", "announce-situations", "detect-delays",
    }
    assert len({p.name for p in POLICIES}) == len(POLICIES)
    assert all(p.follows for p in POLICIES)
