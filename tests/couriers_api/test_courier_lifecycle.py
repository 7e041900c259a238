"""A courier's working life over GraphQL: applied to offboarded, every step read back from the projections."""

from __future__ import annotations

from tests.api.conftest import Api, code_of, error_of
from tests.couriers_api.conftest import COURIER, as_courier, hours

APPLY = """
mutation($input: ReceiveCourierApplicationInput!) { receiveCourierApplication(input: $input) { reference status position } }
"""
SCREEN = """
mutation($ref: String!, $passed: Boolean!) {
  screenCourier(input: {reference: $ref, backgroundCheckPassed: $passed, note: "police record checked", checkedBy: "hr-1"}) {
    status position
  }
}
"""
TRAIN = """
mutation($ref: String!, $course: String!, $score: Int!) {
  recordCourierTraining(input: {reference: $ref, course: $course, hours: "4", score: $score}) { passed retrainingDue }
}
"""
PLAN = """
mutation($input: PlanShiftInput!) { planShift(input: $input) { courier shift position } }
"""
STEP = "mutation($name: String) { step: %s(input: {courier: $name}) { courier shift position } }"


def application(reference: str, driving_years: int = 3) -> dict[str, object]:
    return {"input": {"reference": reference, "name": "Zhang Min", "phone": "+86 139 0000 1234",
                      "idDocument": "310101199001011234", "drivingYears": driving_years, "licenceClass": "C1"}}


def hire_over_graphql(api: Api, reference: str) -> int:
    api.data(APPLY, application(reference))
    api.data(SCREEN, {"ref": reference, "passed": True})
    for course in ("safety", "service", "app"):
        assert api.data(TRAIN, {"ref": reference, "course": course, "score": 88})["recordCourierTraining"]["passed"]
    api.data('mutation($r: String!) { certifyCourier(input: {reference: $r}) { status } }', {"r": reference})
    return api.data('mutation($r: String!) { activateCourier(input: {reference: $r}) { status position } }',
                    {"r": reference})["activateCourier"]["position"]


def test_an_applicant_becomes_an_active_courier_step_by_step(api: Api) -> None:
    applied = api.data(APPLY, application("C-NEW"), role="dispatcher")["receiveCourierApplication"]
    assert applied["status"] == "APPLIED"
    certify = 'mutation { certifyCourier(input: {reference: "C-NEW"}) { status } }'
    assert code_of(api.gql(certify)) == "INVALID_TRANSITION"  # not screened yet
    api.data(SCREEN, {"ref": "C-NEW", "passed": True})
    api.data(TRAIN, {"ref": "C-NEW", "course": "safety", "score": 95})
    assert not api.data(TRAIN, {"ref": "C-NEW", "course": "service", "score": 50})["recordCourierTraining"]["passed"]
    refused = error_of(api.gql(certify))
    assert refused["extensions"]["code"] == "PRECONDITION_FAILED"
    assert "service" in refused["message"] and "app" in refused["message"]
    api.data(TRAIN, {"ref": "C-NEW", "course": "service", "score": 75})
    api.data(TRAIN, {"ref": "C-NEW", "course": "app", "score": 80})
    assert api.data(certify)["certifyCourier"]["status"] == "CERTIFIED"
    at = api.data('mutation { activateCourier(input: {reference: "C-NEW"}) { position } }')["activateCourier"]["position"]

    courier = api.data(COURIER, {"ref": "C-NEW", "p": at})["courier"]
    assert (courier["status"], courier["certified"], courier["grade"]) == ("ACTIVE", True, "JUNIOR")
    assert [(t["course"], t["passed"]) for t in courier["trainings"]] == [
        ("safety", True), ("service", False), ("service", True), ("app", True)]
    assert [e["eventType"] for e in courier["history"]] == [
        "CourierApplied", "CourierScreened", "CourierTrained", "CourierTrained", "CourierTrained", "CourierTrained",
        "CourierCertified", "CourierActivated"]
    assert courier["history"][1]["detail"] == "background check passed: police record checked"


def test_an_applicant_who_fails_the_hiring_rules_is_rejected_and_given_no_work(api: Api) -> None:
    api.data(APPLY, application("C-GREEN", driving_years=0))
    assert api.data(SCREEN, {"ref": "C-GREEN", "passed": True})["screenCourier"]["status"] == "REJECTED"
    start = api.clock.now() + hours(1)
    plan = api.gql(PLAN, {"input": {"courier": "C-GREEN", "start": start.isoformat(),
                                    "end": (start + hours(8)).isoformat(), "zone": "EAST"}})
    assert (error_of(plan)["extensions"]["code"], error_of(plan)["extensions"]["field"]) == ("PRECONDITION_FAILED", "courierId")
    courier = api.data(COURIER, {"ref": "C-GREEN", "p": api.settle()})["courier"]
    assert courier["status"] == "REJECTED"
    assert courier["statusReason"] == "failed driving_experience"


