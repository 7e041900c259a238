"""Random command sequences over one courier and one vehicle never reach an illegal state, and replay agrees."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any, Callable

from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from domain.app import Peisong
from domain.assessment import AssessmentRules, CourierKpis, PromotionCriteria
from domain.clock import ManualClock
from domain.couriers import ACTIVE, CERTIFIED, FINAL, GRADES, SKILLS, STATUSES, SUSPENDED, TrainingRules
from domain.errors import DomainError

COURSES = ("safety", "service", "app", "retraining", "first-aid")
STAGES = ("applied", "screened", "trained", "certified", "active")
# Promotion on figures alone, so that short random runs can reach it.
RULES = AssessmentRules(promotions=(
    PromotionCriteria("junior", "senior", 100, Decimal("0.9"), Decimal("4.5"), 0),
    PromotionCriteria("senior", "lead", 100, Decimal("0.9"), Decimal("4.5"), 0),
))


def lifecycle_machine(app: Peisong, clock: ManualClock) -> type:
    examples = itertools.count(1)
    # Periods only move forward across the whole run; they stay in the past of the clock.
    periods = (f"{2000 + n // 12:04d}-{n % 12 + 1:02d}" for n in itertools.count())

    class CourierLifecycle(RuleBasedStateMachine):
        @initialize(years=st.integers(0, 5), stage=st.just("active") | st.sampled_from(STAGES))
        def apply(self, years: int, stage: str) -> None:
            """Start from any point of the hiring path (taken by the real commands) so runs reach the road."""
            n = next(examples)
            self.ref, self.plate = f"COURIER-M{n}", f"M{n:05d}"
            if n == 1:
                app.define_vehicle_type("e-bike", "40", "120", "18", "25", "0.05", "0", "3")
            app.register_vehicle(self.plate, "e-bike")
            years = years if stage == "applied" else max(years, 1)  # only a fresh applicant may lack experience
            app.receive_courier_application(self.ref, "Random Rider", "+86 130 0000 0000", f"ID{n}", years, "C1")
            steps = [
                lambda: app.screen_courier(self.ref, True, "clear"),
                lambda: [app.record_courier_training(self.ref, c, "2", 90) for c in ("safety", "service", "app")],
                lambda: app.certify_courier(self.ref),
                lambda: app.activate_courier(self.ref),
            ]
            for step in steps[:STAGES.index(stage)]:
                self.attempt(step)

        def attempt(self, command: Callable[[], Any]) -> None:
            """A refused command must leave the courier and the vehicle exactly as they were."""
            before = self.versions()
            try:
                command()
            except DomainError:
                assert self.versions() == before

        def versions(self) -> tuple[int, int]:
            return app.existing_courier(self.ref).version, app.existing_vehicle(self.plate).version

        @property
        def courier(self) -> Any:
            return app.existing_courier(self.ref)

        @rule(passed=st.booleans())
        def screen(self, passed: bool) -> None:
            self.attempt(lambda: app.screen_courier(self.ref, passed, "checked"))

        @rule(course=st.sampled_from(COURSES), score=st.integers(0, 100))
        def train(self, course: str, score: int) -> None:
            self.attempt(lambda: app.record_courier_training(self.ref, course, "2", score))

        @rule()
        def certify(self) -> None:
            self.attempt(lambda: app.certify_courier(self.ref))

        @rule()
        def activate(self) -> None:
            self.attempt(lambda: app.activate_courier(self.ref))

        @rule()
        def suspend(self) -> None:
            self.attempt(lambda: app.suspend_courier(self.ref, "spot check"))

        @rule()
        def reinstate(self) -> None:
            self.attempt(lambda: app.reinstate_courier(self.ref))

        @rule()
        def offboard(self) -> None:
            self.attempt(lambda: app.offboard_courier(self.ref, "leaving"))

        @rule()
        def dismiss_proposal(self) -> None:
            self.attempt(lambda: app.dismiss_offboarding_proposal(self.ref, "one more chance"))

        @rule(skill=st.sampled_from(SKILLS), grant=st.booleans())
        def skill(self, skill: str, grant: bool) -> None:
            change = app.grant_courier_skill if grant else app.revoke_courier_skill
            self.attempt(lambda: change(self.ref, skill))

        @rule(offset=st.integers(-3, 16), hours=st.integers(1, 14), with_vehicle=st.booleans())
        def plan(self, offset: int, hours: int, with_vehicle: bool) -> None:
            start = clock.now() + timedelta(hours=offset)
            self.attempt(lambda: app.plan_shift(self.ref, start, start + timedelta(hours=hours), "PUDONG",
                                                vehicle=self.plate if with_vehicle else None))

        @rule(hours=st.integers(1, 10), with_vehicle=st.booleans())
        def plan_and_start_now(self, hours: int, with_vehicle: bool) -> None:
            """The dispatcher's usual move: a shift from now, started at once."""
            now, planned = clock.now(), []
            self.attempt(lambda: planned.append(app.plan_shift(
                self.ref, now, now + timedelta(hours=hours), "PUDONG", vehicle=self.plate if with_vehicle else None,
            )["shift"]))
            if planned:
                self.attempt(lambda: app.start_shift(self.ref, planned[0]))

        @rule(which=st.integers(0, 3))
        def start(self, which: int) -> None:
            shifts = sorted(self.courier.open_shifts) or ["none"]
            self.attempt(lambda: app.start_shift(self.ref, shifts[which % len(shifts)]))

        @rule(which=st.integers(0, 3))
        def cancel(self, which: int) -> None:
            shifts = sorted(self.courier.open_shifts) or ["none"]
            self.attempt(lambda: app.cancel_shift(self.ref, shifts[which % len(shifts)], "not needed"))

        @rule()
        def pause(self) -> None:
            self.attempt(lambda: app.start_break(self.ref))

        @rule()
        def resume(self) -> None:
            self.attempt(lambda: app.end_break(self.ref))

        @rule()
        def clock_out(self) -> None:
            self.attempt(lambda: app.end_shift(self.ref))

        @rule(out=st.booleans())
        def vehicle_service(self, out: bool) -> None:
            if out:
                self.attempt(lambda: app.take_vehicle_out_of_service(self.plate, "check-up"))
            else:
                self.attempt(lambda: app.return_vehicle_to_service(self.plate))

        @rule()
        def vehicle_back_early(self) -> None:
            self.attempt(lambda: app.return_vehicle(self.plate))

        @rule(minutes=st.integers(0, 720))
        def time_passes(self, minutes: int) -> None:
            clock.advance(timedelta(minutes=minutes))

        @rule(good=st.booleans(), deliveries=st.integers(0, 200))
        def assess(self, good: bool, deliveries: int) -> None:
            period = next(periods)
            figures = CourierKpis(
                self.ref, period, deliveries, Decimal("0.97") if good else Decimal("0.7"), Decimal("1"), 0,
                Decimal("900"), Decimal("4.9") if good else Decimal("3.9"), 0,
            )
            self.attempt(lambda: app.assess_couriers(period, [figures], rules=RULES))

        @invariant()
        def the_courier_is_in_a_legal_state(self) -> None:
            courier = self.courier
            assert courier.status in STATUSES
            if courier.status in (CERTIFIED, ACTIVE, SUSPENDED) or courier.grade is not None:
                assert courier.certified and courier.grade in GRADES
                assert set(TrainingRules().required_courses) <= set(courier.passed_courses)
            if courier.status in FINAL:
                assert not courier.open_shifts and courier.current_shift is None
            running = [s for s in courier.open_shifts.values() if s.started_at is not None]
            assert len(running) <= 1
            if running:
                assert courier.status == ACTIVE and courier.current_shift == running[0].shift
            else:
                assert courier.current_shift is None
            assert all(s.break_since is None for s in courier.open_shifts.values() if s.started_at is None)
            shifts = sorted(courier.open_shifts.values(), key=lambda s: s.start)
            assert all(a.end <= b.start for a, b in zip(shifts, shifts[1:])), "shifts overlap"
            assert not courier.retraining_due or courier.last_flagged_period is not None
            assert not courier.offboarding_proposed or courier.last_flagged_period is not None

        @invariant()
        def the_vehicle_is_out_exactly_when_a_running_shift_holds_it(self) -> None:
            courier, vehicle = self.courier, app.existing_vehicle(self.plate)
            running = courier.shift_in_progress
            holds = running is not None and running.vehicle == self.plate
            assert vehicle.assigned == holds
            if holds:
                assert (vehicle.courier, vehicle.shift) == (self.ref, running.shift)
                assert vehicle.in_service

        def teardown(self) -> None:
            if not hasattr(self, "ref"):
                return
            fresh = Peisong(app.settings, clock)  # nothing cached: it rebuilds both from the stored events
            try:
                assert state(fresh.existing_courier(self.ref)) == state(self.courier)
                assert state(fresh.existing_vehicle(self.plate)) == state(app.existing_vehicle(self.plate))
            finally:
                fresh.close()

    return CourierLifecycle


def state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def test_random_courier_lifecycles_stay_legal_and_replay_to_the_same_state(app: Peisong, clock: ManualClock) -> None:
    run_state_machine_as_test(
        lifecycle_machine(app, clock), settings=hypothesis_settings(stateful_step_count=50),
    )
