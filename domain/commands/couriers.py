"""Commands on couriers: hiring to offboarding, shifts, skills, the periodic assessment and monthly incentives."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from domain import validation as v
from domain.assessment import (
    AssessmentPeriod,
    AssessmentRules,
    CourierKpis,
    PeriodAlreadyAssessed,
    PeriodNotOver,
    clean_kpis,
    clean_period,
    period_end,
    shift_period,
    whole_months_between,
)
from domain.commands.customers import clean_phone
from domain.commands.vehicles import VehicleCommands
from domain.couriers import (
    ACTIVE,
    CERTIFIED,
    LICENCE_CLASSES,
    SKILLS,
    SUSPENDED,
    Courier,
    CourierNotCertified,
    HiringRules,
    TrainingRules,
)
from domain.errors import AlreadyExists, InvalidInput
from domain.execution import CommandResult
from domain.incentives import IncentiveMonth, IncentiveMonthAlreadyClosed, IncentiveRules

# Couriers in these statuses are judged on their figures; others (gone, never hired) are noted and skipped.
ASSESSABLE = (CERTIFIED, ACTIVE, SUSPENDED)


def clean_id_document(value: str) -> str:
    document = v.text(value, "idDocument", max_length=32).upper()
    if not document.isalnum():
        raise InvalidInput("an ID document number holds letters and digits only", field="idDocument")
    return document


def clean_moment(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(f"{field} must be a time with a timezone", field=field)
    return value


class CourierCommands(VehicleCommands):
    # -- hiring --------------------------------------------------------------------------

    def receive_courier_application(
        self,
        reference: str,
        name: str,
        phone: str,
        id_document: str,
        driving_years: int,
        licence_class: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            ref = v.text(reference, "reference", max_length=64)
            if self.get_or_none(Courier.create_id(ref)) is not None:
                raise AlreadyExists(f"courier {ref} already exists", field="reference", reference=ref)
            courier = Courier(
                reference=ref, name=v.text(name, "name"), phone=clean_phone(phone),
                id_document=clean_id_document(id_document),
                driving_years=v.non_negative_int(driving_years, "drivingYears"),
                licence_class=v.one_of(licence_class, LICENCE_CLASSES, "licenceClass"),
            )
            return [courier], {"reference": ref, "id": str(courier.id), "status": courier.status}

        return self.run_command("receiveCourierApplication", body, idempotency_key)

    def screen_courier(
        self,
        reference: str,
        background_check_passed: bool,
        note: str,
        checked_by: str = "",
        rules: HiringRules | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Record the background check; an applicant who fails the hiring rules is rejected by it."""

        def body():  # type: ignore[no-untyped-def]
            if not isinstance(background_check_passed, bool):
                raise InvalidInput("backgroundCheckPassed must be true or false", field="backgroundCheckPassed")
            courier = self.existing_courier(reference)
            courier.screen(
                background_check_passed, v.text(note, "note", max_length=v.MAX_LONG_TEXT, required=False),
                v.text(checked_by, "checkedBy", required=False), rules or self.hiring_rules(),
            )
            return [courier], self._courier_status(courier)

        return self.run_command("screenCourier", body, idempotency_key)

    def record_courier_training(
        self,
        reference: str,
        course: str,
        hours: Decimal | float | str,
        score: int,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """A course taken and its exam score; passing the retraining course lifts the flag's shift ban."""

        def body():  # type: ignore[no-untyped-def]
            courier = self.existing_courier(reference)
            exam = v.non_negative_int(score, "score")
            if exam > 100:
                raise InvalidInput("score is out of 100", field="score", value=exam)
            passed = courier.record_training(
                v.text(course, "course", max_length=40).lower(), v.positive_decimal(hours, "hours", places="0.1"),
                exam, self.training_rules(),
            )
            return [courier], {
                **self._courier_status(courier), "passed": passed, "retrainingDue": courier.retraining_due,
            }

        return self.run_command("recordCourierTraining", body, idempotency_key)

    def certify_courier(self, reference: str, idempotency_key: str | None = None) -> CommandResult:
        return self._change_courier(reference, "certifyCourier",
                                    lambda c: c.certify(self.training_rules(), self.clock.now()), idempotency_key)

    def activate_courier(self, reference: str, idempotency_key: str | None = None) -> CommandResult:
        return self._change_courier(reference, "activateCourier",
                                    lambda c: c.activate(self.clock.now()), idempotency_key)

    def suspend_courier(self, reference: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        """Suspension ends a running shift at once and brings its vehicle back."""

        def body():  # type: ignore[no-untyped-def]
            courier = self.existing_courier(reference)
            running = courier.shift_in_progress
            courier.suspend(v.text(reason, "reason", max_length=v.MAX_LONG_TEXT), self.clock.now())
            vehicle = self.take_back_vehicle(running.vehicle, courier.reference, running.shift) if running else None
            return [courier, vehicle], self._courier_status(courier)

        return self.run_command("suspendCourier", body, idempotency_key)

    def reinstate_courier(self, reference: str, note: str = "", idempotency_key: str | None = None) -> CommandResult:
        return self._change_courier(
            reference, "reinstateCourier",
            lambda c: c.reinstate(v.text(note, "note", max_length=v.MAX_LONG_TEXT, required=False)), idempotency_key,
        )

    def offboard_courier(self, reference: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        """Offboarding (also how a supervisor confirms a proposal) ends and cancels every shift."""

        def body():  # type: ignore[no-untyped-def]
            courier = self.existing_courier(reference)
            running = courier.shift_in_progress
            courier.offboard(v.text(reason, "reason", max_length=v.MAX_LONG_TEXT), self.clock.now())
            vehicle = self.take_back_vehicle(running.vehicle, courier.reference, running.shift) if running else None
            return [courier, vehicle], self._courier_status(courier)

        return self.run_command("offboardCourier", body, idempotency_key)

    def dismiss_offboarding_proposal(
        self, reference: str, note: str, idempotency_key: str | None = None
    ) -> CommandResult:
        return self._change_courier(
            reference, "dismissOffboardingProposal",
            lambda c: c.dismiss_offboarding_proposal(v.text(note, "note", max_length=v.MAX_LONG_TEXT)),
            idempotency_key,
        )

    # -- skills and zone -----------------------------------------------------------------

    def grant_courier_skill(self, reference: str, skill: str, idempotency_key: str | None = None) -> CommandResult:
        return self._change_courier(reference, "grantCourierSkill",
                                    lambda c: c.grant_skill(v.one_of(skill, SKILLS, "skill")), idempotency_key)

    def revoke_courier_skill(self, reference: str, skill: str, idempotency_key: str | None = None) -> CommandResult:
        return self._change_courier(reference, "revokeCourierSkill",
                                    lambda c: c.revoke_skill(v.one_of(skill, SKILLS, "skill")), idempotency_key)

    def set_courier_home_zone(self, reference: str, zone: str, idempotency_key: str | None = None) -> CommandResult:
        return self._change_courier(reference, "setCourierHomeZone",
                                    lambda c: c.set_home_zone(v.text(zone, "zone", max_length=40)), idempotency_key)

    # -- shifts --------------------------------------------------------------------------

    def plan_shift(
        self,
        courier: str,
        start: datetime,
        end: datetime,
        zone: str,
        vehicle: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            person = self.existing_courier(courier, "courier")
            start_, end_ = clean_moment(start, "start"), clean_moment(end, "end")
            if end_ <= start_:
                raise InvalidInput("a shift must end after it starts", field="end")
            plate = None
            if vehicle is not None:
                car = self.existing_vehicle(vehicle, "vehicle")
                car.check_in_service()
                plate = car.plate
            shift = person.plan_shift(
                start_, end_, v.text(zone, "zone", max_length=40), plate, self.clock.now(),
                self.settings.max_shift_hours,
            )
            return [person], {"courier": person.reference, "shift": shift}

        return self.run_command("planShift", body, idempotency_key)

    def cancel_shift(self, courier: str, shift: str, reason: str, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            person = self.existing_courier(courier, "courier")
            person.cancel_shift(v.text(shift, "shift", max_length=80),
                                v.text(reason, "reason", max_length=v.MAX_LONG_TEXT))
            return [person], {"courier": person.reference, "shift": shift}

        return self.run_command("cancelShift", body, idempotency_key)

    def start_shift(self, courier: str, shift: str, idempotency_key: str | None = None) -> CommandResult:
        """The courier clocks in and takes the shift's vehicle out, or neither happens."""

        def body():  # type: ignore[no-untyped-def]
            person = self.existing_courier(courier, "courier")
            planned = person.start_shift(
                v.text(shift, "shift", max_length=80), self.clock.now(), self.settings.shift_early_start_minutes,
            )
            vehicle = self.hand_over_vehicle(planned.vehicle, person.reference, planned.shift)
            return [person, vehicle], {"courier": person.reference, "shift": shift, "vehicle": planned.vehicle}

        return self.run_command("startShift", body, idempotency_key)

    def start_break(self, courier: str, idempotency_key: str | None = None) -> CommandResult:
        return self._courier_shift_step(courier, "startBreak",
                                        lambda c: c.start_break(self.clock.now()), idempotency_key)

    def end_break(self, courier: str, idempotency_key: str | None = None) -> CommandResult:
        return self._courier_shift_step(courier, "endBreak",
                                        lambda c: c.end_break(self.clock.now()), idempotency_key)

    def end_shift(self, courier: str, idempotency_key: str | None = None) -> CommandResult:
        """The courier clocks out; the shift's vehicle comes back with them."""

        def body():  # type: ignore[no-untyped-def]
            person = self.existing_courier(courier, "courier")
            ended = person.end_shift(self.clock.now())
            vehicle = self.take_back_vehicle(ended.vehicle, person.reference, ended.shift)
            return [person, vehicle], {"courier": person.reference, "shift": ended.shift}

        return self.run_command("endShift", body, idempotency_key)

    # -- assessment and incentives -------------------------------------------------------

    def assess_couriers(
        self,
        period: str,
        kpis: Sequence[CourierKpis],
        rules: AssessmentRules | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Judge a finished period once: flag who fell short, propose offboarding on repeats, promote the best."""

        def body():  # type: ignore[no-untyped-def]
            rules_ = rules or self.assessment_rules()
            period_ = clean_period(period, "period", rules_.period_months)
            if self.get_or_none(AssessmentPeriod.create_id(period_)) is not None:
                raise PeriodAlreadyAssessed(f"{period_} has already been assessed", field="period", period=period_)
            end = period_end(period_, rules_.period_months)
            self._check_period_over(period_, end)
            previous = shift_period(period_, -rules_.period_months)
            couriers, results = [], []
            for i, item in enumerate(clean_kpis(kpis, period_)):
                courier = self.existing_courier(item.courier, f"kpis.{i}.courier")
                results.append(self._assess_one(courier, item, rules_, previous, end))
                couriers.append(courier)
            record = AssessmentPeriod(period=period_, rules=rules_.as_record(), results=tuple(results))
            summary = {
                "period": period_,
                "assessed": sum(1 for r in results if r["assessed"]),
                "flagged": [r["courier"] for r in results if r.get("flagged")],
                "offboardingProposed": [r["courier"] for r in results if r.get("offboarding_proposed")],
                "promoted": {r["courier"]: r["promoted_to"] for r in results if r.get("promoted_to")},
            }
            return [record, *couriers], summary

        return self.run_command("assessCouriers", body, idempotency_key)

    def close_incentive_month(
        self,
        period: str,
        kpis: Sequence[CourierKpis],
        rules: IncentiveRules | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Pay out a finished month once, each courier at the grade they held that month."""

        def body():  # type: ignore[no-untyped-def]
            rules_ = rules or IncentiveRules()
            period_ = clean_period(period, "period")
            if self.get_or_none(IncentiveMonth.create_id(period_)) is not None:
                raise IncentiveMonthAlreadyClosed(
                    f"incentives for {period_} are already closed", field="period", period=period_,
                )
            self._check_period_over(period_, period_end(period_, 1))
            month = IncentiveMonth(period=period_, rules=rules_.as_record())
            for i, item in enumerate(clean_kpis(kpis, period_)):
                courier = self.existing_courier(item.courier, f"kpis.{i}.courier")
                grade = courier.grade_for(period_)
                if grade is None:
                    raise CourierNotCertified(
                        f"courier {courier.reference} was never certified and earns no incentive",
                        field=f"kpis.{i}.courier", courier=courier.reference,
                    )
                month.award(rules_.award(item, grade))
            month.close()
            return [month], {
                "period": period_, "couriers": len(month.awards), "currency": rules_.currency,
                "total": sum(month.awards.values(), Decimal("0.00")),
            }

        return self.run_command("closeIncentiveMonth", body, idempotency_key)

    # -- rules from settings -------------------------------------------------------------

    def hiring_rules(self) -> HiringRules:
        return HiringRules(
            min_driving_years=self.settings.hiring_min_driving_years,
            licence_classes=tuple(self.settings.hiring_licence_classes),
        )

    def training_rules(self) -> TrainingRules:
        return TrainingRules(
            required_courses=tuple(self.settings.courier_required_courses),
            pass_marks=tuple(self.settings.course_pass_marks),
            default_pass_mark=self.settings.default_course_pass_mark,
            retraining_course=self.settings.retraining_course,
        )

    def assessment_rules(self) -> AssessmentRules:
        return AssessmentRules(
            period_months=self.settings.assessment_period_months,
            flags_before_offboarding=self.settings.flags_before_offboarding,
        )

    # -- helpers -------------------------------------------------------------------------

    def existing_courier(self, reference: str, field: str = "reference") -> Courier:
        return self.get_existing(Courier.create_id(reference), f"courier {reference}", field)

    def _assess_one(
        self, courier: Courier, item: CourierKpis, rules: AssessmentRules, previous: str, end: datetime
    ) -> dict[str, Any]:
        figures = item.figures()
        result: dict[str, Any] = {"courier": courier.reference, "figures": figures}
        if courier.status not in ASSESSABLE:
            return {**result, "assessed": False, "reason": f"courier is {courier.status}"}
        if item.deliveries < rules.min_deliveries:
            return {**result, "assessed": False, "reason": "too few deliveries to judge"}
        failed = rules.failed_thresholds(item)
        flagged, proposed = courier.record_assessment(
            item.period, previous, figures, failed, rules.flags_before_offboarding,
        )
        promoted_to = None
        if not flagged:
            months = whole_months_between(courier.activated_at, end) if courier.activated_at else 0
            criteria = rules.promotion_for(courier.grade, item, months)
            if criteria is not None:
                courier.promote(
                    item.period, shift_period(item.period, rules.period_months), criteria.to_grade, figures,
                    {**criteria.as_record(), "months_of_service": months},
                )
                promoted_to = criteria.to_grade
        return {
            **result, "assessed": True, "failed_thresholds": failed, "flagged": flagged,
            "consecutive_flags": courier.consecutive_flags, "offboarding_proposed": proposed,
            "promoted_to": promoted_to,
        }

    def _check_period_over(self, period: str, end: datetime) -> None:
        if end > self.clock.now():
            raise PeriodNotOver(f"{period} is not over yet", field="period", period=period)

    def _change_courier(self, reference: str, name: str, change: Any, idempotency_key: str | None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            courier = self.existing_courier(reference)
            change(courier)
            return [courier], self._courier_status(courier)

        return self.run_command(name, body, idempotency_key)

    def _courier_shift_step(self, courier: str, name: str, step: Any, idempotency_key: str | None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            person = self.existing_courier(courier, "courier")
            step(person)
            return [person], {"courier": person.reference, "shift": person.current_shift}

        return self.run_command(name, body, idempotency_key)

    @staticmethod
    def _courier_status(courier: Courier) -> dict[str, Any]:
        return {"reference": courier.reference, "id": str(courier.id), "status": courier.status}