def test_bad_input_is_a_typed_error_and_records_nothing(api: Api) -> None:
    before = api.settle()
    bad_document = application("C-BAD")
    bad_document["input"]["idDocument"] = "31-01-01"  # type: ignore[index]
    error = error_of(api.gql(APPLY, bad_document))
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_INPUT", "idDocument")
    unknown = error_of(api.gql(SCREEN, {"ref": "C-NOBODY", "passed": True}))
    assert (unknown["extensions"]["code"], unknown["extensions"]["field"]) == ("NOT_FOUND", "reference")
    assert api.settle() == before


def test_a_courier_works_a_shift_with_a_vehicle_then_is_suspended_reinstated_and_offboarded(api: Api) -> None:
    hire_over_graphql(api, "C-7")
    api.data('mutation { defineVehicleType(input: {name: "e-bike", capacityKg: "40", capacityL: "120", cruiseKmh: "18", '
             'maxKmh: "25", costPerKm: "0.05", costPerHour: "0", fixedDailyCost: "3"}) { name } }')
    api.data('mutation { registerVehicle(input: {plate: "沪A·E0001", vehicleType: "e-bike"}) { plate } }')
    api.data('mutation { grantCourierSkill(input: {reference: "C-7", skill: COLD_CHAIN}) { status } }')
    api.data('mutation { setCourierHomeZone(input: {reference: "C-7", zone: "PUDONG"}) { status } }')
    start = api.clock.now()
    shift = api.data(PLAN, {"input": {"courier": "C-7", "start": start.isoformat(), "end": (start + hours(8)).isoformat(),
                                      "zone": "PUDONG", "vehicle": "沪A·E0001"}}, role="dispatcher")["planShift"]["shift"]

    me = as_courier("C-7")
    started = api.data('mutation($s: String!) { startShift(input: {shift: $s}) { shift vehicle position } }',
                       {"s": shift}, **me)["startShift"]
    assert started["vehicle"] == "沪AE0001"
    busy = api.data('query($p: Int) { vehicles(status: ASSIGNED, atLeast: $p) { nodes { plate courier shift } } }',
                    {"p": started["position"]}, role="warehouse")["vehicles"]["nodes"]
    assert busy == [{"plate": "沪AE0001", "courier": "C-7", "shift": shift}]
    api.clock.advance(hours(2))
    api.data(STEP % "startBreak", {}, **me)
    api.clock.advance(hours(0.5))
    api.data(STEP % "endBreak", {}, **me)
    on_shift = api.data('query($p: Int) { couriers(onShift: true, atLeast: $p) { nodes { reference } } }',
                        {"p": api.settle()})["couriers"]["nodes"]
    assert on_shift == [{"reference": "C-7"}]

    suspended = api.data('mutation { suspendCourier(input: {reference: "C-7", reason: "crash report"}) { status position } }')
    courier = api.data(COURIER, {"ref": "C-7", "p": suspended["suspendCourier"]["position"]})["courier"]
    assert (courier["status"], courier["statusReason"], courier["onShift"]) == ("SUSPENDED", "crash report", False)
    assert courier["shifts"] == [{"shift": shift, "status": "ENDED", "zone": "PUDONG", "vehicle": "沪AE0001",
                                  "breaks": 1, "endReason": "courier suspended"}]
    assert (courier["skills"], courier["homeZone"]) == (["COLD_CHAIN"], "PUDONG")
    free = api.data('{ vehicles(status: AVAILABLE, type: "e-bike") { totalCount } }', role="warehouse")
    assert free["vehicles"]["totalCount"] == 1
    assert code_of(api.gql(STEP % "endShift", {}, **me)) == "PRECONDITION_FAILED"

    api.data('mutation { reinstateCourier(input: {reference: "C-7", note: "cleared"}) { status } }')
    out = api.data('mutation { offboardCourier(input: {reference: "C-7", reason: "moved away"}) { status position } }')
    listed = api.data('query($p: Int) { couriers(status: OFFBOARDED, atLeast: $p) { totalCount nodes { reference } } }',
                      {"p": out["offboardCourier"]["position"]})["couriers"]
    assert listed == {"totalCount": 1, "nodes": [{"reference": "C-7"}]}


def test_a_courier_reads_back_as_they_stood_at_an_earlier_moment(api: Api) -> None:
    hire_over_graphql(api, "C-8")
    before_suspension = api.clock.now()
    api.clock.advance(hours(1))
    api.data('mutation { suspendCourier(input: {reference: "C-8", reason: "late twice"}) { status } }')
    query = 'query($at: DateTime, $p: Int) { courier(reference: "C-8", asOf: $at, atLeast: $p) { status history { eventType } } }'
    now = api.data(query, {"p": api.settle()})["courier"]
    then = api.data(query, {"at": before_suspension.isoformat()}, role="auditor")["courier"]
    assert now["status"] == "SUSPENDED"
    assert then["status"] == "ACTIVE"
    assert then["history"][-1]["eventType"] == "CourierActivated"
