"""Products, warehouses and customers as the frontends list them, kept current by their later events."""

from __future__ import annotations

from decimal import Decimal

from domain.app import Peisong
from projections.catalogue import get_customer, get_product, list_customers, list_products, list_warehouses
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner


def test_a_product_shows_its_latest_details_and_whether_it_is_discontinued(
    shop: Peisong, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    shop.update_product("TEA-250G", "Longjing tea 250 g", "0.3", "0.8", "98.00", "drinks")
    shop.discontinue_product("PAN-28")
    runner.catch_up()

    tea, pan = get_product(db, "TEA-250G"), get_product(db, "PAN-28")

    assert tea is not None and (tea.name, tea.price, tea.weight_kg, tea.discontinued) == (
        "Longjing tea 250 g", Decimal("98.00"), Decimal("0.300"), False)
    assert pan is not None and pan.discontinued
    assert get_product(db, "NOPE") is None


def test_products_page_by_sku_within_a_category(shop: Peisong, db: ReadDatabase, runner: ProjectionRunner) -> None:
    shop.add_product("MILK-2L", "Milk 2 L", "2.1", "2", "22.00", "fresh")
    shop.add_product("EGGS-10", "Eggs x10", "0.6", "1.5", "15.00", "fresh")
    runner.catch_up()

    first = list_products(db, category="fresh", first=2)
    rest = list_products(db, category="fresh", first=2, after=first.end_cursor)

    assert [p.sku for p in first.items + rest.items] == ["EGGS-10", "MILK-1L", "MILK-2L"]
    assert (first.total_count, first.has_next_page, rest.has_next_page) == (3, True, False)
    assert list_products(db).total_count == 6


def test_warehouses_list_their_hours_schedule_and_contact(shop: Peisong, db: ReadDatabase,
                                                         runner: ProjectionRunner) -> None:
    shop.set_stock_take_interval("WH-WEST", 14)
    runner.catch_up()

    east, west = list_warehouses(db)

    assert (east.code, east.name, east.lat, east.lon, east.opens, east.closes) == (
        "WH-EAST", "East", 31.23, 121.55, "08:00", "22:00")
    assert (west.stock_take_interval_days, west.purchasing_contact) == (14, "buyer-west@shop.example")


def test_a_customer_shows_contact_addresses_and_opt_outs_as_they_now_stand(
    shop: Peisong, db: ReadDatabase, runner: ProjectionRunner
) -> None:
    shop.add_customer_address("CUST-2", {"label": "office", "text": "Jing'an", "lat": 31.23, "lon": 121.45})
    shop.change_customer_contact("CUST-2", "+86 139 0000 0003", "zh-CN", ["wechat", "sms"])
    shop.set_customer_opt_out("CUST-2", "sms", True)
    shop.set_customer_opt_out("CUST-2", "wechat", True)
    shop.set_customer_opt_out("CUST-2", "sms", False)
    runner.catch_up()

    customer = get_customer(db, "CUST-2")

    assert customer is not None
    assert (customer.name, customer.phone, customer.language) == ("Chen Jing", "+86 139 0000 0003", "zh-CN")
    assert (customer.channels, customer.opted_out) == (["wechat", "sms"], ["wechat"])
    assert [a["label"] for a in customer.addresses] == ["home", "office"]
    assert customer.addresses[1] == {"label": "office", "text": "Jing'an", "lat": 31.23, "lon": 121.45}
    assert get_customer(db, "CUST-404") is None


def test_customers_page_by_reference(shop: Peisong, db: ReadDatabase, runner: ProjectionRunner) -> None:
    shop.register_customer("CUST-3", "Wang Fang", "+86 137 0000 0003")
    runner.catch_up()

    first = list_customers(db, first=2)
    rest = list_customers(db, first=2, after=first.end_cursor)

    assert [c.reference for c in first.items] == ["CUST-1", "CUST-2"]
    assert [c.reference for c in rest.items] == ["CUST-3"]
    assert (first.total_count, first.has_next_page, rest.has_next_page) == (3, True, False)
