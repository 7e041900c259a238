"""Cases, ratings, notifications and returns through the API: customers see and open only their own, agents work
them, bad input is a typed error that records nothing, and the supervisor sees what broke its SLA."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Callable

import pytest

from tests.api.conftest import Api, code_of, error_of
from tests.conftest import stock_shop
from tests.customer_care.conftest import delivered
from tests.domain_couriers.staffing import hire

pytestmark = pytest.mark.timeout(60)

OPEN_CASE = """
mutation($input: OpenCaseInput!) { openCase(input: $input) { number status position } }
"""
CASE = "query($n: String!, $p: Int) { case(number: $n, atLeast: $p) { number status courier slas { sla state } } }"


def open_complaint(api: Api, order: str, **who: str) -> dict:  # type: ignore[type-arg]
    payload = {"kind": "COMPLAINT", "channel": "APP", "category": "LATE", "description": "Over an hour late",
               "order": order}
    return api.data(OPEN_CASE, {"input": payload}, **who)["openCase"]


def test_a_customer_complains_about_their_own_delivery_and_the_supervisor_sees_it_overdue(shop_api: Api) -> None:
    order = delivered(shop_api.application)
    me = {"role": "customer", "subject": "CUST-1"}
    opened = open_complaint(shop_api, order, **me)
    case = shop_api.data(CASE, {"n": opened["number"], "p": opened["position"]}, **me)["case"]
    assert (case["status"], case["courier"]) == ("OPEN", "C-1")
    assert [s["state"] for s in case["slas"]] == ["ON_TRACK", "ON_TRACK"]
    assert code_of(shop_api.gql(CASE, {"n": opened["number"]}, role="customer", subject="CUST-2")) == "NOT_FOUND"
    assert code_of(shop_api.gql(OPEN_CASE, {"input": {
        "customer": "CUST-2", "kind": "FEEDBACK", "channel": "APP", "category": "OTHER", "description": "x"}},
        **me)) == "FORBIDDEN"

    shop_api.data('mutation($n: String!) { acknowledgeCase(input: {number: $n}) { status } }',
                  {"n": opened["number"]}, role="dispatcher")
    shop_api.clock.advance(timedelta(hours=2, minutes=1))
    check = shop_api.data("mutation { checkCaseSlas { escalated { kind number sla } position } }",
                          role="dispatcher")["checkCaseSlas"]
    assert check["escalated"] == [{"kind": "case", "number": opened["number"], "sla": "solution"}]
    board = shop_api.data("query($p: Int) { supervisorBoard(atLeast: $p) { number sla overdueMinutes courier } }",
                          {"p": check["position"]}, role="dispatcher")["supervisorBoard"]
    assert board == [{"number": opened["number"], "sla": "solution", "overdueMinutes": 1, "courier": "C-1"}]
    overdue = shop_api.data("{ cases(overdue: true) { totalCount nodes { number slas { state } } } }",
                            role="dispatcher")["cases"]
    assert overdue["totalCount"] == 1 and overdue["nodes"][0]["slas"][0]["state"] == "BREACHED"
    counts = shop_api.data("{ caseAnalysis(by: COURIER) { key count } }", role="auditor")["caseAnalysis"]
    assert counts == [{"key": "C-1", "count": 1}]


BAD_INPUT = [
    ('openCase(input: {customer: "CUST-1", kind: COMPLAINT, channel: APP, category: LATE, description: " "})',
     "description"),
    ('rateDelivery(input: {order: "PS-DONE", stars: 9})', "stars"),
    ('requestAfterSales(input: {order: "PS-DONE", service: EXCHANGE})', "reason"),
    ('resolveCase(input: {number: "CASE-X", resolution: "sorry", compensation: "-5"})', "compensation"),
    ('declareSpecialSituation(input: {kind: HEAVY_RAIN, zones: [], startsAt: "2026-11-25T08:00:00+00:00", '
     'endsAt: "2026-11-25T09:00:00+00:00"})', "zones"),
    ('scheduleReturnPickup(input: {number: "AS-PS-DONE-1", windowStart: "2026-11-25T12:00:00+00:00", '
     'windowEnd: "2026-11-25T11:00:00+00:00"})', "windowEnd"),
]


def test_bad_input_is_a_typed_error_naming_its_field_and_records_nothing(make_api: Callable[..., Api]) -> None:
    quiet = make_api(run_worker=False)  # no outbox worker recording sends meanwhile: the head moves only for us
    app = quiet.application
    stock_shop(app)
    hire(app, "C-1")
    order = delivered(app)
    app.open_case("CUST-1", "complaint", "phone", "late", "late", number="CASE-X")
    app.approve_aftersales(app.request_aftersales(order, "return")["number"])
    head = quiet.settle()
    for mutation, field in BAD_INPUT:
        error = error_of(quiet.gql(f"mutation {{ m: {mutation.replace('PS-DONE', order)} {{ position }} }}",
                                   role="dispatcher"))
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_INPUT", field), mutation
    assert quiet.head() == head


def test_a_customer_rates_and_returns_their_delivery_and_hears_of_every_step(shop_api: Api) -> None:
    app = shop_api.application
    order = delivered(app)
    me = {"role": "customer", "subject": "CUST-1"}
    rated = shop_api.data('mutation($o: String!) { rateDelivery(input: {order: $o, stars: 5, comment: "fast"}) '
                          '{ courier stars position } }', {"o": order}, **me)["rateDelivery"]
    assert (rated["courier"], rated["stars"]) == ("C-1", 5)
    requested = shop_api.data('mutation($o: String!) { requestAfterSales(input: {order: $o, service: RETURN}) '
                              '{ number status } }', {"o": order}, **me)["requestAfterSales"]
    number = requested["number"]
    shop_api.data('mutation($n: String!) { approveAfterSales(input: {number: $n}) { status } }', {"n": number},
                  role="dispatcher")
    start = app.clock.now() + timedelta(hours=2)
    scheduled = shop_api.data(
        'mutation($n: String!, $s: DateTime!, $e: DateTime!) { scheduleReturnPickup(input: {number: $n, '
        'windowStart: $s, windowEnd: $e}) { status position } }',
        {"n": number, "s": start.isoformat(), "e": (start + timedelta(hours=2)).isoformat()}, role="dispatcher",
    )["scheduleReturnPickup"]
    pickups = shop_api.data("query($p: Int) { pendingPickups(atLeast: $p) { request order warehouse } }",
                            {"p": scheduled["position"]}, role="dispatcher")["pendingPickups"]
    assert pickups == [{"request": number, "order": order, "warehouse": "WH-EAST"}]
    assert code_of(shop_api.gql('mutation($n: String!) { approveAfterSales(input: {number: $n}) { status } }',
                                {"n": number}, **me)) == "FORBIDDEN"

    deadline = time.monotonic() + 10  # the app's own outbox worker sends in the background
    while True:
        told = shop_api.data('query($o: String!, $p: Int) { orderNotifications(number: $o, atLeast: $p) '
                             '{ kind status messages { channel status } } }',
                             {"o": order, "p": shop_api.settle()}, **me)["orderNotifications"]
        if all(n["status"] == "SENT" for n in told) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert [n["kind"] for n in told] == [
        "order_placed", "order_out_for_delivery", "order_delivered", "aftersales_requested", "aftersales_approved",
        "aftersales_pickup_scheduled",
    ]
    assert {n["status"] for n in told} == {"SENT"}
