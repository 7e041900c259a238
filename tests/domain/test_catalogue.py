"""Warehouses and the catalogue: what the shop sells and where from."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.app import Peisong
from domain.catalogue import Product
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.settings import Settings
from domain.warehouses import Warehouse, WarehouseNetwork
from tests.domain.conftest import event_names


@pytest.fixture
def settings(sqlite_settings: Settings) -> Settings:
    """Pure validation and bookkeeping: SQLite is enough (the store-parametrised runs are elsewhere)."""
    return sqlite_settings


def test_a_registered_warehouse_joins_the_network_orders_choose_from(app: Peisong) -> None:
    result = app.register_warehouse(" WH-NORTH ", "North", 31.40, 121.49, opens="07:30", closes="21:00",
                                    purchasing_contact="buyer@shop.example")

    assert result["code"] == "WH-NORTH"
    site = app.repository.get(Warehouse.create_id("WH-NORTH"))
    assert (site.name, site.lat, site.lon, site.opens, site.closes) == ("North", 31.40, 121.49, "07:30", "21:00")
    assert site.stock_take_interval_days == app.settings.default_stock_take_days
    assert app.repository.get(WarehouseNetwork.create_id()).sites == {"WH-NORTH": (31.40, 121.49)}


def test_a_warehouse_code_is_registered_once(app: Peisong) -> None:
    app.register_warehouse("WH-1", "One", 31.0, 121.0)
    head = app.head_position()
    with pytest.raises(AlreadyExists) as refused:
        app.register_warehouse("WH-1", "Again", 31.0, 121.0)
    assert refused.value.field == "code"
    assert app.head_position() == head


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"lat": 90.1}, "location.lat"),
    ({"lon": 180.5}, "location.lon"),
    ({"lat": "31"}, "location.lat"),
    ({"code": ""}, "code"),
    ({"code": "W" * 41}, "code"),
    ({"name": "n" * 201}, "name"),
    ({"opens": "8am"}, "opens"),
    ({"closes": "25:00"}, "closes"),
    ({"stock_take_interval_days": -1}, "stockTakeIntervalDays"),
])
def test_an_invalid_warehouse_is_refused_naming_the_field(app: Peisong, kwargs: dict, field: str) -> None:
    values = {"code": "WH-1", "name": "One", "lat": 31.0, "lon": 121.0} | kwargs
    with pytest.raises(InvalidInput) as refused:
        app.register_warehouse(**values)
    assert refused.value.field == field
    assert app.head_position() == 0


def test_the_stock_take_interval_can_be_changed(app: Peisong) -> None:
    app.register_warehouse("WH-1", "One", 31.0, 121.0)
    app.set_stock_take_interval("WH-1", 7)
    assert app.repository.get(Warehouse.create_id("WH-1")).stock_take_interval_days == 7
    with pytest.raises(InvalidInput):
        app.set_stock_take_interval("WH-1", 0)
    with pytest.raises(NotFound):
        app.set_stock_take_interval("WH-404", 7)


def test_a_product_is_added_with_exact_decimal_measures(app: Peisong) -> None:
    app.add_product("TEA-1", "Tea", 0.3, "0.8", 88, "drinks")
    product = app.repository.get(Product.create_id("TEA-1"))
    assert (product.weight_kg, product.volume_l, product.price) == (Decimal("0.300"), Decimal("0.800"), Decimal("88.00"))
    assert not product.discontinued


def test_a_sku_is_added_once(app: Peisong) -> None:
    app.add_product("TEA-1", "Tea", "0.3", "0.8", "88", "drinks")
    with pytest.raises(AlreadyExists) as refused:
        app.add_product("TEA-1", "Tea", "0.3", "0.8", "88", "drinks")
    assert refused.value.field == "sku"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"weight_kg": "0"}, "weightKg"),
    ({"volume_l": "-1"}, "volumeL"),
    ({"price": "free"}, "price"),
    ({"price": "NaN"}, "price"),
    ({"price": "Infinity"}, "price"),
    ({"sku": "S" * 65}, "sku"),
    ({"category": "c" * 61}, "category"),
    ({"name": " "}, "name"),
])
def test_an_invalid_product_is_refused_naming_the_field(app: Peisong, kwargs: dict, field: str) -> None:
    values = {"sku": "TEA-1", "name": "Tea", "weight_kg": "0.3", "volume_l": "0.8", "price": "88",
              "category": "drinks"} | kwargs
    with pytest.raises(InvalidInput) as refused:
        app.add_product(**values)
    assert refused.value.field == field
    assert app.head_position() == 0


def test_a_product_can_be_updated_and_discontinued(app: Peisong) -> None:
    app.add_product("TEA-1", "Tea", "0.3", "0.8", "88", "drinks")
    app.update_product("TEA-1", "Green tea", "0.25", "0.7", "92.5", "tea")
    app.discontinue_product("TEA-1")
    product = app.repository.get(Product.create_id("TEA-1"))
    assert (product.name, product.price, product.category, product.discontinued) == (
        "Green tea", Decimal("92.50"), "tea", True)
    assert event_names(app, product.id) == ["ProductAdded", "ProductUpdated", "ProductDiscontinued"]


def test_changing_an_unknown_product_is_refused(app: Peisong) -> None:
    with pytest.raises(NotFound) as refused:
        app.update_product("NOPE", "x", "1", "1", "1", "x")
    assert refused.value.field == "sku"
    with pytest.raises(NotFound):
        app.discontinue_product("NOPE")
