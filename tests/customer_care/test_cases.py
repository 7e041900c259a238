"""Complaints, feedback and enquiries: their life, their two SLAs and escalation, the supervisor's board, the analysis;
and delivery ratings, which count for the courier who delivered."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.cases import CustomerCase
from domain.errors import AlreadyExists, InvalidInput, InvalidTransition, NotFound, PreconditionFailed
from domain.ratings import DeliveryRating
from domain.settings import Settings
from projections.board import supervisor_board
from projections.cases import case_counts, get_case, list_cases
from projections.runner import ProjectionRunner
from tests.conftest import stock_shop
from tests.customer_care.conftest import COURIER, delivered, placed
from tests.domain.conftest import event_names, events_of


def test_a_complaint_goes_from_opening_to_a_closed_follow_up_call(care: Peisong, runner: ProjectionRunner) -> None:
    number = delivered(care)
    case = care.open_case("CUST-1", "complaint", "phone", "damaged", "The rice bag was torn", order=number,
                          number="CASE-1")["number"]
    care.acknowledge_case(case, by="agent-7")
    care.propose_case_solution(case, "We send a new bag tomorrow")
    care.resolve_case(case, "New bag delivered", compensation="10", root_cause="warehouse")
    care.close_case(case, satisfaction=4, notes="happy with the speed")

    assert event_names(care, CustomerCase.create_id(case)) == [
        "ComplaintOpened", "CaseAcknowledged", "CaseSolutionProposed", "CaseResolved", "CaseClosed",
    ]
    opened = events_of(care, CustomerCase.create_id(case))[0]
    assert (opened.order, opened.courier) == (number, COURIER)  # what the courier's KPIs count
    runner.catch_up()
    view = get_case(runner.db, case, care.clock.now())
    assert (view.status, view.satisfaction, view.compensation, view.root_cause) == ("CLOSED", 4, Decimal("10.00"),
                                                                                   "warehouse")
    assert [s.state for s in view.slas] == ["MET", "MET"]


def test_acknowledging_does_not_stop_the_two_hour_solution_clock(care: Peisong, runner: ProjectionRunner) -> None:
    case = care.open_case("CUST-1", "complaint", "wechat", "late", "Two hours late", order=delivered(care))["number"]
    care.acknowledge_case(case)
    care.clock.advance(timedelta(hours=1, minutes=59))
    assert care.check_case_slas()["escalated"] == []
    care.clock.advance(timedelta(minutes=2))
    assert care.check_case_slas()["escalated"] == [{"kind": "case", "number": case, "sla": "solution"}]
    assert care.check_case_slas()["escalated"] == []  # escalated once, however often the check runs

    runner.catch_up()
    (item,) = supervisor_board(runner.db, care.clock.now())
    assert (item.number, item.sla, item.courier) == (case, "solution", COURIER)
    view = get_case(runner.db, case, care.clock.now())
    assert [(s.sla, s.state) for s in view.slas] == [("solution", "BREACHED"), ("resolution", "ON_TRACK")]
    assert list_cases(runner.db, care.clock.now(), overdue=True).total_count == 1


def test_a_solution_in_time_still_needs_a_resolution_in_time(settings: Settings, clock: ManualClock) -> None:
    fast = Peisong(replace(settings, case_resolution_hours=4), clock)
    try:
        stock_shop(fast)
        case = fast.open_case("CUST-1", "enquiry", "app", "other", "Where is my order?")["number"]
        fast.clock.advance(timedelta(minutes=30))
        fast.propose_case_solution(case, "It leaves the warehouse at 3pm")
        fast.clock.advance(timedelta(hours=4))
        assert fast.check_case_slas()["escalated"] == [{"kind": "case", "number": case, "sla": "resolution"}]
        # reopened, a new round starts with fresh clocks and an empty board
        fast.resolve_case(case, "Delivered")
        fast.reopen_case(case, "It was the wrong order")
        assert fast.check_case_slas()["escalated"] == []
        fast.clock.advance(timedelta(hours=2, minutes=1))
        assert fast.check_case_slas()["escalated"] == [{"kind": "case", "number": case, "sla": "solution"}]
    finally:
        fast.close()


def test_feedback_promises_nothing_and_is_never_escalated(care: Peisong) -> None:
    care.open_case("CUST-1", "feedback", "app", "courier_behaviour", "Very polite courier")
    care.clock.advance(timedelta(days=3))
    assert care.check_case_slas()["escalated"] == []


BAD_CASES = [
    (dict(kind="praise"), InvalidInput, "kind"), (dict(category="weather"), InvalidInput, "category"),
    (dict(channel="fax"), InvalidInput, "channel"), (dict(customer="CUST-404"), NotFound, "customer"),
    (dict(order="PS-NOPE"), NotFound, "order"), (dict(description=" "), InvalidInput, "description"),
]


def test_a_case_with_a_bad_field_is_refused_naming_the_field_and_records_nothing(care: Peisong) -> None:
    fields = dict(customer="CUST-1", kind="complaint", channel="phone", category="late", description="late")
    head = care.head_position()
    for change, error, field in BAD_CASES:
        with pytest.raises(error) as refused:
            care.open_case(**{**fields, **change})
        assert refused.value.field == field
    assert care.head_position() == head


def test_a_case_moves_only_forward(care: Peisong) -> None:
    case = care.open_case("CUST-1", "complaint", "phone", "late", "late")["number"]
    with pytest.raises(InvalidTransition):
        care.close_case(case, 5)
    care.resolve_case(case, "apologised")
    with pytest.raises(InvalidInput):
        care.close_case(case, 6)
    with pytest.raises(InvalidTransition):
        care.acknowledge_case(case)


def test_cases_are_counted_by_category_courier_zone_and_week(care: Peisong, runner: ProjectionRunner) -> None:
    for category in ("late", "late", "damaged"):
        care.open_case("CUST-1", "complaint", "phone", category, "again", order=delivered(care))
    care.open_case("CUST-2", "enquiry", "app", "other", "opening hours?")
    runner.catch_up()
    db, zone = runner.db, care.settings.business_timezone
    assert [(c.key, c.count) for c in case_counts(db, "category", zone)] == [("late", 2), ("damaged", 1), ("other", 1)]
    assert [(c.key, c.count) for c in case_counts(db, "courier", zone)] == [(COURIER, 3), ("none", 1)]
    assert [(c.key, c.count) for c in case_counts(db, "week", zone)] == [("2026-W48", 4)]
    assert sum(c.count for c in case_counts(db, "zone", zone, kind="complaint")) == 3


def test_a_delivery_is_rated_once_by_its_customer_for_its_courier(care: Peisong) -> None:
    number = delivered(care)
    with pytest.raises(NotFound):
        care.rate_delivery(number, 5, customer="CUST-2")  # someone else's order reads as missing
    care.rate_delivery(number, 4, "Quick, but the bag was dented", customer="CUST-1")
    (rated,) = events_of(care, DeliveryRating.create_id(number))
    assert (type(rated).__name__, rated.order, rated.courier, rated.stars, rated.comment) == (
        "DeliveryRated", number, COURIER, 4, "Quick, but the bag was dented")
    with pytest.raises(AlreadyExists):
        care.rate_delivery(number, 5)
    with pytest.raises(PreconditionFailed):
        care.rate_delivery(placed(care), 5)  # not delivered yet
    with pytest.raises(InvalidInput):
        care.rate_delivery(delivered(care), 0)
