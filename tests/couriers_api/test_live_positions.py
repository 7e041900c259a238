"""Live locations over GraphQL: batches of pings judged and counted, the latest position of each courier,
alerts for the dispatcher, the worker's watch for silent phones, and positions followed live."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import Api, code_of, error_of
from tests.api.test_subscriptions import connected, next_data, subscribe
from tests.couriers_api.conftest import as_courier

pytestmark = pytest.mark.timeout(60)

REPORT = """
mutation($courier: String, $pings: [PingInput!]!) {
  reportPositions(input: {courier: $courier, pings: $pings}) {
    received accepted rejected rejectedByReason { reason count } alerts { courier kind raised } position
  }
}
"""
ALERTS = """
query($open: Boolean!, $p: Int) {
  locationAlerts(openOnly: $open, atLeast: $p) { courier kind open detail endDetail measure limit }
}
"""
LIVE = "subscription($zone: String) { livePositions(zone: $zone) { cursor positions { courier lat lon at } } }"


def ping(at: datetime, lat: float, lon: float = 121.54, **extra: Any) -> dict[str, Any]:
    return {"at": at.isoformat(), "lat": lat, "lon": lon, **extra}


def test_a_batch_is_judged_ping_by_ping_and_bad_pings_are_counted_not_refused(city_api: Api) -> None:
    t = city_api.clock.now()
    pings = [
        ping(t, 31.2300), ping(t + timedelta(seconds=5), 31.2302), ping(t + timedelta(seconds=5), 31.2302),
        ping(t + timedelta(seconds=2), 31.2301), ping(t + timedelta(seconds=8), 95.0),
        ping(t + timedelta(seconds=10), 31.5000),
    ]
    report = city_api.data(REPORT, {"pings": pings}, **as_courier("C-9"))["reportPositions"]
    assert (report["received"], report["accepted"], report["rejected"]) == (6, 2, 4)
    assert report["rejectedByReason"] == [
        {"reason": "DUPLICATE", "count": 1}, {"reason": "IMPOSSIBLE_JUMP", "count": 1},
        {"reason": "OUT_OF_ORDER", "count": 1}, {"reason": "OUT_OF_RANGE", "count": 1},
    ]
    courier = city_api.data(
        'query($p: Int) { courier(reference: "C-9", atLeast: $p) { position { lat lon at } '
        'track { received accepted rejected { reason count } } } }', {"p": report["position"]},
    )["courier"]
    assert courier["position"] == {"lat": 31.2302, "lon": 121.54, "at": (t + timedelta(seconds=5)).isoformat()}
    assert (courier["track"]["received"], courier["track"]["accepted"]) == (6, 2)
    assert city_api.data('{ livePositions(zone: "EAST") { courier } }')["livePositions"] == [{"courier": "C-9"}]
    assert city_api.data('{ livePositions(zone: "WEST") { courier } }')["livePositions"] == []
    assert code_of(city_api.gql('{ livePositions(zone: "NOWHERE") { courier } }')) == "NOT_FOUND"
    unknown = error_of(city_api.gql(REPORT, {"courier": "C-404", "pings": pings[:1]}))
    assert (unknown["extensions"]["code"], unknown["extensions"]["field"]) == ("NOT_FOUND", "courier")


def test_speeding_raises_one_alert_for_the_dispatcher_until_the_courier_slows_down(city_api: Api) -> None:
    t = city_api.clock.now()
    fast = [ping(t + timedelta(seconds=5 * i), 31.23 + 0.001 * i, speedKmh=70.0) for i in range(3)]
    raised = city_api.data(REPORT, {"pings": fast}, **as_courier("C-9"))["reportPositions"]
    assert raised["alerts"] == [{"courier": "C-9", "kind": "SPEEDING", "raised": True}]
    (alert,) = city_api.data(ALERTS, {"open": True, "p": raised["position"]}, role="dispatcher")["locationAlerts"]
    assert (alert["kind"], alert["open"], alert["measure"], alert["limit"]) == ("SPEEDING", True, 70.0, 45.0)
    assert alert["detail"] == "70.0 km/h (limit 45 km/h)"

    slow = [ping(t + timedelta(seconds=20), 31.2325, speedKmh=20.0)]
    ended = city_api.data(REPORT, {"pings": slow}, **as_courier("C-9"))["reportPositions"]
    assert ended["alerts"] == [{"courier": "C-9", "kind": "SPEEDING", "raised": False}]
    assert city_api.data(ALERTS, {"open": True, "p": ended["position"]})["locationAlerts"] == []
    (closed,) = city_api.data(ALERTS, {"open": False}, role="auditor")["locationAlerts"]
    assert (closed["open"], closed["endDetail"]) == (False, "down to 20.0 km/h")


def test_the_workers_watch_raises_a_stale_alert_for_a_silent_courier_on_shift(city_api: Api) -> None:
    t = city_api.clock.now()
    city_api.data(REPORT, {"pings": [ping(t, 31.23)]}, **as_courier("C-9"))
    city_api.settle()
    watch = city_api.app.state.stale_positions
    assert watch.running  # started with the projections, it looks every minute
    watch.stop()  # this test looks in its own good time instead
    city_api.clock.advance(timedelta(minutes=10))
    checked = watch.check_now()
    assert checked["raised"] == ["C-9/2026-11-25/stale_position/1"]
    (stale,) = city_api.data(ALERTS, {"open": True, "p": checked.position})["locationAlerts"]
    assert stale["kind"] == "STALE_POSITION" and stale["measure"] == 600.0

    back = city_api.data(REPORT, {"pings": [ping(city_api.clock.now(), 31.231)]}, **as_courier("C-9"))
    assert back["reportPositions"]["alerts"] == [{"courier": "C-9", "kind": "STALE_POSITION", "raised": False}]
    city_api.data('mutation { endShift(input: {}) { shift } }', **as_courier("C-9"))
    city_api.clock.advance(timedelta(minutes=30))
    manual = city_api.data('mutation { checkStalePositions { checked raised } }', role="dispatcher")
    assert manual["checkStalePositions"] == {"checked": 0, "raised": []}


def test_a_dispatcher_follows_the_positions_inside_a_zone_as_they_are_reported(city_api: Api) -> None:
    app, t = city_api.application, city_api.clock.now()
    app.report_positions("C-9", [{"at": t, "lat": 31.23, "lon": 121.54}])
    city_api.settle()
    with connected(city_api, city_api.token("dispatcher")) as ws:
        subscribe(ws, LIVE, {"zone": "EAST"})
        first = next_data(ws)["livePositions"]
        assert [p["courier"] for p in first["positions"]] == ["C-9"]
        app.report_positions("C-1", [{"at": t, "lat": 31.22, "lon": 121.37}])  # in WEST: not this stream's
        app.report_positions("C-9", [{"at": t + timedelta(seconds=30), "lat": 31.231, "lon": 121.54}])
        update = next_data(ws)["livePositions"]
        assert update["positions"] == [
            {"courier": "C-9", "lat": 31.231, "lon": 121.54, "at": (t + timedelta(seconds=30)).isoformat()}]
        assert update["cursor"] > first["cursor"]


def test_a_courier_follows_only_their_own_position(city_api: Api) -> None:
    app, t = city_api.application, city_api.clock.now()
    with connected(city_api, city_api.token("courier", "C-1")) as ws:
        subscribe(ws, LIVE, {})
        assert next_data(ws)["livePositions"]["positions"] == []
        app.report_positions("C-9", [{"at": t, "lat": 31.23, "lon": 121.54}])
        app.report_positions("C-1", [{"at": t, "lat": 31.22, "lon": 121.37}])
        assert [p["courier"] for p in next_data(ws)["livePositions"]["positions"]] == ["C-1"]
    with connected(city_api, city_api.token("courier", "C-1")) as ws:
        subscribe(ws, 'subscription { livePositions(courier: "C-9") { cursor } }', {})
        message = ws.receive_json()
    assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "FORBIDDEN"


def test_leaving_the_planned_route_raises_an_off_route_alert(city_api: Api) -> None:
    t = city_api.clock.now()
    route = 'mutation { setPlannedRoute(input: {courier: "C-9", route: [{lat: 31.23, lon: 121.54}, {lat: 31.25, lon: 121.54}]}) { day points } }'
    assert city_api.data(route, role="dispatcher")["setPlannedRoute"] == {"day": "2026-11-25", "points": 2}
    along = [ping(t + timedelta(seconds=10 * i), 31.23 + 0.0005 * i) for i in range(3)]
    astray = [ping(t + timedelta(seconds=30 + 10 * i), 31.231, 121.54 + 0.0012 * (i + 1)) for i in range(4)]
    report = city_api.data(REPORT, {"pings": along + astray}, **as_courier("C-9"))["reportPositions"]
    assert report["alerts"] == [{"courier": "C-9", "kind": "OFF_ROUTE", "raised": True}]
    (alert,) = city_api.data(ALERTS, {"open": True, "p": report["position"]})["locationAlerts"]
    assert alert["kind"] == "OFF_ROUTE" and alert["limit"] == 300.0 and alert["measure"] > 300


def test_a_gateway_uploads_many_couriers_at_once_and_an_auditor_asks_where_one_was(city_api: Api) -> None:
    t = city_api.clock.now()
    upload = """
    mutation($t0: DateTime!, $t1: DateTime!) {
      reportPositionsBatch(input: {reports: [
        {courier: "C-9", pings: [{lat: 31.2300, lon: 121.54, at: $t0}, {lat: 31.2310, lon: 121.54, at: $t1}]}
        {courier: "C-1", pings: [{lat: 31.2200, lon: 121.37, at: $t0}]}
      ]}) { couriers received accepted position }
    }
    """
    times = {"t0": t.isoformat(), "t1": (t + timedelta(seconds=60)).isoformat()}
    report = city_api.data(upload, times)["reportPositionsBatch"]
    assert (report["couriers"], report["received"], report["accepted"]) == (2, 3, 3)
    where = 'query($c: String!, $at: DateTime!) { courierPositionAt(reference: $c, at: $at) { lat lon source pingAt nextPingAt } }'
    halfway = city_api.data(where, {"c": "C-9", "at": (t + timedelta(seconds=30)).isoformat()},
                            role="auditor")["courierPositionAt"]
    assert halfway["source"] == "INTERPOLATED" and halfway["lat"] == pytest.approx(31.2305)
    assert halfway["nextPingAt"] == times["t1"]
    before = city_api.data(where, {"c": "C-9", "at": (t - timedelta(seconds=1)).isoformat()})["courierPositionAt"]
    assert before is None
    assert code_of(city_api.gql(where, {"c": "C-9", "at": times["t0"]}, **as_courier("C-1"))) == "NOT_FOUND"
    unknown = error_of(city_api.gql(upload.replace('"C-1"', '"C-404"'), times))
    assert (unknown["extensions"]["code"], unknown["extensions"]["field"]) == ("NOT_FOUND", "reports.1.courier")
