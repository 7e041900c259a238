"""Hiring a courier: application, screening against the hiring rules, training, certification, standing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.app import Peisong
from domain.clock import ManualClock
from domain.couriers import (
    ACTIVE,
    OFFBOARDED,
    REJECTED,
    SUSPENDED,
    Courier,
    CourierNotActive,
    CourierNotCertified,
    HiringRules,
    RequiredCoursesNotPassed,
)
from domain.errors import AlreadyExists, InvalidInput, InvalidTransition, NotFound
from domain.settings import Settings
from tests.conftest import window
from tests.domain_couriers.staffing import apply, event_names, events_of, hire, train


def test_an_applicant_is_screened_trained_certified_and_activated(app: Peisong) -> None:
    apply(app, "COURIER-01")
    assert app.screen_courier("COURIER-01", True, "no record", checked_by="hr-1")["status"] == "SCREENED"
    for course, score in (("safety", 85), ("service", 72), ("app", 95)):
        assert app.record_courier_training("COURIER-01", course, "3.5", score)["passed"] is True
    assert app.certify_courier("COURIER-01")["status"] == "CERTIFIED"
    assert app.activate_courier("COURIER-01")["status"] == ACTIVE

    courier = app.existing_courier("COURIER-01")
    assert courier.certified and courier.grade == "junior"
    courier.check_can_take_work()
    assert event_names(app, courier.id) == [
        "CourierApplied", "CourierScreened", "CourierTrained", "CourierTrained", "CourierTrained",
        "CourierCertified", "CourierActivated",
    ]
    certified = events_of(app, courier.id)[5]
    assert certified.courses == {"safety": 85, "service": 72, "app": 95}


def test_every_courier_event_is_stamped_with_the_business_clock(app: Peisong, clock: ManualClock) -> None:
    moments = []
    apply(app, "COURIER-01")
    moments.append(clock.now())
    clock.advance(timedelta(days=2))
    app.screen_courier("COURIER-01", True, "clear")
    moments.append(clock.now())
    clock.advance(timedelta(days=5, hours=3))
    app.record_courier_training("COURIER-01", "safety", 4, 90)
    moments.append(clock.now())

    stamps = [e.timestamp for e in events_of(app, Courier.create_id("COURIER-01"))]
    assert stamps == moments


def test_an_applicant_with_too_little_driving_experience_is_rejected(app: Peisong) -> None:
    apply(app, "COURIER-02", driving_years=0)
    assert app.screen_courier("COURIER-02", True, "clear")["status"] == REJECTED

    screened, rejected = events_of(app, Courier.create_id("COURIER-02"))[1:]
    assert screened.failed_rules == ["driving_experience"]
    assert screened.rules["min_driving_years"] == 1
    assert rejected.failed_rules == ["driving_experience"]
    with pytest.raises(InvalidTransition):
        app.record_courier_training("COURIER-02", "safety", 4, 100)


def test_an_applicant_whose_background_check_failed_is_rejected_with_the_checkers_note(app: Peisong) -> None:
    apply(app, "COURIER-03", driving_years=10)
    app.screen_courier("COURIER-03", False, "traffic offence pending", checked_by="hr-2")

    screened = events_of(app, Courier.create_id("COURIER-03"))[1]
    assert (screened.background_check_passed, screened.note, screened.checked_by) == (
        False, "traffic offence pending", "hr-2")
    assert screened.failed_rules == ["background_check"]
    assert app.existing_courier("COURIER-03").status == REJECTED


def test_the_hiring_rules_in_force_are_recorded_with_the_screening(app: Peisong) -> None:
    apply(app, "COURIER-04", driving_years=0, licence_class="none")
    rules = HiringRules(min_driving_years=0, licence_classes=("none", "C1"))
    app.screen_courier("COURIER-04", True, "clear", rules=rules)

    screened = events_of(app, Courier.create_id("COURIER-04"))[1]
    assert screened.rules == {"min_driving_years": 0, "require_passed_background_check": True,
                              "licence_classes": ["none", "C1"]}
    assert app.existing_courier("COURIER-04").status == "SCREENED"


def test_settings_set_the_default_hiring_rules(settings: Settings, clock: ManualClock) -> None:
    strict = Peisong(replace(settings, hiring_min_driving_years=5, hiring_licence_classes=("C1",)), clock)
    try:
        apply(strict, "COURIER-05", driving_years=3, licence_class="C2")
        strict.screen_courier("COURIER-05", True, "clear")
        screened = events_of(strict, Courier.create_id("COURIER-05"))[1]
        assert screened.failed_rules == ["driving_experience", "licence_class"]
    finally:
        strict.close()


def test_certification_before_the_required_courses_are_passed_is_refused(app: Peisong) -> None:
    apply(app, "COURIER-06")
    app.screen_courier("COURIER-06", True, "clear")
    app.record_courier_training("COURIER-06", "safety", 4, 95)
    assert app.record_courier_training("COURIER-06", "service", 2, 65)["passed"] is False

    with pytest.raises(RequiredCoursesNotPassed) as refused:
        app.certify_courier("COURIER-06")
    assert refused.value.ids["missing"] == ("service", "app")

    train(app, "COURIER-06", ("service", "app"))
    assert app.certify_courier("COURIER-06")["status"] == "CERTIFIED"


def test_each_course_has_its_own_pass_mark(app: Peisong) -> None:
    apply(app, "COURIER-07")
    app.screen_courier("COURIER-07", True, "clear")
    assert app.record_courier_training("COURIER-07", "safety", 4, 75)["passed"] is False  # safety needs 80
    assert app.record_courier_training("COURIER-07", "service", 4, 75)["passed"] is True  # service needs 70
    assert app.record_courier_training("COURIER-07", "first-aid", 2, 60)["passed"] is True  # default 60

    trained = [e for e in events_of(app, Courier.create_id("COURIER-07")) if type(e).__name__ == "CourierTrained"]
    assert [(e.course, e.score, e.pass_mark, e.passed) for e in trained] == [
        ("safety", 75, 80, False), ("service", 75, 70, True), ("first-aid", 60, 60, True)]


def test_an_unknown_courier_cannot_be_handed_an_order(shop: Peisong, clock: ManualClock) -> None:
    number = packed_order(shop, clock)
    with pytest.raises(NotFound, match="courier COURIER-99 not found"):
        shop.hand_order_to_courier(number, "COURIER-99")


def test_work_for_an_uncertified_courier_is_refused_by_name(shop: Peisong, clock: ManualClock) -> None:
    number = packed_order(shop, clock)
    apply(shop, "COURIER-08")
    shop.screen_courier("COURIER-08", True, "clear")

    with pytest.raises(CourierNotCertified) as refused:
        shop.hand_order_to_courier(number, "COURIER-08")
    assert refused.value.field == "courierId"
    assert shop.existing_order(number).status == "PACKED"


def test_work_for_a_suspended_courier_is_refused_until_reinstated(shop: Peisong, clock: ManualClock) -> None:
    number = packed_order(shop, clock)
    hire(shop, "COURIER-09")
    assert shop.suspend_courier("COURIER-09", "customer complaint under review")["status"] == SUSPENDED

    with pytest.raises(CourierNotActive):
        shop.hand_order_to_courier(number, "COURIER-09")

    shop.reinstate_courier("COURIER-09", "complaint not upheld")
    assert shop.hand_order_to_courier(number, "COURIER-09")["status"] == "HANDED_TO_COURIER"


def test_a_certified_courier_not_yet_activated_cannot_take_work(app: Peisong) -> None:
    apply(app, "COURIER-10")
    app.screen_courier("COURIER-10", True, "clear")
    train(app, "COURIER-10")
    app.certify_courier("COURIER-10")
    with pytest.raises(CourierNotActive):
        app.existing_courier("COURIER-10").check_can_take_work()


def test_an_offboarded_courier_is_gone_for_good(app: Peisong, courier: str) -> None:
    app.offboard_courier(courier, "moved to another city")
    assert app.existing_courier(courier).status == OFFBOARDED
    with pytest.raises(CourierNotActive):
        app.existing_courier(courier).check_can_take_work()
    for refused in (lambda: app.reinstate_courier(courier), lambda: app.activate_courier(courier),
                    lambda: app.offboard_courier(courier, "again"), lambda: app.grant_courier_skill(courier, "bulky")):
        with pytest.raises(InvalidTransition):
            refused()


def test_moves_out_of_order_are_refused(app: Peisong) -> None:
    apply(app, "COURIER-11")
    with pytest.raises(InvalidTransition):
        app.certify_courier("COURIER-11")
    with pytest.raises(InvalidTransition):
        app.activate_courier("COURIER-11")
    with pytest.raises(InvalidTransition):
        app.suspend_courier("COURIER-11", "no reason")
    app.screen_courier("COURIER-11", True, "clear")
    with pytest.raises(InvalidTransition):
        app.screen_courier("COURIER-11", True, "again")


def test_an_application_is_checked_field_by_field(app: Peisong) -> None:
    cases = [
        (dict(licence_class="Z9"), "licenceClass"),
        (dict(driving_years=-1), "drivingYears"),
        (dict(phone="call me"), "phone"),
        (dict(id_document="31-01"), "idDocument"),
        (dict(name="  "), "name"),
    ]
    for change, field in cases:
        values = dict(reference="COURIER-12", name="Zhang San", phone="+86 138 0000 0000",
                      id_document="310101199001011234", driving_years=2, licence_class="C1") | change
        with pytest.raises(InvalidInput) as refused:
            app.receive_courier_application(**values)
        assert refused.value.field == field
    apply(app, "COURIER-12")
    with pytest.raises(AlreadyExists):
        apply(app, "COURIER-12")


def test_repeating_an_application_with_its_idempotency_key_records_nothing_new(app: Peisong) -> None:
    first = app.receive_courier_application("COURIER-13", "Wang Wu", "+86 137 0000 0000", "310101199001015678", 4,
                                            "C1", idempotency_key="apply-13")
    again = app.receive_courier_application("COURIER-13", "Wang Wu", "+86 137 0000 0000", "310101199001015678", 4,
                                            "C1", idempotency_key="apply-13")
    assert again.repeated and again.data == first.data and again.position == first.position
    assert event_names(app, Courier.create_id("COURIER-13")) == ["CourierApplied"]


def packed_order(shop: Peisong, clock: ManualClock) -> str:
    start, end = window(clock)
    number = shop.place_order("CUST-1", [("RICE-5KG", 1)], {"lat": 31.23, "lon": 121.54, "text": "Pudong"},
                              start, end)["number"]
    shop.pick_order(number)
    shop.pack_order(number)
    return number
