"""The outbox: each customer-facing event becomes one message per channel in the customer's language, sent at least
once and taken once, held through quiet hours, never on a channel the customer opted out of, and never lost to a
gateway that is down."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from api.outbox.worker import OutboxWorker
from domain.announcements import notify_customers
from domain.app import Peisong
from domain.notifications import DELIVERED, FAILED, HELD, PENDING, SENT, SUPPRESSED
from domain.orders import Order
from projections.notifications import notifications_of, notifications_of_order
from projections.runner import ProjectionRunner
from tests.customer_care.conftest import delivered, placed, settle
from tests.customer_care.gateway import Gateway
from tests.domain.conftest import logged_since


def test_each_customer_facing_event_is_one_message_per_channel_in_the_customers_language(
        care: Peisong, runner: ProjectionRunner, outbox: OutboxWorker, gateway: Gateway) -> None:
    number = delivered(care, customer="CUST-2")  # Chen Jing: English, SMS and WeChat
    settle(runner, outbox)

    told = notifications_of_order(runner.db, number)
    assert [n.kind for n in told] == ["order_placed", "order_out_for_delivery", "order_delivered"]
    assert all(n.language == "en" and n.status == SENT for n in told)
    assert told[1].text.startswith(f"Your order {number} is on its way with courier")
    assert {(m.channel, m.status) for n in told for m in n.messages} == {("sms", SENT), ("wechat", SENT)}
    to_customers = sorted(body["channel"] for body in gateway.bodies.values() if body["channel"] != "email")
    assert to_customers == ["sms"] * 3 + ["wechat"] * 3
    assert gateway.duplicated == 0


def test_a_replayed_event_queues_nothing_twice(care: Peisong, runner: ProjectionRunner) -> None:
    number = placed(care)
    runner.catch_up()
    placed_type: type = Order.OrderPlaced  # type: ignore[attr-defined]
    placed_event = next(e for e in logged_since(care, 0) if isinstance(e, placed_type) and e.number == number)
    notify_customers(care, placed_event)  # the policy again, as after a crash before its position was saved
    runner.catch_up()
    assert len(notifications_of_order(runner.db, number)) == 1


def test_a_gateway_that_is_down_loses_nothing_and_sends_everything_once_when_it_is_back(
        care: Peisong, runner: ProjectionRunner, outbox: OutboxWorker, gateway: Gateway) -> None:
    gateway.down = True
    numbers = [placed(care, customer) for customer in ("CUST-1", "CUST-2", "CUST-1")]
    settle(runner, outbox)
    for _ in range(5):  # the worker keeps probing, one message per rest, as a real outage would see
        time.sleep(0.12)
        outbox.run_once()
    runner.catch_up()
    waiting = [m for n in numbers for note in notifications_of_order(runner.db, n) for m in note.messages]
    assert {m.status for m in waiting} <= {PENDING, FAILED} and not gateway.taken
    assert any(m.status == FAILED and "503" in m.last_error for m in waiting)

    gateway.down = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        outbox.drain()
        runner.catch_up()
        statuses = {m.status for n in numbers for note in notifications_of_order(runner.db, n) for m in note.messages}
        if statuses == {SENT} and len(gateway.taken) >= 5:  # the purchasing e-mail has its own backoff
            break
        time.sleep(0.05)
    assert statuses == {SENT}
    assert len(gateway.taken) == 5  # CUST-1 by SMS twice, CUST-2 by SMS and WeChat, purchasing by e-mail
    assert gateway.duplicated == 0


def test_quiet_hours_hold_a_message_until_morning_but_not_news_of_a_delivery_under_way(
        care: Peisong, runner: ProjectionRunner, outbox: OutboxWorker, gateway: Gateway) -> None:
    care.clock.set(datetime(2026, 11, 25, 14, 30, tzinfo=timezone.utc))  # 22:30 in Shanghai
    number = placed(care)
    care.open_case("CUST-1", "enquiry", "app", "other", "Can you ring before you come?", order=number)
    care.pick_order(number)
    care.pack_order(number)
    care.hand_order_to_courier(number, "C-1")
    care.send_order_out_for_delivery(number)
    settle(runner, outbox)
    kinds = {n.kind: n for n in notifications_of_order(runner.db, number)}
    assert kinds["order_out_for_delivery"].status == SENT  # the customer chose a late window: they want to know
    assert kinds["order_placed"].status == HELD and kinds["case_opened"].status == HELD
    assert kinds["case_opened"].held_until == datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)  # 08:00 there
    assert len(gateway.taken) == 1  # purchasing's e-mail about low stock waits for the morning too

    care.clock.set(datetime(2026, 11, 26, 0, 1, tzinfo=timezone.utc))
    settle(runner, outbox)
    assert {n.status for n in notifications_of_order(runner.db, number)} == {SENT}
    assert len(gateway.taken) == 4 and gateway.duplicated == 0


def test_a_channel_the_customer_opts_out_of_is_never_used(
        care: Peisong, runner: ProjectionRunner, outbox: OutboxWorker, gateway: Gateway) -> None:
    care.set_customer_opt_out("CUST-2", "wechat", True)
    first = placed(care, "CUST-2")
    runner.catch_up()
    care.set_customer_opt_out("CUST-2", "sms", True)  # after the message was queued, before it went out
    settle(runner, outbox)
    (note,) = notifications_of_order(runner.db, first)
    assert note.suppressed == ["wechat"]
    assert [(m.channel, m.status) for m in note.messages] == [("sms", SUPPRESSED)]
    assert not [b for b in gateway.bodies.values() if b["channel"] != "email"]


def test_a_receipt_marks_a_sent_message_delivered(
        care: Peisong, runner: ProjectionRunner, outbox: OutboxWorker, gateway: Gateway) -> None:
    number = placed(care)
    settle(runner, outbox)
    (message_id,) = [key for key, body in gateway.bodies.items() if body["channel"] == "sms"]
    care.confirm_notification_delivery(message_id, delivered=True)
    runner.catch_up()
    (note,) = notifications_of_order(runner.db, number)
    assert note.status == DELIVERED and note.messages[0].delivered_at is not None


def test_low_stock_reaches_the_warehouses_purchasing_contact_by_email(
        care: Peisong, runner: ProjectionRunner, outbox: OutboxWorker, gateway: Gateway) -> None:
    settle(runner, outbox)  # the opening stock left green tea in WH-EAST below its threshold
    (note,) = notifications_of(runner.db, "stock:WH-EAST:TEA-250G")
    assert note.kind == "replenishment_requested" and note.recipient == "buyer-east@shop.example"
    assert "请补货15件" in note.text
    (body,) = [b for b in gateway.bodies.values() if b["channel"] == "email"]
    assert body["to"] == "buyer-east@shop.example" and body["subject"] == "补货申请"
