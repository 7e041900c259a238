"""Special situations: declared for zones and a period, they slow the zones' traffic, the routes crossing them
re-plan, and every affected customer hears once, with the reason and the new arrival time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.outbox.worker import OutboxWorker
from domain.app import Peisong
from domain.errors import InvalidInput, NotFound
from domain.traffic import TrafficConditions
from projections.notifications import notifications_of_order
from projections.runner import ProjectionRunner
from projections.situations import list_situations
from tests.customer_care.conftest import settle
from tests.customer_care.gateway import Gateway
from tests.routing.shop import HOME, WAREHOUSE, packed_order, plan_now, request_plan, routing_shop
from tests.routing.test_translation import zone_square

SITUATION_KINDS = {"special_situation", "delivery_delayed"}


def situation_messages(runner: ProjectionRunner, number: str) -> list:  # type: ignore[type-arg]
    return [n for n in notifications_of_order(runner.db, number) if n.kind in SITUATION_KINDS]


def test_heavy_rain_replans_the_routes_and_tells_each_affected_customer_once(
        app: Peisong, runner: ProjectionRunner, outbox: OutboxWorker, gateway: Gateway) -> None:
    routing_shop(app)
    app.define_zone("NORTH", "North", "residential", zone_square("NORTH", HOME[0] + 0.03, HOME[1], 0.012))
    north = [packed_order(app, f"N-{i}", north=0.03, east=0.004 * i) for i in range(3)]
    south = [packed_order(app, "S-1", north=-0.03)]
    first = request_plan(app, north + south, auto_dispatch=True)
    plan_now(app, first)
    settle(runner, outbox)

    now = app.clock.now()
    app.declare_special_situation("heavy_rain", ["NORTH"], now, now + timedelta(hours=3),
                                  description="rainstorm warning", code="RAIN-1")
    assert app.get_or_none(TrafficConditions.create_id()).factor("NORTH") == 1.5
    runner.catch_up()  # the traffic report's policy asks for a re-plan
    replan = app.dispatch_board(WAREHOUSE).open_replans[first]
    plan_now(app, replan)  # solved and, like its plan, dispatched at once
    settle(runner, outbox)
    app.check_delivery_delays()  # the periodic check finds nothing new to say
    settle(runner, outbox)

    for number in north:
        (message,) = situation_messages(runner, number)
        assert "暴雨" in message.text and "预计" in message.text, message.text
        assert message.status == "SENT"
    assert situation_messages(runner, south[0]) == []

    app.report_traffic("NORTH", 2.5, note="flooded underpass")  # a second re-plan in the same rain
    runner.catch_up()
    plan_now(app, app.dispatch_board(WAREHOUSE).open_replans[app.existing_order(north[0]).assigned_plan])
    settle(runner, outbox)
    assert all(len(situation_messages(runner, number)) == 1 for number in north)
    assert gateway.duplicated == 0


def test_a_situation_starts_and_ends_on_the_clock_and_gives_the_zone_its_traffic_back(
        app: Peisong, runner: ProjectionRunner) -> None:
    routing_shop(app)
    app.define_zone("NORTH", "North", "residential", zone_square("NORTH", HOME[0] + 0.03, HOME[1], 0.012))
    now = app.clock.now()
    app.declare_special_situation("road_closure", ["NORTH"], now + timedelta(hours=1), now + timedelta(hours=2),
                                  code="CLOSED-1")
    traffic = lambda: app.get_or_none(TrafficConditions.create_id())  # noqa: E731
    assert traffic() is None or traffic().factor("NORTH") == 1.0
    app.clock.advance(timedelta(hours=1))
    assert app.check_special_situations()["started"] == ["CLOSED-1"]
    assert traffic().factor("NORTH") == 2.0
    app.clock.advance(timedelta(hours=1))
    assert app.check_special_situations()["ended"] == ["CLOSED-1"]
    assert traffic().factor("NORTH") == 1.0
    runner.catch_up()
    (view,) = list_situations(runner.db)
    assert (view.code, view.status, view.zones) == ("CLOSED-1", "ENDED", ["NORTH"])


def test_a_situation_must_name_known_zones_and_a_period_not_over(app: Peisong) -> None:
    routing_shop(app)
    now = app.clock.now()
    head = app.head_position()
    with pytest.raises(NotFound):
        app.declare_special_situation("heavy_rain", ["ATLANTIS"], now, now + timedelta(hours=1))
    with pytest.raises(InvalidInput):
        app.declare_special_situation("heavy_rain", [], now, now + timedelta(hours=1))
    with pytest.raises(InvalidInput):
        app.declare_special_situation("snow", [], now, now + timedelta(hours=1))
    assert app.head_position() == head
