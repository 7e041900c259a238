"""What-if: a recorded day's inputs are replayed as they were; its decisions are made afresh under the change."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.app import Peisong
from sim.inputs import DayInputs
from sim.runs import record_paths, run_day, sim_settings
from sim.waves import PlanningSettings
from sim.whatif import Change, RecordDoesNotMatchLog, RecordedDay, fork, placed_orders


def decisions(store) -> dict[str, set]:
    """Who started a shift, and which courier each order was given to, as the store records it."""
    app = Peisong(sim_settings(store, PlanningSettings()))
    try:
        found: dict[str, set] = {"shifts": set(), "assigned": set()}
        for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
            name = notification.topic.rsplit(".", 1)[-1]
            if name == "ShiftStarted":
                found["shifts"].add(app.decode(notification).vehicle)
            elif name == "OrderAssigned":
                event = app.decode(notification)
                found["assigned"].add((str(event.originator_id), event.courier_id))
        return found
    finally:
        app.close()


def test_a_fork_replays_the_orders_as_they_were_and_recomputes_every_decision(tiny, tmp_path):
    recorded = run_day(tiny, "peisong", tmp_path, name="recorded")
    day, run = fork(recorded.store, [Change.parse("fleet=e-bike=2,tricycle=2,van=1")], tmp_path)

    before, after = (Peisong(sim_settings(store, PlanningSettings())) for store in (recorded.store, run.store))
    try:
        assert placed_orders(after, 0) == placed_orders(before, 0)  # same numbers, customers, moments
    finally:
        before.close()
        after.close()
    assert run.spec.fleet == (("e-bike", 2), ("tricycle", 2), ("van", 1))
    as_was, as_if = decisions(recorded.store), decisions(run.store)
    assert len(as_if["shifts"]) == 5 and len(as_was["shifts"]) == 4
    assert as_if["assigned"] != as_was["assigned"]
    assert day.figures() == recorded.figures
    assert run.figures.orders == recorded.figures.orders


def test_a_record_whose_inputs_are_not_the_logged_day_is_not_forked(tiny, tmp_path):
    recorded = run_day(tiny, "baseline", tmp_path, name="recorded")
    inputs_path, _ = record_paths(recorded.store)
    inputs = DayInputs.load(inputs_path)
    moved = replace(inputs.orders[0], customer=inputs.orders[1].customer if inputs.orders[1].customer !=
                    inputs.orders[0].customer else inputs.orders[2].customer)
    replace(inputs, orders=(moved, *inputs.orders[1:])).save(inputs_path)

    with pytest.raises(RecordDoesNotMatchLog):
        RecordedDay.load(recorded.store).check_inputs_match_log()


def test_what_if_levers_are_parsed_and_checked():
    assert Change.parse("wave=6").apply(*_defaults())[1].wave_minutes == 6
    assert Change.parse("zones=4").apply(*_defaults())[0].zones_per_warehouse == 4
    assert Change.parse("shifts=07:00-15:00,15:00-23:00").apply(*_defaults())[0].shifts == (
        ("07:00", "15:00"), ("15:00", "23:00"))
    for wrong in ("fleet=bicycle=3", "speed=5", "zones=", "dispatcher=human"):
        with pytest.raises(ValueError):
            Change.parse(wrong)


def _defaults():
    from sim.city import CitySpec

    return CitySpec(), PlanningSettings(), "peisong"
