"""Peisong's planning waves: ready orders wait a little for company unless one is due soon, and couriers on their
way back can be offered from the moment they return."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest

from sim.city import CitySpec, plan_city
from sim.runs import run_day
from sim.simulator import SimOrder
from sim.waves import PeisongPlanning, PlanningSettings
from sim.whatif import Change

from .conftest import facts, hand_made_day


def assigned(store) -> dict[str, timedelta]:  # type: ignore[no-untyped-def]
    """Per order number, how long after it was placed a dispatched plan first gave it a courier."""
    return {number: seen["assigned"] - seen["placed"] for number, seen in facts(store).items() if "assigned" in seen}


def test_a_lone_order_waits_for_company_for_the_hold_and_an_urgent_one_does_not(tiny, tmp_path):
    spec = tiny.with_changes(shifts=(("08:00", "17:00"),))
    someone = plan_city(spec).residents[0].reference
    relaxed = hand_made_day(spec, [(someone, 0, 1)], promise_min=120)
    urgent = hand_made_day(spec, [(someone, 0, 1)], promise_min=40)  # due within the slack from the start

    held = assigned(run_day(spec, "peisong", tmp_path / "held", inputs=relaxed,
                            planning=PlanningSettings(hold_minutes=10, iterations=50)).store)["HAND-01"]
    at_once = assigned(run_day(spec, "peisong", tmp_path / "at-once", inputs=relaxed,
                               planning=PlanningSettings(hold_minutes=0, iterations=50)).store)["HAND-01"]
    hurried = assigned(run_day(spec, "peisong", tmp_path / "urgent", inputs=urgent,
                               planning=PlanningSettings(hold_minutes=10, iterations=50)).store)["HAND-01"]

    # Packed two minutes after it was placed; waves every three minutes.
    assert timedelta(minutes=12) <= held <= timedelta(minutes=15)
    assert at_once <= timedelta(minutes=5)
    assert hurried == at_once


def test_the_wave_levers_are_what_if_levers_and_refuse_nonsense():
    _, planning, _ = Change.parse("hold=15").apply(*Change.parse("lookahead=20").apply(
        CitySpec(), PlanningSettings(), "peisong"))
    assert (planning.hold_minutes, planning.lookahead_minutes) == (15, 20)
    with pytest.raises(ValueError):
        Change.parse("hold=-1")


def test_a_zone_wave_takes_its_zones_orders_and_the_warehouse_wave_the_rest(tiny):
    """By zone, an order goes with its zone's wave when that zone is served from the warehouse it ships from;
    an unzoned order, or one zoned to another warehouse's area, goes with its warehouse's (all its couriers)."""
    city = plan_city(tiny.with_changes(warehouses=2, zones_per_warehouse=2))
    planning = PeisongPlanning(PlanningSettings(scope="zone"))
    planning.sim = SimpleNamespace(city=city)  # type: ignore[assignment]
    first, *_ = city.zones.values()
    other = next(z for z in city.zones.values() if z.warehouse != first.warehouse)
    order = SimOrder(input=None, warehouse=first.warehouse)  # type: ignore[arg-type]

    assert planning._scope_of(replace(order, zone=first.code)) == first.code
    assert planning._scope_of(replace(order, zone=None)) == first.warehouse
    assert planning._scope_of(replace(order, zone=other.code)) == first.warehouse
    by_warehouse = PeisongPlanning(PlanningSettings(scope="warehouse"))
    by_warehouse.sim = planning.sim
    assert by_warehouse._scope_of(replace(order, zone=first.code)) == first.warehouse
