"""The periodic assessment: who is flagged, the retraining gate, offboarding proposals, promotions, once per period."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from domain.app import Peisong
from domain.assessment import (
    AssessmentPeriod,
    AssessmentRules,
    CourierKpis,
    PeriodAlreadyAssessed,
    PeriodNotOver,
    whole_months_between,
)
from domain.clock import ManualClock
from domain.couriers import AssessmentOutOfOrder, Courier, RetrainingRequired
from domain.errors import InvalidInput, NotFound, PreconditionFailed
from domain.settings import Settings
from tests.domain_couriers.staffing import event_names, events_of, hire, plan_next_shift

LATER = datetime(2027, 7, 2, 9, 0, tzinfo=timezone.utc)


def kpis(courier: str, period: str, **figures: object) -> CourierKpis:
    """A month of steady, good work unless told otherwise."""
    values: dict[str, object] = dict(
        deliveries=250, on_time_rate=Decimal("0.96"), average_lateness_minutes=Decimal("3.5"), failed_attempts=2,
        distance_km=Decimal("1800"), rating=Decimal("4.8"), complaints=0,
    )
    values.update(figures)
    return CourierKpis(courier=courier, period=period, **values)  # type: ignore[arg-type]


def poor(courier: str, period: str) -> CourierKpis:
    return kpis(courier, period, on_time_rate=Decimal("0.81"), complaints=5)


@pytest.fixture
def later(clock: ManualClock, courier: str) -> ManualClock:
    """The courier was hired in November 2026; the clock now stands in July 2027."""
    clock.set(LATER)
    return clock


def test_the_thresholds_name_every_figure_that_fell_short() -> None:
    rules = AssessmentRules()
    assert rules.failed_thresholds(kpis("C", "2027-01")) == ()
    bad = kpis("C", "2027-01", on_time_rate="0.85", rating="4.2", complaints=4, failed_attempts=11)
    assert rules.failed_thresholds(bad.cleaned("2027-01", "kpis.0")) == (
        "on_time_rate", "rating", "complaints", "failed_attempts")
    assert rules.failed_thresholds(kpis("C", "2027-01", rating=None)) == ()


def test_months_of_service_count_whole_months() -> None:
    hired = datetime(2026, 11, 25, 8, tzinfo=timezone.utc)
    assert whole_months_between(hired, datetime(2027, 5, 1, tzinfo=timezone.utc)) == 5
    assert whole_months_between(hired, datetime(2027, 6, 1, tzinfo=timezone.utc)) == 6
    assert whole_months_between(hired, datetime(2026, 11, 1, tzinfo=timezone.utc)) == 0


@pytest.mark.usefixtures("later")
def test_a_courier_below_the_thresholds_is_flagged_with_the_figures(app: Peisong, courier: str) -> None:
    result = app.assess_couriers("2027-01", [poor(courier, "2027-01")])
    assert result["flagged"] == [courier]

    flagged = events_of(app, Courier.create_id(courier))[-1]
    assert type(flagged).__name__ == "CourierFlagged"
    assert flagged.period == "2027-01"
    assert flagged.failed_thresholds == ["on_time_rate", "complaints"]
    assert flagged.figures["on_time_rate"] == Decimal("0.8100") and flagged.figures["complaints"] == 5
    assert flagged.consecutive_flags == 1
    assert flagged.timestamp == LATER


@pytest.mark.usefixtures("later")
def test_a_courier_who_meets_the_thresholds_is_recorded_as_passing(app: Peisong, courier: str) -> None:
    assert app.assess_couriers("2027-01", [kpis(courier, "2027-01")])["flagged"] == []
    assert event_names(app, Courier.create_id(courier))[-1] == "CourierAssessmentPassed"
    assert not app.existing_courier(courier).retraining_due


@pytest.mark.usefixtures("later")
def test_a_flagged_courier_starts_no_shift_until_retraining_is_passed(app: Peisong, courier: str) -> None:
    running = plan_next_shift(app, courier)
    app.start_shift(courier, running)
    app.assess_couriers("2027-06", [poor(courier, "2027-06")])
    app.end_shift(courier)  # the shift under way when the flag came is finished normally

    shift = plan_next_shift(app, courier, hours_from_now=1)
    assert not app.existing_courier(courier).is_available(LATER.replace(hour=11))
    with pytest.raises(RetrainingRequired):
        app.start_shift(courier, shift)
    app.record_courier_training(courier, "retraining", 3, 70)  # below the retraining pass mark of 80
    with pytest.raises(RetrainingRequired):
        app.start_shift(courier, shift)

    app.record_courier_training(courier, "retraining", 3, 88)
    passed = events_of(app, Courier.create_id(courier))[-1]
    assert (type(passed).__name__, passed.flagged_period) == ("RetrainingPassed", "2027-06")
    app.start_shift(courier, shift)


@pytest.mark.usefixtures("later")
def test_flags_in_consecutive_periods_propose_offboarding(app: Peisong, courier: str) -> None:
    app.assess_couriers("2027-01", [poor(courier, "2027-01")])
    assert not app.existing_courier(courier).offboarding_proposed
    result = app.assess_couriers("2027-02", [poor(courier, "2027-02")])

    assert result["offboardingProposed"] == [courier]
    proposed = events_of(app, Courier.create_id(courier))[-1]
    assert (type(proposed).__name__, proposed.period, proposed.consecutive_flags) == (
        "OffboardingProposed", "2027-02", 2)

    app.offboard_courier(courier, "offboarding proposal confirmed by supervisor")
    assert app.existing_courier(courier).status == "OFFBOARDED"
    assert not app.existing_courier(courier).offboarding_proposed


@pytest.mark.usefixtures("later")
def test_a_supervisor_may_dismiss_an_offboarding_proposal(app: Peisong, courier: str) -> None:
    with pytest.raises(PreconditionFailed):
        app.dismiss_offboarding_proposal(courier, "nothing to dismiss")
    app.assess_couriers("2027-01", [poor(courier, "2027-01")])
    app.assess_couriers("2027-02", [poor(courier, "2027-02")])
    app.dismiss_offboarding_proposal(courier, "roadworks on the whole route all month")

    person = app.existing_courier(courier)
    assert person.status == "ACTIVE" and not person.offboarding_proposed
    assert event_names(app, person.id)[-1] == "OffboardingProposalDismissed"


@pytest.mark.usefixtures("later")
def test_flags_with_a_good_period_between_them_are_not_consecutive(app: Peisong, courier: str) -> None:
    app.assess_couriers("2027-01", [poor(courier, "2027-01")])
    app.assess_couriers("2027-02", [kpis(courier, "2027-02")])
    app.assess_couriers("2027-03", [poor(courier, "2027-03")])
    app.assess_couriers("2027-05", [poor(courier, "2027-05")])  # 2027-04 was not judged: the run is broken

    person = app.existing_courier(courier)
    assert person.consecutive_flags == 1 and not person.offboarding_proposed


@pytest.mark.usefixtures("later")
def test_how_many_flags_lead_to_a_proposal_is_configurable(app: Peisong, courier: str) -> None:
    patient = AssessmentRules(flags_before_offboarding=3)
    for period in ("2027-01", "2027-02"):
        app.assess_couriers(period, [poor(courier, period)], rules=patient)
    assert not app.existing_courier(courier).offboarding_proposed
    app.assess_couriers("2027-03", [poor(courier, "2027-03")], rules=patient)
    assert app.existing_courier(courier).offboarding_proposed


@pytest.mark.usefixtures("later")
def test_a_junior_with_the_figures_and_six_months_of_service_is_promoted(app: Peisong, courier: str) -> None:
    strong = dict(deliveries=320, on_time_rate=Decimal("0.97"), rating=Decimal("4.9"))
    assert app.assess_couriers("2027-04", [kpis(courier, "2027-04", **strong)])["promoted"] == {}  # 5 months
    result = app.assess_couriers("2027-05", [kpis(courier, "2027-05", **strong)])

    assert result["promoted"] == {courier: "senior"}
    promoted = events_of(app, Courier.create_id(courier))[-1]
    assert (type(promoted).__name__, promoted.from_grade, promoted.to_grade) == ("CourierPromoted", "junior", "senior")
    assert promoted.effective_period == "2027-06"
    assert promoted.criteria["months_of_service"] == 6 and promoted.criteria["min_deliveries"] == 300
    person = app.existing_courier(courier)
    assert person.grade == "senior"
    assert (person.grade_for("2027-05"), person.grade_for("2027-06")) == ("junior", "senior")


def test_promotion_needs_every_criterion(app: Peisong, clock: ManualClock) -> None:
    cases = {
        "COURIER-31": dict(deliveries=299, on_time_rate="0.97", rating="4.9"),
        "COURIER-32": dict(deliveries=320, on_time_rate="0.94", rating="4.9"),
        "COURIER-33": dict(deliveries=320, on_time_rate="0.97", rating="4.6"),
        "COURIER-34": dict(deliveries=320, on_time_rate="0.97", rating=None),
        "COURIER-35": dict(deliveries=320, on_time_rate="0.97", rating="4.9"),
    }
    clock.set(datetime(2026, 11, 1, tzinfo=timezone.utc))
    for reference in cases:
        hire(app, reference)
    clock.set(LATER)
    result = app.assess_couriers("2027-06", [kpis(ref, "2027-06", **figures) for ref, figures in cases.items()])
    assert result["promoted"] == {"COURIER-35": "senior"}


@pytest.mark.usefixtures("later")
def test_a_flagged_courier_is_not_promoted(app: Peisong, courier: str) -> None:
    result = app.assess_couriers("2027-06", [kpis(courier, "2027-06", deliveries=400, complaints=4)])
    assert result["flagged"] == [courier] and result["promoted"] == {}


@pytest.mark.usefixtures("later")
def test_a_period_is_assessed_only_once(app: Peisong, courier: str) -> None:
    app.assess_couriers("2027-01", [kpis(courier, "2027-01")])
    with pytest.raises(PeriodAlreadyAssessed):
        app.assess_couriers("2027-01", [kpis(courier, "2027-01")])
    app.assess_couriers("2027-03", [kpis(courier, "2027-03")])
    with pytest.raises(AssessmentOutOfOrder):
        app.assess_couriers("2027-02", [kpis(courier, "2027-02")])
    assert app.get_or_none(AssessmentPeriod.create_id("2027-02")) is None


def test_a_period_not_yet_over_cannot_be_assessed(app: Peisong, courier: str) -> None:
    with pytest.raises(PeriodNotOver):
        app.assess_couriers("2026-11", [kpis(courier, "2026-11")])


@pytest.mark.usefixtures("later")
def test_the_period_record_keeps_the_rules_and_every_verdict(app: Peisong, courier: str) -> None:
    hire(app, "COURIER-40")
    app.offboard_courier("COURIER-40", "left")
    hire(app, "COURIER-41")
    app.assess_couriers("2027-01", [
        kpis(courier, "2027-01"), kpis("COURIER-40", "2027-01"), poor("COURIER-41", "2027-01"),
    ])

    record = app.get_or_none(AssessmentPeriod.create_id("2027-01"))
    assert record.rules["min_on_time_rate"] == Decimal("0.9000")
    assert record.rules["promotions"][0]["to_grade"] == "senior"
    verdicts = {r["courier"]: r for r in record.results}
    assert verdicts[courier]["assessed"] and not verdicts[courier]["flagged"]
    assert (verdicts["COURIER-40"]["assessed"], verdicts["COURIER-40"]["reason"]) == (False, "courier is OFFBOARDED")
    assert verdicts["COURIER-41"]["failed_thresholds"] == ("on_time_rate", "complaints")


@pytest.mark.usefixtures("later")
def test_too_few_deliveries_say_too_little_to_judge(app: Peisong, courier: str) -> None:
    result = app.assess_couriers("2027-01", [kpis(courier, "2027-01", deliveries=12, on_time_rate="0.5")])
    assert result["assessed"] == 0 and result["flagged"] == []
    assert event_names(app, Courier.create_id(courier))[-1] == "CourierActivated"


@pytest.mark.usefixtures("later")
def test_kpis_are_checked_before_anything_is_recorded(app: Peisong, courier: str) -> None:
    cases = [
        ([kpis(courier, "2027-01", on_time_rate="1.2")], InvalidInput, "kpis.0.onTimeRate"),
        ([kpis(courier, "2027-01", rating="5.5")], InvalidInput, "kpis.0.rating"),
        ([kpis(courier, "2027-01", complaints=-1)], InvalidInput, "kpis.0.complaints"),
        ([kpis(courier, "2027-02")], InvalidInput, "kpis.0.period"),
        ([kpis(courier, "2027-01"), kpis(courier, "2027-01")], InvalidInput, "kpis.1.courier"),
        ([kpis("COURIER-99", "2027-01")], NotFound, "kpis.0.courier"),
    ]
    for entries, error, field in cases:
        with pytest.raises(error) as refused:
            app.assess_couriers("2027-01", entries)
        assert refused.value.field == field
    with pytest.raises(InvalidInput):
        app.assess_couriers("2027-13", [])
    assert app.get_or_none(AssessmentPeriod.create_id("2027-01")) is None


def test_the_assessment_period_length_is_configurable(settings: Settings, clock: ManualClock) -> None:
    quarterly = Peisong(replace(settings, assessment_period_months=3), clock)
    try:
        hire(quarterly, "COURIER-50")
        clock.set(LATER)
        with pytest.raises(InvalidInput, match="3-month period"):
            quarterly.assess_couriers("2027-02", [])
        quarterly.assess_couriers("2027-01", [poor("COURIER-50", "2027-01")])
        quarterly.assess_couriers("2027-04", [poor("COURIER-50", "2027-04")])
        assert quarterly.existing_courier("COURIER-50").offboarding_proposed  # Q1 then Q2: consecutive
    finally:
        quarterly.close()
