"""A courier's working life: hiring, training, certification, shifts, skills, grade and standing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidInput, InvalidTransition, NotFound, PreconditionFailed

APPLIED = "APPLIED"
SCREENED = "SCREENED"
REJECTED = "REJECTED"
CERTIFIED = "CERTIFIED"
ACTIVE = "ACTIVE"
SUSPENDED = "SUSPENDED"
OFFBOARDED = "OFFBOARDED"

STATUSES = (APPLIED, SCREENED, REJECTED, CERTIFIED, ACTIVE, SUSPENDED, OFFBOARDED)
# Statuses of someone the shop employs (trained, certified or working): they can be offboarded.
EMPLOYED = (SCREENED, CERTIFIED, ACTIVE, SUSPENDED)
# Statuses after which nothing more happens to the courier.
FINAL = (REJECTED, OFFBOARDED)

SKILLS = ("cold_chain", "bulky", "cash_on_delivery")
GRADES = ("junior", "senior", "lead")
# Chinese driving licence classes; "none" for riders of e-bikes, which need no licence.
LICENCE_CLASSES = ("none", "A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "D", "E", "F")


class CourierNotCertified(PreconditionFailed):
    pass


class CourierNotActive(PreconditionFailed):
    pass


class RequiredCoursesNotPassed(PreconditionFailed):
    pass


class RetrainingRequired(PreconditionFailed):
    pass


class ShiftOverlaps(PreconditionFailed):
    pass


class AlreadyOnShift(PreconditionFailed):
    pass


class NotOnShift(PreconditionFailed):
    pass


class ShiftNotDue(PreconditionFailed):
    pass


class ShiftAlreadyOver(PreconditionFailed):
    pass


class AssessmentOutOfOrder(PreconditionFailed):
    pass


@dataclass(frozen=True)
class HiringRules:
    """Who may be hired; recorded with each screening so the decision can be explained later."""

    min_driving_years: int = 1
    require_passed_background_check: bool = True
    licence_classes: tuple[str, ...] = ()  # empty: any class, including none

    def __post_init__(self) -> None:
        if isinstance(self.min_driving_years, bool) or not isinstance(self.min_driving_years, int) \
                or self.min_driving_years < 0:
            raise InvalidInput("minimum driving years must be zero or more", field="rules.minDrivingYears")
        for licence in self.licence_classes:
            if licence not in LICENCE_CLASSES:
                raise InvalidInput(f"unknown licence class {licence!r}", field="rules.licenceClasses")

    def failures(self, driving_years: int, licence_class: str, background_check_passed: bool) -> tuple[str, ...]:
        failed = []
        if driving_years < self.min_driving_years:
            failed.append("driving_experience")
        if self.licence_classes and licence_class not in self.licence_classes:
            failed.append("licence_class")
        if self.require_passed_background_check and not background_check_passed:
            failed.append("background_check")
        return tuple(failed)

    def as_record(self) -> dict[str, Any]:
        return {
            "min_driving_years": self.min_driving_years,
            "require_passed_background_check": self.require_passed_background_check,
            "licence_classes": tuple(self.licence_classes),
        }


@dataclass(frozen=True)
class TrainingRules:
    """Which courses make a courier certifiable, and the mark that passes each."""

    required_courses: tuple[str, ...] = ("safety", "service", "app")
    pass_marks: tuple[tuple[str, int], ...] = (("safety", 80), ("service", 70), ("app", 70), ("retraining", 80))
    default_pass_mark: int = 60
    retraining_course: str = "retraining"

    def pass_mark(self, course: str) -> int:
        return dict(self.pass_marks).get(course, self.default_pass_mark)


@dataclass
class Shift:
    """A planned or running shift; finished and cancelled shifts live on only in the events."""

    shift: str
    start: datetime
    end: datetime
    zone: str
    vehicle: str | None
    started_at: datetime | None = None
    break_since: datetime | None = None

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.end and self.start < end

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


class Courier(PeisongAggregate):
    @staticmethod
    def create_id(reference: str) -> UUID:
        return natural_id("courier", reference)

    @event("CourierApplied")
    def __init__(
        self,
        reference: str,
        name: str,
        phone: str,
        id_document: str,
        driving_years: int,
        licence_class: str,
    ) -> None:
        self.reference = reference
        self.name = name
        self.phone = phone
        self.id_document = id_document
        self.driving_years = driving_years
        self.licence_class = licence_class
        self.status = APPLIED
        self.certified = False
        self.passed_courses: dict[str, int] = {}
        self.grade: str | None = None
        # (first period it applies to, grade): pay for a month uses the grade held that month.
        self.grade_history: tuple[tuple[str, str], ...] = ()
        self.skills: tuple[str, ...] = ()
        self.home_zone: str | None = None
        self.activated_at: datetime | None = None
        self.shifts_planned = 0
        self.open_shifts: dict[str, Shift] = {}
        self.current_shift: str | None = None
        self.retraining_due = False
        self.last_assessed_period: str | None = None
        self.last_flagged_period: str | None = None
        self.consecutive_flags = 0
        self.offboarding_proposed = False

    # -- rules that protect work -------------------------------------------------------

    def check_can_take_work(self) -> None:
        """Only a certified, active courier may be given orders or shifts."""
        if not self.certified:
            raise CourierNotCertified(
                f"courier {self.reference} is not certified", field="courierId",
                courier=self.reference, status=self.status,
            )
        if self.status != ACTIVE:
            raise CourierNotActive(
                f"courier {self.reference} is {self.status}, not active", field="courierId",
                courier=self.reference, status=self.status,
            )

    def is_available(self, at: datetime) -> bool:
        """Whether planning may count on this courier at `at`: active, on a shift that covers it, not on break."""
        if self.status != ACTIVE:
            return False
        for shift in self.open_shifts.values():
            if not shift.covers(at):
                continue
            if shift.started_at is None:
                return not self.retraining_due
            return shift.break_since is None or at < shift.break_since
        return False

    @property
    def shift_in_progress(self) -> Shift | None:
        return self.open_shifts[self.current_shift] if self.current_shift else None

    def _check_status(self, allowed: tuple[str, ...], action: str) -> None:
        if self.status not in allowed:
            raise InvalidTransition(
                f"courier {self.reference} is {self.status} and cannot {action}",
                field="status", courier=self.reference, current=self.status,
            )

    # -- hiring ------------------------------------------------------------------------

    def screen(self, background_check_passed: bool, note: str, checked_by: str, rules: HiringRules) -> None:
        """A screening is always recorded; failing the hiring rules then rejects the applicant."""
        self._check_status((APPLIED,), "be screened")
        failed = rules.failures(self.driving_years, self.licence_class, background_check_passed)
        self._screened(
            background_check_passed=background_check_passed, note=note, checked_by=checked_by,
            rules=rules.as_record(), failed_rules=failed,
        )
        if failed:
            self._rejected(failed_rules=failed)

    def record_training(self, course: str, hours: Decimal, score: int, rules: TrainingRules) -> bool:
        self._check_status(EMPLOYED, "take a course")
        pass_mark = rules.pass_mark(course)
        passed = score >= pass_mark
        self._trained(course=course, hours=hours, score=score, pass_mark=pass_mark, passed=passed)
        if passed and course == rules.retraining_course and self.retraining_due:
            self._retraining_passed(course=course, flagged_period=self.last_flagged_period)
        return passed

    def certify(self, rules: TrainingRules, at: datetime) -> None:
        self._check_status((SCREENED,), "be certified")
        missing = tuple(course for course in rules.required_courses if course not in self.passed_courses)
        if missing:
            raise RequiredCoursesNotPassed(
                f"courier {self.reference} has not passed {', '.join(missing)}",
                field="courses", courier=self.reference, missing=missing,
            )
        scores = {course: self.passed_courses[course] for course in rules.required_courses}
        self._certified(courses=scores, grade=GRADES[0], at=at)

    def activate(self, at: datetime) -> None:
        self._check_status((CERTIFIED,), "be activated")
        self._activated(at=at)

    def suspend(self, reason: str, at: datetime) -> None:
        """A suspension takes the courier off the road at once: a running shift ends with it."""
        self._check_status((ACTIVE,), "be suspended")
        self._end_running_shift(at, "courier suspended")
        self._suspended(reason=reason)

    def reinstate(self, note: str) -> None:
        self._check_status((SUSPENDED,), "be reinstated")
        self._reinstated(note=note)

    def offboard(self, reason: str, at: datetime) -> None:
        """Leaving ends the running shift and cancels every planned one."""
        self._check_status(EMPLOYED, "be offboarded")
        self._end_running_shift(at, "courier offboarded")
        for shift in list(self.open_shifts):
            self._shift_cancelled(shift=shift, reason="courier offboarded")
        self._offboarded(reason=reason)

    def dismiss_offboarding_proposal(self, note: str) -> None:
        if not self.offboarding_proposed:
            raise PreconditionFailed(
                f"no offboarding is proposed for courier {self.reference}", field="reference",
                courier=self.reference,
            )
        self._offboarding_dismissed(note=note)

    # -- skills and zone ---------------------------------------------------------------

    def grant_skill(self, skill: str) -> None:
        self._check_status(EMPLOYED, "gain a skill")
        if skill in self.skills:
            raise PreconditionFailed(
                f"courier {self.reference} already has {skill}", field="skill", courier=self.reference, skill=skill,
            )
        self._skill_granted(skill=skill)

    def revoke_skill(self, skill: str) -> None:
        self._check_status(EMPLOYED, "lose a skill")
        if skill not in self.skills:
            raise PreconditionFailed(
                f"courier {self.reference} does not have {skill}", field="skill", courier=self.reference, skill=skill,
            )
        self._skill_revoked(skill=skill)

    def set_home_zone(self, zone: str) -> None:
        self._check_status(EMPLOYED, "be given a home zone")
        self._home_zone_set(zone=zone)

    # -- shifts ------------------------------------------------------------------------

    def plan_shift(
        self, start: datetime, end: datetime, zone: str, vehicle: str | None, now: datetime, max_hours: int
    ) -> str:
        self.check_can_take_work()
        if end <= now:
            raise InvalidInput("a shift cannot be planned in the past", field="end", courier=self.reference)
        if end - start > timedelta(hours=max_hours):
            raise InvalidInput(f"a shift lasts at most {max_hours} hours", field="end", courier=self.reference)
        for other in self.open_shifts.values():
            if other.overlaps(start, end):
                raise ShiftOverlaps(
                    f"courier {self.reference} already has shift {other.shift} from {other.start:%Y-%m-%d %H:%M}"
                    f" to {other.end:%H:%M}", field="start", courier=self.reference, shift=other.shift,
                )
        shift = f"{self.reference}-S{self.shifts_planned + 1}"
        self._shift_planned(shift=shift, start=start, end=end, zone=zone, vehicle=vehicle)
        return shift

    def open_shift(self, shift: str) -> Shift:
        try:
            return self.open_shifts[shift]
        except KeyError:
            raise NotFound(
                f"courier {self.reference} has no planned or running shift {shift}", field="shift",
                courier=self.reference, shift=shift,
            ) from None

    def cancel_shift(self, shift: str, reason: str) -> None:
        if self.open_shift(shift).started_at is not None:
            raise PreconditionFailed(
                f"shift {shift} has started; end it instead", field="shift", courier=self.reference, shift=shift,
            )
        self._shift_cancelled(shift=shift, reason=reason)

    def start_shift(self, shift: str, at: datetime, early_minutes: int) -> Shift:
        """The gate to the road: certified, active, retrained if flagged, one shift at a time."""
        self.check_can_take_work()
        planned = self.open_shift(shift)
        if self.current_shift is not None:
            raise AlreadyOnShift(
                f"courier {self.reference} is already on shift {self.current_shift}", field="shift",
                courier=self.reference, shift=self.current_shift,
            )
        if self.retraining_due:
            raise RetrainingRequired(
                f"courier {self.reference} was flagged in {self.last_flagged_period} and must pass retraining "
                "before the next shift", field="shift", courier=self.reference, period=self.last_flagged_period,
            )
        if at < planned.start - timedelta(minutes=early_minutes):
            raise ShiftNotDue(
                f"shift {shift} starts at {planned.start:%Y-%m-%d %H:%M}", field="shift",
                courier=self.reference, shift=shift,
            )
        if at >= planned.end:
            raise ShiftAlreadyOver(
                f"shift {shift} ended at {planned.end:%Y-%m-%d %H:%M}", field="shift",
                courier=self.reference, shift=shift,
            )
        self._shift_started(shift=shift, at=at, vehicle=planned.vehicle)
        return planned

    def start_break(self, at: datetime) -> None:
        running = self._running_shift()
        if running.break_since is not None:
            raise PreconditionFailed(
                f"courier {self.reference} is already on a break", field="reference", courier=self.reference,
            )
        self._break_started(shift=running.shift, at=at)

    def end_break(self, at: datetime) -> None:
        running = self._running_shift()
        if running.break_since is None:
            raise PreconditionFailed(
                f"courier {self.reference} is not on a break", field="reference", courier=self.reference,
            )
        self._break_ended(shift=running.shift, at=at)

    def end_shift(self, at: datetime) -> Shift:
        running = self._running_shift()
        self._end_running_shift(at, "shift ended")
        return running

    def change_shift_vehicle(self, shift: str, vehicle: str | None) -> None:
        previous = self.open_shift(shift).vehicle
        if previous == vehicle:
            raise PreconditionFailed(
                f"shift {shift} already has vehicle {vehicle}", field="plate", courier=self.reference, shift=shift,
            )
        self._shift_vehicle_changed(shift=shift, vehicle=vehicle, previous=previous)

    def _running_shift(self) -> Shift:
        running = self.shift_in_progress
        if running is None:
            raise NotOnShift(f"courier {self.reference} is not on shift", field="reference", courier=self.reference)
        return running

    def _end_running_shift(self, at: datetime, reason: str) -> None:
        running = self.shift_in_progress
        if running is None:
            return
        if running.break_since is not None:
            self._break_ended(shift=running.shift, at=at)
        self._shift_ended(shift=running.shift, at=at, reason=reason, vehicle=running.vehicle)

    # -- assessment and grade ------------------------------------------------------------

    def check_can_be_assessed(self, period: str) -> None:
        """Periods are judged in order, so "consecutive" flags mean consecutive periods."""
        if self.last_assessed_period is not None and period <= self.last_assessed_period:
            raise AssessmentOutOfOrder(
                f"courier {self.reference} was already assessed for {self.last_assessed_period}",
                field="period", courier=self.reference, period=period, last=self.last_assessed_period,
            )

    def record_assessment(
        self,
        period: str,
        previous_period: str,
        figures: dict[str, Any],
        failed_thresholds: tuple[str, ...],
        flags_before_offboarding: int,
    ) -> tuple[bool, bool]:
        """Record the period's verdict; returns (flagged, offboarding newly proposed)."""
        self.check_can_be_assessed(period)
        if not failed_thresholds:
            self._assessment_passed(period=period, figures=figures)
            return False, False
        streak = self.consecutive_flags + 1 if self.last_flagged_period == previous_period else 1
        self._flagged(period=period, figures=figures, failed_thresholds=failed_thresholds, consecutive_flags=streak)
        if streak >= flags_before_offboarding and not self.offboarding_proposed:
            self._offboarding_proposed(period=period, consecutive_flags=streak)
            return True, True
        return True, False

    def promote(self, period: str, effective_period: str, to_grade: str, figures: dict[str, Any],
                criteria: dict[str, Any]) -> None:
        if self.grade is None or GRADES.index(to_grade) != GRADES.index(self.grade) + 1:
            raise InvalidTransition(
                f"courier {self.reference} is {self.grade} and cannot be promoted to {to_grade}",
                field="grade", courier=self.reference, grade=self.grade,
            )
        self._promoted(
            period=period, effective_period=effective_period, from_grade=self.grade, to_grade=to_grade,
            figures=figures, criteria=criteria,
        )

    def grade_for(self, period: str) -> str | None:
        """The grade held during `period`; a courier certified later is paid at the first grade."""
        held = self.grade_history[0][1] if self.grade_history else None
        for since, grade in self.grade_history:
            if since <= period:
                held = grade
        return held

    # -- events: the only way state changes ----------------------------------------------

    @event("CourierScreened")
    def _screened(
        self, background_check_passed: bool, note: str, checked_by: str, rules: dict[str, Any],
        failed_rules: tuple[str, ...],
    ) -> None:
        self.status = SCREENED

    @event("CourierRejected")
    def _rejected(self, failed_rules: tuple[str, ...]) -> None:
        self.status = REJECTED

    @event("CourierTrained")
    def _trained(self, course: str, hours: Decimal, score: int, pass_mark: int, passed: bool) -> None:
        if passed:
            self.passed_courses[course] = max(score, self.passed_courses.get(course, 0))

    @event("RetrainingPassed")
    def _retraining_passed(self, course: str, flagged_period: str | None) -> None:
        self.retraining_due = False

    @event("CourierCertified")
    def _certified(self, courses: dict[str, int], grade: str, at: datetime) -> None:
        self.status = CERTIFIED
        self.certified = True
        self.grade = grade
        self.grade_history = ((f"{at:%Y-%m}", grade),)

    @event("CourierActivated")
    def _activated(self, at: datetime) -> None:
        self.status = ACTIVE
        if self.activated_at is None:
            self.activated_at = at

    @event("CourierSuspended")
    def _suspended(self, reason: str) -> None:
        self.status = SUSPENDED

    @event("CourierReinstated")
    def _reinstated(self, note: str) -> None:
        self.status = ACTIVE

    @event("CourierOffboarded")
    def _offboarded(self, reason: str) -> None:
        self.status = OFFBOARDED
        self.offboarding_proposed = False

    @event("SkillGranted")
    def _skill_granted(self, skill: str) -> None:
        self.skills = (*self.skills, skill)

    @event("SkillRevoked")
    def _skill_revoked(self, skill: str) -> None:
        self.skills = tuple(s for s in self.skills if s != skill)

    @event("HomeZoneSet")
    def _home_zone_set(self, zone: str) -> None:
        self.home_zone = zone

    @event("ShiftPlanned")
    def _shift_planned(self, shift: str, start: datetime, end: datetime, zone: str, vehicle: str | None) -> None:
        self.shifts_planned += 1
        self.open_shifts[shift] = Shift(shift=shift, start=start, end=end, zone=zone, vehicle=vehicle)

    @event("ShiftCancelled")
    def _shift_cancelled(self, shift: str, reason: str) -> None:
        del self.open_shifts[shift]

    @event("ShiftStarted")
    def _shift_started(self, shift: str, at: datetime, vehicle: str | None) -> None:
        self.open_shifts[shift].started_at = at
        self.current_shift = shift

    @event("BreakStarted")
    def _break_started(self, shift: str, at: datetime) -> None:
        self.open_shifts[shift].break_since = at

    @event("BreakEnded")
    def _break_ended(self, shift: str, at: datetime) -> None:
        self.open_shifts[shift].break_since = None

    @event("ShiftEnded")
    def _shift_ended(self, shift: str, at: datetime, reason: str, vehicle: str | None) -> None:
        del self.open_shifts[shift]
        self.current_shift = None

    @event("ShiftVehicleChanged")
    def _shift_vehicle_changed(self, shift: str, vehicle: str | None, previous: str | None) -> None:
        self.open_shifts[shift].vehicle = vehicle

    @event("CourierAssessmentPassed")
    def _assessment_passed(self, period: str, figures: dict[str, Any]) -> None:
        self.last_assessed_period = period
        self.consecutive_flags = 0

    @event("CourierFlagged")
    def _flagged(
        self, period: str, figures: dict[str, Any], failed_thresholds: tuple[str, ...], consecutive_flags: int
    ) -> None:
        self.last_assessed_period = period
        self.last_flagged_period = period
        self.consecutive_flags = consecutive_flags
        self.retraining_due = True

    @event("OffboardingProposed")
    def _offboarding_proposed(self, period: str, consecutive_flags: int) -> None:
        self.offboarding_proposed = True

    @event("OffboardingProposalDismissed")
    def _offboarding_dismissed(self, note: str) -> None:
        self.offboarding_proposed = False

    @event("CourierPromoted")
    def _promoted(
        self, period: str, effective_period: str, from_grade: str, to_grade: str, figures: dict[str, Any],
        criteria: dict[str, Any],
    ) -> None:
        self.grade = to_grade
        self.grade_history = (*self.grade_history, (effective_period, to_grade))
