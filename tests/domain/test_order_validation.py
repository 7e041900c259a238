"""Order input checks and other refusals made before anything is saved: each names its field.

These do not depend on the store, so they run on SQLite only (the settings
fixture below overrides the store-parametrised one).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import InvalidInput, NotFound
from domain.settings import Settings
from tests.conftest import EAST_HOME, window
from tests.domain.conftest import MOVES, Placer, order_of


@pytest.fixture
def settings(sqlite_settings: Settings) -> Settings:
    return sqlite_settings


def _valid(clock: ManualClock) -> dict[str, Any]:
    start, end = window(clock)
    return {"customer": "CUST-1", "lines": [("RICE-5KG", 1), ("MILK-1L", 1)], "address": dict(EAST_HOME),
            "window_start": start, "window_end": end}


INVALID_ORDERS: list[tuple[str, Any, str]] = [
    ("zero quantity", lambda o: o.update(lines=[("RICE-5KG", 1), ("MILK-1L", 0)]), "lines.1.quantity"),
    ("negative quantity", lambda o: o.update(lines=[("RICE-5KG", -2)]), "lines.0.quantity"),
    ("fractional quantity", lambda o: o.update(lines=[("RICE-5KG", 1.5)]), "lines.0.quantity"),
    ("unknown sku", lambda o: o.update(lines=[("RICE-5KG", 1), ("CAVIAR", 1)]), "lines.1.sku"),
    ("oversize sku", lambda o: o.update(lines=[("R" * 65, 1)]), "lines.0.sku"),
    ("no lines", lambda o: o.update(lines=[]), "lines"),
    ("too many lines", lambda o: o.update(lines=[("RICE-5KG", 1)] * 101), "lines"),
    ("latitude", lambda o: o["address"].update(lat=90.5), "address.lat"),
    ("longitude", lambda o: o["address"].update(lon=-180.01), "address.lon"),
    ("boolean latitude", lambda o: o["address"].update(lat=True), "address.lat"),
    ("not-a-number longitude", lambda o: o["address"].update(lon=float("nan")), "address.lon"),
    ("missing coordinates", lambda o: o["address"].pop("lat"), "address.lat"),
    ("oversize address", lambda o: o["address"].update(text="x" * 2001), "address.text"),
    ("oversize label", lambda o: o["address"].update(label="x" * 41), "address.label"),
    ("window backwards", lambda o: o.update(window_end=o["window_start"] - timedelta(minutes=1)), "windowEnd"),
    ("empty window", lambda o: o.update(window_end=o["window_start"]), "windowEnd"),
    ("naive window", lambda o: o.update(window_start=datetime(2026, 11, 25, 9), window_end=datetime(2026, 11, 25, 11)),
     "window"),
    ("oversize number", lambda o: o.update(number="N" * 65), "number"),
    ("blank number", lambda o: o.update(number="  "), "number"),
    ("unknown rule", lambda o: o.update(warehouse_rule="cheapest"), "warehouseRule"),
]


@pytest.mark.parametrize(("spoil", "field"), [(s, f) for _, s, f in INVALID_ORDERS], ids=[n for n, _, _ in INVALID_ORDERS])
def test_an_invalid_order_is_refused_naming_the_field_and_records_nothing(
    shop: Peisong, clock: ManualClock, spoil: Any, field: str
) -> None:
    order = _valid(clock)
    spoil(order)
    head = shop.head_position()
    with pytest.raises(InvalidInput) as refused:
        shop.place_order(**order)
    assert refused.value.field == field
    assert shop.head_position() == head


def test_an_order_for_an_unknown_customer_is_refused(shop: Peisong, clock: ManualClock) -> None:
    order = _valid(clock) | {"customer": "CUST-404"}
    with pytest.raises(NotFound) as refused:
        shop.place_order(**order)
    assert refused.value.field == "customer"


@pytest.mark.parametrize(("rule", "warehouse"), [("named", "WH-NOWHERE"), ("named", None), ("nearest", "WH-EAST")])
def test_a_warehouse_is_named_only_with_the_named_rule_and_must_exist(
    shop: Peisong, place: Placer, rule: str, warehouse: str | None
) -> None:
    with pytest.raises(InvalidInput) as refused:
        place([("RICE-5KG", 1)], warehouse_rule=rule, warehouse=warehouse)
    assert refused.value.field == "warehouse"


def test_repeated_skus_become_one_line(shop: Peisong, place: Placer) -> None:
    number = place([("RICE-5KG", 1), ("RICE-5KG", 2)])
    assert order_of(shop, number).allocations == [("WH-EAST", "RICE-5KG", 3)]


def test_delivery_needs_a_proof(shop: Peisong, place: Placer) -> None:
    number = place.to_status("OUT_FOR_DELIVERY")
    with pytest.raises(InvalidInput) as refused:
        shop.deliver_order(number, "photo", "  ")
    assert refused.value.field == "proof"
    with pytest.raises(InvalidInput) as refused:
        shop.deliver_order(number, "telepathy", "trust me")
    assert refused.value.field == "proofKind"
    with pytest.raises(InvalidInput) as refused:
        shop.fail_delivery(number, " ")
    assert refused.value.field == "reason"
    assert order_of(shop, number).status == "OUT_FOR_DELIVERY"


def test_every_step_on_an_unknown_order_is_refused(shop: Peisong) -> None:
    for move in MOVES.values():
        with pytest.raises(NotFound) as refused:
            move(shop, "PS-NOSUCH")
        assert refused.value.field == "number"


def test_a_discontinued_product_cannot_be_ordered(shop: Peisong, place: Placer) -> None:
    shop.discontinue_product("PAN-28")
    with pytest.raises(InvalidInput) as refused:
        place([("PAN-28", 1)])
    assert refused.value.field == "lines.0.sku"


def test_a_sku_with_stray_spaces_orders_the_product_it_names(shop: Peisong, place: Placer) -> None:
    number = place([(" RICE-5KG ", 2)])
    assert order_of(shop, number).allocations == [("WH-EAST", "RICE-5KG", 2)]
