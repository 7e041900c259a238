"""Shifts: planned, started, paused, ended, one at a time; availability for planning; skills and home zone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.couriers import (
    AlreadyOnShift,
    Courier,
    CourierNotActive,
    CourierNotCertified,
    NotOnShift,
    ShiftAlreadyOver,
    ShiftNotDue,
    ShiftOverlaps,
)
from domain.errors import InvalidInput, NotFound, PreconditionFailed
from tests.domain_couriers.staffing import apply, events_of, hire, plan_next_shift


def test_a_shift_is_planned_started_paused_and_ended_at_business_time(
    app: Peisong, courier: str, clock: ManualClock
) -> None:
    start = clock.now() + timedelta(hours=1)
    shift = app.plan_shift(courier, start, start + timedelta(hours=8), "PUDONG")["shift"]
    assert shift == "COURIER-01-S1"
    clock.set(start)
    app.start_shift(courier, shift)
    clock.advance(timedelta(hours=4))
    app.start_break(courier)
    clock.advance(timedelta(minutes=30))
    app.end_break(courier)
    clock.advance(timedelta(hours=3, minutes=30))
    app.end_shift(courier)

    events = events_of(app, Courier.create_id(courier))[-5:]
    assert [type(e).__name__ for e in events] == [
        "ShiftPlanned", "ShiftStarted", "BreakStarted", "BreakEnded", "ShiftEnded"]
    planned, started, paused, resumed, ended = events
    assert (planned.start, planned.end, planned.zone, planned.vehicle) == (
        start, start + timedelta(hours=8), "PUDONG", None)
    assert started.at == start and started.timestamp == start
    assert paused.at == start + timedelta(hours=4)
    assert resumed.at == start + timedelta(hours=4, minutes=30)
    assert ended.at == ended.timestamp == start + timedelta(hours=8)
    assert app.existing_courier(courier).open_shifts == {}


def test_overlapping_shifts_are_refused_but_back_to_back_shifts_are_fine(app: Peisong, courier: str) -> None:
    plan_next_shift(app, courier, hours_from_now=1, length=8)
    with pytest.raises(ShiftOverlaps):
        plan_next_shift(app, courier, hours_from_now=8, length=4)
    assert plan_next_shift(app, courier, hours_from_now=9, length=4) == "COURIER-01-S2"


def test_a_second_shift_cannot_start_while_one_is_running(app: Peisong, courier: str, clock: ManualClock) -> None:
    first = plan_next_shift(app, courier, length=4)
    second = plan_next_shift(app, courier, hours_from_now=4, length=4)
    app.start_shift(courier, first)
    clock.advance(timedelta(hours=3, minutes=30))
    with pytest.raises(AlreadyOnShift):
        app.start_shift(courier, second)
    app.end_shift(courier)
    app.start_shift(courier, second)
    assert app.existing_courier(courier).current_shift == second


def test_a_shift_is_refused_when_too_long_in_the_past_or_backwards(app: Peisong, courier: str,
                                                                   clock: ManualClock) -> None:
    now = clock.now()
    for start, end, field in (
        (now, now + timedelta(hours=13), "end"),
        (now - timedelta(hours=5), now - timedelta(hours=1), "end"),
        (now + timedelta(hours=2), now + timedelta(hours=1), "end"),
        (now.replace(tzinfo=None), now + timedelta(hours=1), "start"),
    ):
        with pytest.raises(InvalidInput) as refused:
            app.plan_shift(courier, start, end, "PUDONG")
        assert refused.value.field == field


def test_a_shift_starts_no_earlier_than_an_hour_before_and_not_after_it_ended(
    app: Peisong, courier: str, clock: ManualClock
) -> None:
    shift = plan_next_shift(app, courier, hours_from_now=3, length=2)
    with pytest.raises(ShiftNotDue):
        app.start_shift(courier, shift)
    clock.advance(timedelta(hours=5))
    with pytest.raises(ShiftAlreadyOver):
        app.start_shift(courier, shift)
    with pytest.raises(NotFound):
        app.start_shift(courier, "COURIER-01-S9")


def test_breaks_happen_only_on_a_running_shift_one_at_a_time(app: Peisong, courier: str) -> None:
    with pytest.raises(NotOnShift):
        app.start_break(courier)
    app.start_shift(courier, plan_next_shift(app, courier))
    with pytest.raises(PreconditionFailed):
        app.end_break(courier)
    app.start_break(courier)
    with pytest.raises(PreconditionFailed):
        app.start_break(courier)


def test_ending_a_shift_during_a_break_ends_the_break_too(app: Peisong, courier: str) -> None:
    app.start_shift(courier, plan_next_shift(app, courier))
    app.start_break(courier)
    app.end_shift(courier)
    names = [type(e).__name__ for e in events_of(app, Courier.create_id(courier))[-2:]]
    assert names == ["BreakEnded", "ShiftEnded"]
    with pytest.raises(NotOnShift):
        app.end_shift(courier)


def test_a_planned_shift_can_be_cancelled_but_a_started_one_must_be_ended(app: Peisong, courier: str) -> None:
    later = plan_next_shift(app, courier, hours_from_now=24)
    now = plan_next_shift(app, courier)
    app.cancel_shift(courier, later, "demand is low")
    app.start_shift(courier, now)
    with pytest.raises(PreconditionFailed, match="end it instead"):
        app.cancel_shift(courier, now, "too late")
    assert list(app.existing_courier(courier).open_shifts) == [now]


def test_availability_for_planning_follows_shifts_breaks_and_standing(
    app: Peisong, courier: str, clock: ManualClock
) -> None:
    now = clock.now()
    assert not app.existing_courier(courier).is_available(now)
    shift = plan_next_shift(app, courier, hours_from_now=1, length=4)
    person = app.existing_courier(courier)
    assert person.is_available(now + timedelta(hours=2))
    assert not person.is_available(now + timedelta(hours=5))
    assert not person.is_available(now + timedelta(minutes=30))

    clock.advance(timedelta(hours=1))
    app.start_shift(courier, shift)
    clock.advance(timedelta(hours=1))
    app.start_break(courier)
    assert not app.existing_courier(courier).is_available(clock.now() + timedelta(minutes=10))
    app.end_break(courier)
    assert app.existing_courier(courier).is_available(clock.now() + timedelta(minutes=10))

    app.suspend_courier(courier, "vehicle damage under review")
    assert not app.existing_courier(courier).is_available(clock.now())


def test_suspension_ends_the_running_shift_and_offboarding_cancels_the_planned_ones(
    app: Peisong, courier: str
) -> None:
    running = plan_next_shift(app, courier)
    planned = plan_next_shift(app, courier, hours_from_now=24)
    app.start_shift(courier, running)
    app.suspend_courier(courier, "late three days running")
    with pytest.raises(CourierNotActive):
        app.start_shift(courier, planned)
    app.offboard_courier(courier, "did not come back")

    events = events_of(app, Courier.create_id(courier))
    names = [type(e).__name__ for e in events]
    assert names[-4:] == ["ShiftEnded", "CourierSuspended", "ShiftCancelled", "CourierOffboarded"]
    assert events[-4].reason == "courier suspended" and events[-2].shift == planned
    assert app.existing_courier(courier).open_shifts == {}


def test_a_courier_who_cannot_take_work_gets_no_shifts(app: Peisong) -> None:
    apply(app, "COURIER-20")
    with pytest.raises(CourierNotCertified):
        plan_next_shift(app, "COURIER-20")


def test_skills_are_granted_and_revoked_and_a_home_zone_is_set(app: Peisong, courier: str) -> None:
    app.grant_courier_skill(courier, "cold_chain")
    app.grant_courier_skill(courier, "cash_on_delivery")
    with pytest.raises(PreconditionFailed):
        app.grant_courier_skill(courier, "cold_chain")
    with pytest.raises(InvalidInput):
        app.grant_courier_skill(courier, "juggling")
    app.revoke_courier_skill(courier, "cold_chain")
    with pytest.raises(PreconditionFailed):
        app.revoke_courier_skill(courier, "bulky")
    app.set_courier_home_zone(courier, "PUDONG-NORTH")

    person = app.existing_courier(courier)
    assert person.skills == ("cash_on_delivery",)
    assert person.home_zone == "PUDONG-NORTH"
    names = [type(e).__name__ for e in events_of(app, person.id)[-4:]]
    assert names == ["SkillGranted", "SkillGranted", "SkillRevoked", "HomeZoneSet"]


def test_two_couriers_keep_separate_shift_numbers(app: Peisong) -> None:
    hire(app, "COURIER-21")
    hire(app, "COURIER-22")
    assert plan_next_shift(app, "COURIER-21") == "COURIER-21-S1"
    assert plan_next_shift(app, "COURIER-22") == "COURIER-22-S1"

