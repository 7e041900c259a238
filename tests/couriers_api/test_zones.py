"""Zones over GraphQL: drawn and staffed, orders placed in them by point-in-polygon, the rest listed for dispatch,
and a partition proposed from delivery history and accepted."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, code_of, error_of
from tests.domain_zones.conftest import EAST, WEST, square

DEFINE = """
mutation($code: String!, $name: String!, $boundary: JSON!) {
  defineZone(input: {code: $code, name: $name, kind: RESIDENTIAL, boundary: $boundary}) { code areaKm2 position }
}
"""
ZONE = """
query($code: String!, $p: Int, $minutes: Decimal! = "5") {
  zone(code: $code, atLeast: $p, serviceMinutes: $minutes) {
    code kind couriers retired
    boundary
    workload { firstDay lastDay orders serviceMinutes workloadMinutes }
    orders { totalCount nodes { number zone } }
  }
}
"""
FAR_AWAY = {"lat": 30.50, "lon": 120.50, "text": "Hangzhou"}
WEST_HOME = {"lat": 31.22, "lon": 121.37, "text": "Changning"}


def place(api: Api, number: str, address: dict[str, Any]) -> int:
    return api.place_order(number=number, address=address)["position"]


def test_orders_land_in_the_zone_their_address_lies_in_and_the_rest_are_listed(shop_api: Api) -> None:
    shop_api.data(DEFINE, {"code": "EAST", "name": "Pudong", "boundary": EAST}, role="dispatcher")
    shop_api.data(DEFINE, {"code": "WEST", "name": "Changning", "boundary": WEST}, role="dispatcher")
    place(shop_api, "PS-EAST", shop_api.order_input()["address"])
    place(shop_api, "PS-WEST", WEST_HOME)
    at = place(shop_api, "PS-FAR", FAR_AWAY)

    east = shop_api.data(ZONE, {"code": "EAST", "p": at, "minutes": "12"})["zone"]
    assert east["boundary"] == EAST and east["kind"] == "RESIDENTIAL"
    assert east["orders"] == {"totalCount": 1, "nodes": [{"number": "PS-EAST", "zone": "EAST"}]}
    assert east["workload"] == {"firstDay": "2026-11-25", "lastDay": "2026-11-25", "orders": 1,
                                "serviceMinutes": "12", "workloadMinutes": "12"}
    zones = shop_api.data('{ zones(from: "2026-11-26", to: "2026-11-30") { code workload { orders } } }')["zones"]
    assert zones == [{"code": "EAST", "workload": {"orders": 0}}, {"code": "WEST", "workload": {"orders": 0}}]

    unzoned = shop_api.data("{ unzonedOrders { totalCount nodes { number lat lon zonesOnMap } } }")["unzonedOrders"]
    assert unzoned == {"totalCount": 1, "nodes": [{"number": "PS-FAR", "lat": 30.5, "lon": 120.5, "zonesOnMap": 2}]}
    cancelled = shop_api.data('mutation { cancelOrder(input: {number: "PS-FAR", reason: "out of area"}) { position } }')
    still = shop_api.data("query($p: Int) { open: unzonedOrders(atLeast: $p) { totalCount } "
                          "all: unzonedOrders(openOnly: false, atLeast: $p) { nodes { closedAs } } }",
                          {"p": cancelled["cancelOrder"]["position"]}, role="auditor")
    assert still == {"open": {"totalCount": 0}, "all": {"nodes": [{"closedAs": "CANCELLED"}]}}


def test_a_zone_must_be_a_valid_polygon_that_overlaps_no_other(shop_api: Api) -> None:
    shop_api.data(DEFINE, {"code": "EAST", "name": "Pudong", "boundary": EAST})
    before = shop_api.settle()
    point = error_of(shop_api.gql(DEFINE, {"code": "DOT", "name": "Dot", "boundary": {"type": "Point", "coordinates": [121.5, 31.2]}}))
    assert (point["extensions"]["code"], point["extensions"]["field"]) == ("BAD_INPUT", "boundary.type")
    overlap = error_of(shop_api.gql(DEFINE, {"code": "EAST-2", "name": "Again", "boundary": EAST}))
    assert (overlap["extensions"]["code"], overlap["extensions"]["field"]) == ("PRECONDITION_FAILED", "boundary")
    assert shop_api.settle() == before
    assert code_of(shop_api.gql('{ zone(code: "NOWHERE") { code } }')) == "NOT_FOUND"


def test_couriers_assigned_to_a_zone_are_found_by_it(shop_api: Api) -> None:
    shop_api.data(DEFINE, {"code": "EAST", "name": "Pudong", "boundary": EAST})
    assign = 'mutation($c: String!) { assignCourierToZone(input: {zone: "EAST", courier: $c}) { couriers position } }'
    assert shop_api.data(assign, {"c": "C-1"})["assignCourierToZone"]["couriers"] == ["C-1"]
    assert code_of(shop_api.gql(assign, {"c": "C-1"})) == "PRECONDITION_FAILED"
    assert code_of(shop_api.gql(assign, {"c": "C-404"})) == "NOT_FOUND"
    at = shop_api.settle()
    listed = shop_api.data('query($p: Int) { couriers(zone: "EAST", atLeast: $p) { nodes { reference zones } } }',
                           {"p": at})["couriers"]["nodes"]
    assert listed == [{"reference": "C-1", "zones": ["EAST"]}]
    unassigned = shop_api.data('mutation { unassignCourierFromZone(input: {zone: "EAST", courier: "C-1"}) { couriers } }')
    assert unassigned["unassignCourierFromZone"]["couriers"] == []
    smaller = square(121.50, 31.20, 121.60, 31.26)
    redrawn = shop_api.data('mutation($b: JSON!) { redrawZone(input: {code: "EAST", boundary: $b}) { areaKm2 position } }',
                            {"b": smaller})["redrawZone"]
    assert 60 < redrawn["areaKm2"] < 65
    east = shop_api.data(ZONE, {"code": "EAST", "p": redrawn["position"]})["zone"]
    assert (east["boundary"], east["couriers"]) == (smaller, [])
    retired = shop_api.data('mutation { retireZone(input: {code: "EAST", reason: "merged"}) { position } }')
    after = shop_api.data(ZONE, {"code": "EAST", "p": retired["retireZone"]["position"]})["zone"]
    assert (after["retired"], after["couriers"]) == (True, [])
    assert shop_api.data("{ zones { code } }")["zones"] == []


def test_a_partition_proposed_from_delivery_history_becomes_the_zones(shop_api: Api) -> None:
    shop_api.data(DEFINE, {"code": "EAST", "name": "Pudong", "boundary": EAST})
    for n in range(12):
        place(shop_api, f"PS-H{n:02d}", {"lat": 31.16 + 0.012 * n, "lon": 121.30 + 0.025 * n, "text": "history"})
    proposed = shop_api.data(
        'mutation { proposeZones(input: {zones: 2, codePrefix: "N", proposal: "ZP-1", seed: 1}) '
        '{ proposal imbalance zones { code addresses } } }', role="dispatcher",
    )["proposeZones"]
    assert [z["code"] for z in proposed["zones"]] == ["N01", "N02"]
    assert sum(z["addresses"] for z in proposed["zones"]) == 12
    assert proposed["imbalance"] <= 1.2

    listed = shop_api.data('query($p: Int) { zoneProposals(openOnly: true, atLeast: $p) { proposal addresses days '
                           'zones { code boundary } } }', {"p": shop_api.settle()})["zoneProposals"]
    assert [(p["proposal"], p["addresses"], p["days"]) for p in listed] == [("ZP-1", 12, 28.0)]
    assert all(z["boundary"]["type"] in ("Polygon", "MultiPolygon") for z in listed[0]["zones"])

    accepted = shop_api.data('mutation { acceptZoneProposal(input: {proposal: "ZP-1"}) { defined retired position } }')
    assert accepted["acceptZoneProposal"]["defined"] == ["N01", "N02"]
    assert accepted["acceptZoneProposal"]["retired"] == ["EAST"]
    at = place(shop_api, "PS-NEW", {"lat": 31.16 + 0.012 * 3, "lon": 121.30 + 0.025 * 3, "text": "new"})
    zones = shop_api.data('query($p: Int) { zones(atLeast: $p) { code proposal orders(openOnly: true) { nodes { number } } } }',
                          {"p": at})["zones"]
    assert [z["code"] for z in zones] == ["N01", "N02"] and {z["proposal"] for z in zones} == {"ZP-1"}
    assert "PS-NEW" in {n["number"] for z in zones for n in z["orders"]["nodes"]}
    assert code_of(shop_api.gql('mutation { acceptZoneProposal(input: {proposal: "ZP-1"}) { defined } }')) == \
        "INVALID_TRANSITION"
