"""The day's figures are read from the store: a tiny day recorded by hand, command by command, and its figures."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from sim.city import TIMEZONE
from sim.metrics import measure
from sim.runs import sim_settings
from sim.waves import PlanningSettings

HUB = (31.2231, 121.5440)


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-03-12T{clock}").replace(tzinfo=TIMEZONE)


def east_of_hub(metres: float) -> dict:
    return {"lat": HUB[0], "lon": HUB[1] + metres / (111_320 * math.cos(math.radians(HUB[0])))}


def test_figures_of_a_hand_made_day(tmp_path):
    clock = ManualClock(at("07:00"))
    app = Peisong(sim_settings(tmp_path / "day.db", PlanningSettings()), clock)
    app.register_warehouse("WH-1", "Hub", *HUB, opens="07:00", closes="23:00", stock_take_interval_days=30,
                           purchasing_contact="buyer@shop.example")
    app.add_product("RICE", "Rice", "5", "6.5", "39.90", "grocery")
    app.receive_stock_batch([("WH-1", "RICE", 50)])
    for n in (1, 2):
        app.register_customer(f"C-{n}", f"Customer {n}", "+86 138 0000 000" + str(n),
                              [{"label": "home", **east_of_hub(1_000)}])
    app.define_vehicle_type("e-bike", "40", "120", "18", "25", "0.05", "25", "3")
    app.register_vehicle("B-1", "e-bike")
    app.receive_courier_application("CR-1", "Courier One", "+86 137 0000 0001", "310101199001010001", 3, "C1")
    app.screen_courier("CR-1", True, "clear")
    for course in app.settings.courier_required_courses:
        app.record_courier_training("CR-1", course, "4", 90)
    app.certify_courier("CR-1")
    app.activate_courier("CR-1")
    shift = app.plan_shift("CR-1", at("09:00"), at("13:00"), "WH-1", vehicle="B-1")["shift"]
    day_begins = app.head_position()

    def step(clock_time: str) -> None:
        clock.set(at(clock_time))

    step("09:00")
    app.start_shift("CR-1", shift)
    app.place_order("C-1", [("RICE", 1)], east_of_hub(1_000), at("09:00"), at("10:00"), number="O-1")
    step("09:10")
    app.place_order("C-2", [("RICE", 1)], east_of_hub(1_000), at("09:10"), at("09:30"), number="O-2")
    for number in ("O-1", "O-2"):
        app.pick_order(number)
        app.pack_order(number)
    step("09:20")
    for number in ("O-1", "O-2"):
        app.hand_order_to_courier(number, "CR-1")
        app.send_order_out_for_delivery(number)
    step("09:30")
    app.deliver_order("O-1", "photo", "pod/O-1.jpg")
    step("10:00")
    app.deliver_order("O-2", "photo", "pod/O-2.jpg")
    app.open_case("C-2", "complaint", "app", "late", "half an hour late", order="O-2", number="CASE-1")
    app.rate_delivery("O-1", 5, customer="C-1")
    step("10:20")
    pings = [{"at": at(t), **east_of_hub(m), "accuracy": 5.0}
             for t, m in (("09:20", 0), ("09:25", 500), ("09:30", 1_000), ("09:40", 1_000), ("10:10", 0))]
    app.report_positions("CR-1", pings)
    step("13:00")
    app.end_shift("CR-1")

    figures = measure(app, after=day_begins)
    app.close()

    assert figures.orders == 2 and figures.delivered == 2
    assert figures.mean_delivery_min == pytest.approx(40.0)  # 30 and 50 minutes from placing
    assert figures.p95_delivery_min == pytest.approx(49.0)
    assert figures.on_time_rate == pytest.approx(50.0)  # O-2 came after its 09:30 promise
    assert figures.p95_assignment_s == pytest.approx(1_170.0)  # handed over 20 and 10 minutes after placing
    assert figures.km_per_vehicle_day == pytest.approx(2.0, rel=0.01)  # out 1 km and back, one vehicle-day
    assert figures.orders_per_courier_hour == pytest.approx(0.5)  # 2 deliveries in a 4-hour shift
    assert figures.complaints == 1 and figures.delay_notices == 0
    assert figures.mean_stars == pytest.approx(5.0)
