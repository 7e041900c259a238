"""Couriers' figures computed from what happened, and the month judged and paid on them over GraphQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.api.conftest import Api, code_of, error_of
from tests.couriers_api.conftest import as_courier, deliver, hours
from tests.domain_couriers.staffing import hire, plan_next_shift
from tests.domain_zones.conftest import ride

KPIS = """
query($ref: String!, $period: String!) {
  courierKpis(reference: $ref, period: $period) {
    period deliveries onTime early late onTimeRate averageLatenessMinutes failedAttempts distanceKm rating complaints
  }
}
"""
ASSESS = """
mutation($period: String!, $thresholds: AssessmentThresholdsInput) {
  runCourierAssessment(period: $period, thresholds: $thresholds) {
    period assessed flagged offboardingProposed promoted { courier grade } position
  }
}
"""
CLOSE = """
mutation($period: String!, $rules: IncentiveRulesInput) {
  closeIncentiveMonth(period: $period, rules: $rules) { period couriers total currency position }
}
"""
AFTER_NOVEMBER = datetime(2026, 12, 1, 0, 30, tzinfo=timezone.utc)


@pytest.fixture
def month_api(shop_api: Api) -> Api:
    """November's deliveries: C-1 mostly on time with one late and one failed try, C-2 late or early, C-3 on time.

    Every window runs from one to three hours after now (08:00 UTC on the 25th)."""
    app, now = shop_api.application, shop_api.clock.now()
    hire(app, "C-3")
    start, end = now + hours(1), now + hours(3)
    for n in range(3):
        deliver(shop_api, f"C1-ON-{n}", "C-1", start, end, now + hours(2))
    deliver(shop_api, "C1-LATE", "C-1", start, end, end + hours(0.5))
    deliver(shop_api, "C1-RETRY", "C-1", start, end, now + hours(2.5), fail_first=True)
    deliver(shop_api, "C2-LATE-1", "C-2", start, end, end + hours(1))
    deliver(shop_api, "C2-LATE-2", "C-2", start, end, end + hours(2))
    deliver(shop_api, "C2-EARLY", "C-2", start, end, start - hours(1 / 6))
    for n in range(3):
        deliver(shop_api, f"C3-ON-{n}", "C-3", start, end, now + hours(1.5))
    app.report_positions("C-1", ride(now, 31.23, 121.54, 20))  # 19 steps of 25 m
    shop_api.settle()
    return shop_api


def test_kpis_count_deliveries_inside_the_promised_window_as_on_time(month_api: Api) -> None:
    c1 = month_api.data(KPIS, {"ref": "C-1", "period": "2026-11-25"})["courierKpis"]
    assert c1 == {
        "period": "2026-11-25", "deliveries": 5, "onTime": 4, "early": 0, "late": 1, "onTimeRate": "0.8000",
        "averageLatenessMinutes": "30.00", "failedAttempts": 1, "distanceKm": "0.47", "rating": None,
        "complaints": 0,
    }
    c2 = month_api.data(KPIS, {"ref": "C-2", "period": "2026-11"})["courierKpis"]
    assert (c2["deliveries"], c2["onTime"], c2["early"], c2["late"]) == (3, 0, 1, 2)
    assert (c2["onTimeRate"], c2["averageLatenessMinutes"], c2["distanceKm"]) == ("0.0000", "90.00", "0.00")
    assert month_api.data(KPIS, {"ref": "C-1", "period": "2026-11"})["courierKpis"]["deliveries"] == 5
    quiet = month_api.data(KPIS, {"ref": "C-1", "period": "2026-10"})["courierKpis"]
    assert (quiet["deliveries"], quiet["onTimeRate"]) == (0, None)
    daily = month_api.data('{ courier(reference: "C-1") { dailyKpis(from: "2026-11-24", to: "2026-11-25") '
                           '{ period deliveries } } }', **as_courier("C-1"))["courier"]["dailyKpis"]
    assert daily == [{"period": "2026-11-24", "deliveries": 0}, {"period": "2026-11-25", "deliveries": 5}]
    error = error_of(month_api.gql(KPIS, {"ref": "C-1", "period": "November"}))
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_INPUT", "period")


def test_customers_ratings_and_complaints_join_the_figures_when_given(month_api: Api) -> None:
    app = month_api.application
    month_api.clock.advance(hours(6))
    app.rate_delivery("C1-ON-0", 4, "friendly")
    app.rate_delivery("C1-ON-1", 5)
    app.open_case("CUST-1", "complaint", "app", "late", "two hours late", order="C2-LATE-2")
    app.open_case("CUST-1", "feedback", "app", "other", "nice packaging", order="C1-ON-2")
    at = month_api.settle()
    figures = 'query($ref: String!, $p: Int) { courier(reference: $ref, atLeast: $p) { kpis(period: "2026-11") { rating ratings complaints } } }'
    c1 = month_api.data(figures, {"ref": "C-1", "p": at})["courier"]["kpis"]
    c2 = month_api.data(figures, {"ref": "C-2", "p": at})["courier"]["kpis"]
    assert c1 == {"rating": "4.50", "ratings": 2, "complaints": 0}
    assert c2 == {"rating": None, "ratings": 0, "complaints": 1}


def test_the_assessment_flags_who_fell_short_on_the_computed_figures(month_api: Api) -> None:
    thresholds = {"minDeliveries": 3, "minOnTimeRate": "0.75"}
    before = month_api.settle()
    early = error_of(month_api.gql(ASSESS, {"period": "2026-11", "thresholds": thresholds}))
    assert (early["extensions"]["code"], early["extensions"]["field"]) == ("PRECONDITION_FAILED", "period")
    assert month_api.settle() == before

    month_api.clock.set(AFTER_NOVEMBER)
    verdict = month_api.data(ASSESS, {"period": "2026-11", "thresholds": thresholds}, role="dispatcher")
    assert verdict["runCourierAssessment"] | {"position": 0} == {
        "period": "2026-11", "assessed": 3, "flagged": ["C-2"], "offboardingProposed": [], "promoted": [],
        "position": 0,
    }
    at = verdict["runCourierAssessment"]["position"]
    flagged = month_api.data(
        'query($p: Int) { courier(reference: "C-2", atLeast: $p) { retrainingDue consecutiveFlags '
        'assessments { period outcome failedThresholds } } }', {"p": at}, **as_courier("C-2"),
    )["courier"]
    assert flagged == {"retrainingDue": True, "consecutiveFlags": 1, "assessments": [
        {"period": "2026-11", "outcome": "FLAGGED", "failedThresholds": ["on_time_rate"]}]}

    shift = plan_next_shift(month_api.application, "C-2")
    refused = month_api.gql('mutation($s: String!) { startShift(input: {shift: $s}) { shift } }', {"s": shift},
                            **as_courier("C-2"))
    assert code_of(refused) == "PRECONDITION_FAILED"
    assert "retraining" in error_of(refused)["message"]
    assert code_of(month_api.gql(ASSESS, {"period": "2026-11"})) == "PRECONDITION_FAILED"


def test_closing_the_month_pays_each_courier_and_ranks_the_best(month_api: Api) -> None:
    rules = {"bonusMinDeliveries": 5, "bonusTiers": [{"minOnTimeRate": "0.8", "bonus": "50"}]}
    month_api.clock.set(AFTER_NOVEMBER)
    assert code_of(month_api.gql(CLOSE, {"period": "2026-11", "rules": rules}, role="dispatcher")) == "FORBIDDEN"
    closed = month_api.data(CLOSE, {"period": "2026-11", "rules": rules})["closeIncentiveMonth"]
    assert (closed["couriers"], closed["total"], closed["currency"]) == (3, "94.00", "CNY")

    ranking = month_api.data(
        'query($p: Int) { incentiveRanking(period: "2026-11", atLeast: $p) { rank courier total onTimeRate bonus } }',
        {"p": closed["position"]}, role="auditor",
    )["incentiveRanking"]
    assert ranking == [
        {"rank": 1, "courier": "C-1", "total": "70.00", "onTimeRate": "0.8000", "bonus": "50.00"},
        {"rank": 2, "courier": "C-3", "total": "12.00", "onTimeRate": "1.0000", "bonus": "0.00"},
        {"rank": 3, "courier": "C-2", "total": "12.00", "onTimeRate": "0.0000", "bonus": "0.00"},
    ]
    results = month_api.data('{ incentiveResults(period: "2026-11") { closed total awards { courier grade commission } } }')
    assert results["incentiveResults"]["closed"] is True
    assert results["incentiveResults"]["awards"][0] == {"courier": "C-1", "grade": "JUNIOR", "commission": "20.00"}
    own = month_api.data('{ courier(reference: "C-1") { incentives { period total } } }', **as_courier("C-1"))
    assert own["courier"]["incentives"] == [{"period": "2026-11", "total": "70.00"}]
    assert code_of(month_api.gql(CLOSE, {"period": "2026-11"})) == "PRECONDITION_FAILED"
    still_open = month_api.data('{ incentiveResults(period: "2026-10") { closed awards { courier } } }')
    assert still_open["incentiveResults"] == {"closed": False, "awards": []}


def test_a_courier_flagged_twice_running_is_proposed_for_offboarding_and_a_supervisor_decides(month_api: Api) -> None:
    thresholds = {"minDeliveries": 1, "minOnTimeRate": "0.75"}
    month_api.clock.set(AFTER_NOVEMBER)
    month_api.data(ASSESS, {"period": "2026-11", "thresholds": thresholds})
    retrained = month_api.data('mutation { recordCourierTraining(input: {reference: "C-2", course: "retraining", '
                               'hours: "8", score: 85}) { passed retrainingDue } }')["recordCourierTraining"]
    assert retrained == {"passed": True, "retrainingDue": False}

    month_api.clock.set(datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc))
    now = month_api.clock.now()
    deliver(month_api, "C2-DEC", "C-2", now + hours(1), now + hours(3), now + hours(4))
    month_api.clock.set(datetime(2027, 1, 1, 1, 0, tzinfo=timezone.utc))
    december = month_api.data(ASSESS, {"period": "2026-12", "thresholds": thresholds})["runCourierAssessment"]
    assert (december["assessed"], december["flagged"], december["offboardingProposed"]) == (1, ["C-2"], ["C-2"])

    dismissed = month_api.data('mutation { dismissOffboardingProposal(input: {reference: "C-2", note: "family '
                               'illness in December"}) { status position } }')["dismissOffboardingProposal"]
    courier = month_api.data(
        'query($p: Int) { courier(reference: "C-2", atLeast: $p) { status offboardingProposed consecutiveFlags '
        'assessments { period outcome offboardingProposed } history { eventType } } }', {"p": dismissed["position"]},
    )["courier"]
    assert (courier["status"], courier["offboardingProposed"], courier["consecutiveFlags"]) == ("ACTIVE", False, 2)
    assert courier["assessments"] == [
        {"period": "2026-11", "outcome": "FLAGGED", "offboardingProposed": False},
        {"period": "2026-12", "outcome": "FLAGGED", "offboardingProposed": True},
    ]
    assert [e["eventType"] for e in courier["history"]][-4:] == [
        "RetrainingPassed", "CourierFlagged", "OffboardingProposed", "OffboardingProposalDismissed"]
