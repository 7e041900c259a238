"""A live simulated day on the demo shop: the demo's customers order again, a crew of its own rides the waves'
routes, and the demo's own orders and couriers are left as they were; served, the server leaves planning to it."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.cli import demo_tokens
from api.cli_live import serve_live
from domain.app import Peisong
from domain.clock import ManualClock
from domain.couriers import Courier
from domain.orders import Order
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner
from sim.demo import DemoSize, courier_ids, demo_now, load_demo
from sim.demo_city import LIVE_FLEET, NoDemoShop, adopt_demo_city, demo_live_spec
from sim.live import LiveDay, LivePlanning, demo_live_day
from sim.waves import PlanningSettings

SMALL = DemoSize(products=60, customers=60, orders=30, hours=2)
# 23:00 in Shanghai: the live day's morning is the city's night, and its first hours run past midnight.
EVENING = datetime(2026, 3, 12, 15, 0, tzinfo=timezone.utc)
CREW = sum(count for _, count in LIVE_FLEET)


def settings_in(folder: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{folder}/demo.db", data_dir=folder, secret_key="live-demo")


def small_demo(settings: Settings, clock: ManualClock) -> Peisong:
    app = Peisong(settings, clock)
    load_demo(app, clock, SMALL)
    return app


def demo_as_it_was(app: Peisong) -> dict[str, int]:
    """The version of every demo order and demo courier: a live day that touched one would have moved it."""
    versions = {number: app.existing_order(number).version for number in (f"DEMO-{n:04d}" for n in range(1, 31))
                if app.get_or_none(Order.create_id(number)) is not None}
    versions.update({ref: app.existing_courier(ref).version for ref in courier_ids()})
    return versions


def test_a_live_day_on_the_demo_has_its_customers_order_and_its_own_crew_deliver(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    clock = ManualClock(EVENING)
    app = small_demo(settings, clock)
    before = demo_as_it_was(app)
    day = demo_live_day(app, 2026, SMALL, planning=PlanningSettings(wave_minutes=5, iterations=60, seed=2026),
                        pace=None, policies=True, until="11:30")
    sim = day.run()

    placed = [o for o in sim.orders.values() if o.status not in ("PLANNED", "REFUSED")]
    assert len(placed) >= 30
    for order in placed:
        recorded = app.existing_order(order.number)
        assert order.number.startswith("SIM-0312-") and recorded.customer_id.startswith("CUST-")
    delivered = [app.existing_order(o.number) for o in placed if o.status == "DELIVERED"]
    assert len(delivered) >= 10
    assert {o.status for o in delivered} == {"DELIVERED"}
    assert all(o.courier_id.startswith("LIVE-") for o in delivered)

    routed: set[str] = set()
    for plan in sim.dispatcher.solved:  # type: ignore[attr-defined]
        route_plan = app.existing_route_plan(plan)
        assert route_plan.status != "FAILED"  # past the city's midnight too: the solver counts from there
        assert all(route["courier"].startswith("LIVE-") for route in route_plan.routes)
        routed |= {n for route in route_plan.routes for n in route_plan.routed_orders(route)}
    assert {o.number for o in delivered} <= routed

    assert len(day.city.couriers) == CREW and app.get_or_none(Courier.create_id(f"LIVE-{CREW:03d}")) is not None
    assert app.existing_courier("LIVE-001").name.startswith("Live courier")
    assert {(w.opens, w.closes) for w in map(app.existing_warehouse, day.city.sites)} == {("00:00", "00:00")}
    assert demo_as_it_was(app) == before

    # The same through GraphQL, as a frontend sees it.
    db = ReadDatabase(settings)
    ProjectionRunner(app, db, policies=()).catch_up()
    db.close()
    customer = delivered[0].customer_id
    with TestClient(create_app(settings, application=app, run_worker=False)) as client:
        body = client.post("/graphql", headers={"Authorization": f"Bearer {demo_tokens(settings)['dispatcher']}"},
                           json={"query": f'{{ orders(customer: "{customer}", status: DELIVERED, first: 50) '
                                          '{ nodes { number courierId } } '
                                          'routePlans(status: COMPLETED, first: 5) { totalCount nodes { automatic '
                                          'routes { courier } } } }'}).json()
    assert not body.get("errors"), body
    numbers = {n["number"]: n["courierId"] for n in body["data"]["orders"]["nodes"]}
    assert delivered[0].number in numbers and numbers[delivered[0].number].startswith("LIVE-")
    plans = body["data"]["routePlans"]
    assert plans["totalCount"] >= 1 and all(p["automatic"] for p in plans["nodes"])
    app.close()


def test_a_second_live_day_on_the_same_day_is_refused_and_a_store_without_the_demo_has_none(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    clock = ManualClock(EVENING)
    app = small_demo(settings, clock)
    spec = demo_live_spec(2026, datetime(2026, 3, 12).date(), SMALL)
    LiveDay(app, spec, PlanningSettings(iterations=10), pace=None, city=lambda *a: adopt_demo_city(*a, size=SMALL),
            until="08:30").run()
    with pytest.raises(NoDemoShop, match="live day of 2026-03-12 already"):
        adopt_demo_city(app, clock, spec, size=SMALL)
    app.close()

    empty = Peisong(settings_in(tmp_path / "empty"), ManualClock(EVENING))
    with pytest.raises(NoDemoShop, match="no demo shop"):
        adopt_demo_city(empty, None, spec)
    empty.close()


def test_a_plan_a_dispatcher_discarded_before_the_live_day_came_to_it_does_not_end_the_day(tmp_path: Path) -> None:
    app = small_demo(settings_in(tmp_path), ManualClock(EVENING))
    packed = next(o for o in map(app.existing_order, (f"DEMO-{n:04d}" for n in range(1, 31))) if o.status == "PACKED")
    warehouse = packed.lines[0]["warehouse"]
    plan = app.request_route_plan(warehouse, [packed.number], courier_ids(), skip_unavailable=True)["plan"]
    app.discard_route_plan(plan, "asked for the wrong warehouse")
    planning = LivePlanning(PlanningSettings(iterations=10))
    planning.sim = SimpleNamespace(app=app)  # type: ignore[assignment]
    planning.plans_requested([plan])  # refused (discarded), told and passed by
    assert app.existing_route_plan(plan).status == "DISCARDED"
    app.close()


def test_the_served_demo_runs_its_live_day_and_leaves_the_waves_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    settings = settings_in(tmp_path)
    small_demo(settings, ManualClock(demo_now())).close()
    days: list[LiveDay] = []
    seen: dict[str, Any] = {}

    def make_day(application: Peisong) -> LiveDay:
        days.append(demo_live_day(application, 2026, SMALL))
        return days[0]

    def run_server(app: Any, **_: Any) -> None:  # what uvicorn would serve, until Ctrl-C
        with TestClient(app) as client:
            deadline = time.monotonic() + 60
            while (days[0].simulator is None or days[0].error) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert days[0].simulator is not None, days[0].error
            assert days[0].running  # paced in real time: its first shifts are minutes away
            seen["planning"] = (app.state.waves._thread, app.state.planning._thread)
            seen["runner"] = app.state.runner.running
            token = demo_tokens(settings)["dispatcher"]
            body = client.post("/graphql", headers={"Authorization": f"Bearer {token}"}, json={
                "query": f'{{ courier(reference: "LIVE-{CREW:03d}", atLeast: {app.state.application.head_position()})'
                         ' { reference status } }'}).json()
            seen["courier"] = body

    monkeypatch.setattr(uvicorn, "run", run_server)
    serve_live(settings, "127.0.0.1", 0, make_day)

    live = days[0]
    assert not live.running and live.error is None
    assert seen["planning"] == (None, None) and seen["runner"]
    assert seen["courier"]["data"]["courier"] == {"reference": f"LIVE-{CREW:03d}", "status": "ACTIVE"}
