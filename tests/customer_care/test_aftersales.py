"""Returns, exchanges and repairs: windows per product category, a day to answer, a pickup for the next route, the
warehouse's inspection, then refund or exchange and restock or write-off; every step tells the customer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.aftersales import AfterSalesRequest, OutsideAfterSalesWindow
from domain.app import Peisong
from domain.errors import InvalidInput, InvalidTransition
from domain.stock import StockItem
from projections.aftersales import get_request, pending_pickups
from projections.notifications import notifications_of
from projections.runner import ProjectionRunner
from tests.customer_care.conftest import delivered
from tests.domain.conftest import event_names


def collect(app: Peisong, number: str) -> None:
    now = app.clock.now()
    app.schedule_return_pickup(number, now + timedelta(hours=2), now + timedelta(hours=4))
    app.record_return_pickup(number, "C-1")
    app.receive_return(number)


def test_a_return_within_seven_days_needs_no_reason_and_ends_refunded_and_back_on_the_shelf(
        care: Peisong, runner: ProjectionRunner) -> None:
    order = delivered(care, lines=[("RICE-5KG", 2), ("MILK-1L", 1)])
    on_shelf = care.repository.get(StockItem.create_id("WH-EAST", "RICE-5KG")).on_hand
    care.clock.advance(timedelta(days=6))
    number = care.request_aftersales(order, "return", [("RICE-5KG", 2)])["number"]
    care.approve_aftersales(number)
    now = care.clock.now()
    care.schedule_return_pickup(number, now + timedelta(hours=2), now + timedelta(hours=4))
    runner.catch_up()
    (pickup,) = pending_pickups(runner.db)
    assert (pickup.request, pickup.order, pickup.warehouse, pickup.weight_kg) == (number, order, "WH-EAST",
                                                                                   Decimal("10.000"))
    care.record_return_pickup(number, "C-1")
    care.receive_return(number)
    care.inspect_return(number, "as_described")
    care.refund_aftersales(number)
    care.restock_return(number)

    assert event_names(care, AfterSalesRequest.create_id(number)) == [
        "AfterSalesRequested", "AfterSalesApproved", "ReturnPickupScheduled", "ReturnPickedUp", "ReturnReceived",
        "ReturnInspected", "RefundIssued", "ReturnRestocked", "AfterSalesCompleted",
    ]
    assert care.repository.get(StockItem.create_id("WH-EAST", "RICE-5KG")).on_hand == on_shelf + 2
    runner.catch_up()
    view = get_request(runner.db, number, care.clock.now())
    assert (view.status, view.refund, view.disposition, view.answer.state) == (
        "COMPLETED", Decimal("79.80"), "restocked", "MET")
    assert pending_pickups(runner.db) == []
    told = [n.kind for n in notifications_of(runner.db, f"aftersales:{number}")]
    assert told == [
        "aftersales_requested", "aftersales_approved", "aftersales_pickup_scheduled", "aftersales_picked_up",
        "aftersales_received", "aftersales_inspected", "aftersales_refunded", "aftersales_restocked",
    ]


def test_windows_are_kept_per_product_category(care: Peisong) -> None:
    order = delivered(care, lines=[("MILK-1L", 1)])
    care.clock.advance(timedelta(days=8))
    with pytest.raises(OutsideAfterSalesWindow):
        care.request_aftersales(order, "return")
    with pytest.raises(InvalidInput):
        care.request_aftersales(order, "exchange")  # an exchange needs the quality problem
    care.request_aftersales(order, "exchange", reason="sour on arrival")  # within 15 days
    care.set_aftersales_policy("fresh", return_days=0, exchange_days=2, repair_days=0)
    fresh = delivered(care, lines=[("MILK-1L", 1)])
    with pytest.raises(OutsideAfterSalesWindow):
        care.request_aftersales(fresh, "return")
    care.clock.advance(timedelta(days=3))
    with pytest.raises(OutsideAfterSalesWindow):
        care.request_aftersales(fresh, "exchange", reason="sour")


def test_goods_cannot_come_back_twice(care: Peisong) -> None:
    order = delivered(care, lines=[("RICE-5KG", 2)])
    care.request_aftersales(order, "return", [("RICE-5KG", 1)])
    with pytest.raises(InvalidInput):
        care.request_aftersales(order, "return", [("RICE-5KG", 2)])
    care.request_aftersales(order, "return")  # the one still at home


def test_an_exchange_is_a_new_order_linked_to_the_request(care: Peisong, runner: ProjectionRunner) -> None:
    order = delivered(care, lines=[("PAN-28", 1)], customer="CUST-2")
    number = care.request_aftersales(order, "exchange", reason="the handle is loose")["number"]
    care.approve_aftersales(number)
    collect(care, number)
    care.inspect_return(number, "damaged", "handle loose as described")
    exchanged = care.exchange_aftersales(number, idempotency_key="exchange-1")
    care.write_off_return(number, "not worth repairing")

    replacement = care.existing_order(exchanged["exchangeOrder"])
    assert (replacement.customer_id, replacement.status, replacement.lines[0]["sku"]) == ("CUST-2", "PLACED", "PAN-28")
    assert replacement.window_start > care.clock.now()
    assert care.existing_request(number).status == "COMPLETED"
    again = care.exchange_aftersales(number, idempotency_key="exchange-1")
    assert again.repeated and again["exchangeOrder"] == exchanged["exchangeOrder"]
    runner.catch_up()
    (told,) = [n for n in notifications_of(runner.db, f"aftersales:{number}") if n.kind == "aftersales_exchanged"]
    assert told.language == "en" and f"replacement order {replacement.number} will arrive" in told.text


def test_a_repair_goes_to_the_repairer_and_back_to_the_customer(care: Peisong) -> None:
    order = delivered(care, lines=[("PAN-28", 1)])
    number = care.request_aftersales(order, "repair", reason="the coating peels")["number"]
    care.approve_aftersales(number)
    collect(care, number)
    care.inspect_return(number, "damaged")
    with pytest.raises(InvalidTransition):
        care.refund_aftersales(number)  # a repair is not refunded
    care.send_to_repair(number, "Pan Doctor Ltd")
    care.mark_repaired(number, "recoated")
    care.return_repaired_goods(number, "C-1")
    assert care.existing_request(number).status == "COMPLETED"


def test_a_request_unanswered_for_a_day_is_escalated(care: Peisong, runner: ProjectionRunner) -> None:
    number = care.request_aftersales(delivered(care), "return")["number"]
    care.clock.advance(timedelta(hours=23))
    assert care.check_case_slas()["escalated"] == []
    care.clock.advance(timedelta(hours=2))
    assert care.check_case_slas()["escalated"] == [{"kind": "aftersales", "number": number, "sla": "answer"}]
    care.reject_aftersales(number, "the seal is broken")
    runner.catch_up()
    assert get_request(runner.db, number, care.clock.now()).answer.state == "BREACHED"
