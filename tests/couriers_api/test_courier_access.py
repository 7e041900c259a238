"""A courier's token reaches their own record, shifts and positions, and nobody else's."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import Api, code_of, error_of
from tests.couriers_api.conftest import as_courier
from tests.domain_couriers.staffing import plan_next_shift

RECORD = 'query($ref: String!) { courier(reference: $ref) { reference status } }'
KPIS = 'query($ref: String!) { courierKpis(reference: $ref, period: "2026-11") { deliveries } }'
START_SHIFT = 'mutation($c: String, $s: String!) { startShift(input: {courier: $c, shift: $s}) { shift } }'
REPORT = """
mutation($c: String, $at: DateTime!) {
  reportPositions(input: {courier: $c, pings: [{lat: 31.23, lon: 121.54, at: $at}]}) { accepted }
}
"""


def test_another_couriers_record_reads_exactly_as_a_missing_one(shop_api: Api) -> None:
    me = as_courier("C-1")
    assert shop_api.data(RECORD, {"ref": "C-1"}, **me)["courier"] == {"reference": "C-1", "status": "ACTIVE"}
    for query in (RECORD, KPIS):
        theirs = error_of(shop_api.gql(query, {"ref": "C-2"}, **me))
        nobody = error_of(shop_api.gql(query, {"ref": "C-404"}, **me))
        assert theirs["extensions"]["code"] == nobody["extensions"]["code"] == "NOT_FOUND"
        assert theirs["message"].replace("C-2", "?") == nobody["message"].replace("C-404", "?")
    assert code_of(shop_api.gql("{ couriers { totalCount } }", **me)) == "FORBIDDEN"
    assert code_of(shop_api.gql('{ incentiveRanking(period: "2026-10") { courier } }', **me)) == "FORBIDDEN"


def test_a_courier_steps_through_their_own_shift_and_no_one_elses(shop_api: Api) -> None:
    app = shop_api.application
    mine = plan_next_shift(app, "C-1")
    theirs = plan_next_shift(app, "C-2")
    before = shop_api.settle()
    refused = error_of(shop_api.gql(START_SHIFT, {"c": "C-2", "s": theirs}, **as_courier("C-1")))
    assert (refused["extensions"]["code"], refused["extensions"]["field"]) == ("FORBIDDEN", "courier")
    at = shop_api.clock.now().isoformat()
    assert code_of(shop_api.gql(REPORT, {"c": "C-2", "at": at}, **as_courier("C-1"))) == "FORBIDDEN"
    assert shop_api.settle() == before

    assert shop_api.data(START_SHIFT, {"s": mine}, **as_courier("C-1"))["startShift"]["shift"] == mine
    assert shop_api.data(REPORT, {"at": at}, **as_courier("C-1"))["reportPositions"]["accepted"] == 1
    own = shop_api.data('query($p: Int) { livePositions(atLeast: $p) { courier } }', {"p": shop_api.settle()},
                        **as_courier("C-1"))["livePositions"]
    assert own == [{"courier": "C-1"}]
    assert code_of(shop_api.gql('{ livePositions(courier: "C-2") { courier } }', **as_courier("C-1"))) == "FORBIDDEN"
    # Another courier's shift named as one's own is simply not among one's shifts.
    assert code_of(shop_api.gql(START_SHIFT, {"s": theirs}, **as_courier("C-1"))) == "NOT_FOUND"


def test_staff_manage_couriers_and_a_courier_manages_nothing(shop_api: Api) -> None:
    before = shop_api.settle()
    suspend = 'mutation { suspendCourier(input: {reference: "C-1", reason: "x"}) { status } }'
    assert code_of(shop_api.gql(suspend, **as_courier("C-1"))) == "FORBIDDEN"
    assert code_of(shop_api.gql(suspend, role="warehouse")) == "FORBIDDEN"
    assert code_of(shop_api.gql(suspend, role="auditor")) == "FORBIDDEN"
    start = (shop_api.clock.now() + timedelta(hours=1)).isoformat()
    plan = 'mutation($s: DateTime!) { planShift(input: {courier: "C-1", start: $s, end: $s, zone: "Z"}) { shift } }'
    assert code_of(shop_api.gql(plan, {"s": start}, **as_courier("C-1"))) == "FORBIDDEN"
    assert shop_api.settle() == before
    assert shop_api.data(RECORD, {"ref": "C-2"}, role="auditor")["courier"]["status"] == "ACTIVE"
