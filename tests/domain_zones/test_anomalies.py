"""Alerts from positions: each stale position, trip off route, idle spell and speeding run is raised once
and ended once, however many pings arrive in between."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.app import Peisong
from domain.clock import ManualClock
from tests.conftest import stock_shop
from tests.domain_zones.conftest import along, names, ping, put_on_shift, ride, track_events

ALERT_EVENTS = {
    "StalePositionDetected", "StalePositionEnded", "OffRouteDetected", "OffRouteEnded",
    "IdleAwayFromStopDetected", "IdleAwayFromStopEnded", "SpeedingDetected", "SpeedingEnded",
}


def alerts(app: Peisong, courier: str) -> list[str]:
    return [name for name in names(track_events(app, courier)) if name in ALERT_EVENTS]


def report_every(app: Peisong, clock: ManualClock, courier: str, pings: list[dict], per_batch: int = 3) -> None:
    """Upload in small batches, the clock following the pings, as a phone would."""
    for i in range(0, len(pings), per_batch):
        batch = pings[i:i + per_batch]
        clock.set(max(clock.now(), batch[-1]["at"] + timedelta(seconds=1)))
        app.report_positions(courier, batch)


# -- speeding -----------------------------------------------------------------------------------


def test_speeding_over_the_vehicle_types_maximum_is_one_alert_per_run(app: Peisong, clock: ManualClock) -> None:
    put_on_shift(app, "C-1", max_kmh="45")  # an e-scooter: 45 km/h at most
    fast = ride(clock.now(), 31.20, 121.50, 12, every=5, metres_per_second=15.0)  # 54 km/h for a minute
    slow = ride(fast[-1]["at"] + timedelta(seconds=5), fast[-1]["lat"] + 0.0007, 121.50, 6, every=5,
                metres_per_second=8.0)
    fast_again = ride(slow[-1]["at"] + timedelta(seconds=5), slow[-1]["lat"] + 0.0004, 121.50, 4, every=5,
                      metres_per_second=14.0)

    report_every(app, clock, "C-1", fast + slow + fast_again)

    assert alerts(app, "C-1") == ["SpeedingDetected", "SpeedingEnded", "SpeedingDetected"]
    first, ended, second = [e for e in track_events(app, "C-1") if "Speeding" in type(e).__name__]
    assert (first.at, first.speed_kmh, first.limit_kmh) == (fast[0]["at"], 54.0, 45.0)
    assert ended.at == slow[0]["at"]
    assert first.alert.endswith("/speeding/1") and second.alert.endswith("/speeding/2")
    assert ended.alert == first.alert


def test_without_a_known_vehicle_the_default_speed_limit_applies(app: Peisong, clock: ManualClock) -> None:
    at = clock.now()
    app.report_positions("STRANGER", [ping(at, 31.2, 121.5, speed=12.0)])  # 43 km/h: under the default 50
    app.report_positions("STRANGER", [ping(at + timedelta(seconds=5), 31.2005, 121.5, speed=15.0)])  # 54 km/h

    (speeding,) = [e for e in track_events(app, "STRANGER") if type(e).__name__ == "SpeedingDetected"]
    assert speeding.limit_kmh == 50.0


def test_speed_implied_by_two_pings_counts_when_the_phone_reports_none(app: Peisong, clock: ManualClock) -> None:
    at = clock.now() - timedelta(minutes=1)
    # 200 m in 10 s is 72 km/h; the accuracy (5 m each) does not explain it away.
    app.report_positions("C-9", [ping(at, 31.2000, 121.5, accuracy=5.0),
                                 ping(at + timedelta(seconds=10), 31.2018, 121.5, accuracy=5.0)])

    assert alerts(app, "C-9") == ["SpeedingDetected"]


# -- off route ----------------------------------------------------------------------------------


def test_leaving_the_planned_route_is_one_alert_until_the_courier_is_back_on_it(
    app: Peisong, clock: ManualClock
) -> None:
    route = [(31.20, 121.50), (31.22, 121.50), (31.22, 121.52)]  # north 2.2 km, then east 1.9 km
    app.set_planned_route("C-1", route, stops=[(31.22, 121.52)], plan="RP-1")
    # North along the route, then 700 m east of it (the route turns east only further north), and back.
    pings = along(clock.now(), [(31.200, 121.500), (31.205, 121.500), (31.205, 121.5074), (31.205, 121.500),
                                (31.210, 121.500)])
    report_every(app, clock, "C-1", pings, per_batch=4)

    assert alerts(app, "C-1") == ["OffRouteDetected", "OffRouteEnded"]
    detected, ended = [e for e in track_events(app, "C-1") if "OffRoute" in type(e).__name__]
    first_far = next(p for p in pings if (p["lon"] - 121.5) * 111_320 * 0.856 - 10 > 300)
    assert detected.at == first_far["at"]
    assert 310 < detected.distance_m < 400 and detected.limit_m == 300.0
    assert ended.distance_m <= 300.0 and ended.at > detected.at
    assert names(track_events(app, "C-1"))[:2] == ["CourierTrackOpened", "PlannedRouteSet"]


def test_no_route_planned_means_no_off_route_alerts(app: Peisong, clock: ManualClock) -> None:
    report_every(app, clock, "C-1", ride(clock.now(), 31.2, 121.5, 12, every=10, metres_per_second=5.0))

    assert alerts(app, "C-1") == []


# -- idle ---------------------------------------------------------------------------------------


def standing(start: datetime, lat: float, lon: float, minutes: int, every: int = 30) -> list[dict]:
    """A courier standing still: pings jitter a few metres around one spot."""
    return [ping(start + timedelta(seconds=every * i), lat + (i % 3) * 0.00002, lon, speed=0.0)
            for i in range(minutes * 60 // every + 1)]


def test_idling_away_from_any_stop_is_one_alert_until_the_courier_moves_on(app: Peisong, clock: ManualClock) -> None:
    stock_shop(app)
    start = clock.now()
    idle = standing(start, 31.260, 121.480, minutes=15)
    moving = ride(idle[-1]["at"] + timedelta(seconds=10), 31.262, 121.480, 4, every=10)

    report_every(app, clock, "C-1", idle + moving, per_batch=4)

    assert alerts(app, "C-1") == ["IdleAwayFromStopDetected", "IdleAwayFromStopEnded"]
    detected, ended = [e for e in track_events(app, "C-1") if "Idle" in type(e).__name__]
    assert detected.at == start + timedelta(minutes=10)  # the settings' ten minutes
    assert detected.since == start and detected.idle_seconds == 600.0
    assert ended.at == moving[0]["at"]


def test_waiting_at_a_warehouse_or_a_planned_stop_is_not_idling_but_just_beyond_it_is(
    app: Peisong, clock: ManualClock
) -> None:
    stock_shop(app)  # WH-EAST is at (31.23, 121.55)
    app.set_planned_route("C-2", [(31.20, 121.40), (31.21, 121.40)], stops=[(31.21, 121.40)])
    start = clock.now()

    report_every(app, clock, "C-1", standing(start, 31.2301, 121.5501, minutes=20), per_batch=8)
    report_every(app, clock, "C-2", standing(start, 31.2100, 121.4001, minutes=20), per_batch=8)
    # 130 m east of WH-EAST, inside the 150 m a stop reaches (a degree east is 95 km at this latitude).
    report_every(app, clock, "C-3", standing(start, 31.2300, 121.5513657, minutes=20), per_batch=8)
    # 170 m east of it, beyond.
    report_every(app, clock, "C-4", standing(start, 31.2300, 121.5517859, minutes=20), per_batch=8)

    assert alerts(app, "C-1") == []
    assert alerts(app, "C-2") == []
    assert alerts(app, "C-3") == []
    assert alerts(app, "C-4") == ["IdleAwayFromStopDetected"]


# -- stale positions ----------------------------------------------------------------------------


def test_a_courier_on_shift_who_goes_silent_is_one_alert_until_a_ping_arrives(
    app: Peisong, clock: ManualClock
) -> None:
    put_on_shift(app, "C-1")
    last = ping(clock.now(), 31.2, 121.5)
    app.report_positions("C-1", [last])

    clock.advance(timedelta(minutes=4))
    assert app.check_stale_positions(["C-1"])["raised"] == []
    clock.advance(timedelta(minutes=2))
    first_check = app.check_stale_positions(["C-1"])
    clock.advance(timedelta(minutes=5))
    second_check = app.check_stale_positions(["C-1"])

    assert first_check["raised"] == ["C-1/2026-11-25/stale_position/1"]
    assert second_check["raised"] == []
    (stale,) = [e for e in track_events(app, "C-1") if type(e).__name__ == "StalePositionDetected"]
    assert stale.last_seen_at == last["at"] and stale.silent_seconds == 360.0

    back = ping(clock.now(), 31.2001, 121.5)
    app.report_positions("C-1", [back])
    assert alerts(app, "C-1") == ["StalePositionDetected", "StalePositionEnded"]
    ended = track_events(app, "C-1")[-1]
    assert (ended.at, ended.silent_seconds) == (back["at"], 660.0)
    assert app.check_stale_positions(["C-1"])["raised"] == []


def test_a_courier_who_never_sent_a_position_is_stale_counting_from_the_start_of_the_shift(
    app: Peisong, clock: ManualClock
) -> None:
    put_on_shift(app, "C-1")
    clock.advance(timedelta(minutes=3))
    assert app.check_stale_positions(["C-1"])["raised"] == []
    clock.advance(timedelta(minutes=3))

    assert len(app.check_stale_positions(["C-1"])["raised"]) == 1
    (stale,) = [e for e in track_events(app, "C-1") if type(e).__name__ == "StalePositionDetected"]
    assert stale.last_seen_at is None and stale.silent_seconds == 360.0


def test_couriers_off_shift_or_unknown_are_not_stale_and_going_off_shift_ends_the_alert(
    app: Peisong, clock: ManualClock
) -> None:
    put_on_shift(app, "C-1")
    put_on_shift(app, "C-2")
    app.end_shift("C-2")
    clock.advance(timedelta(minutes=10))

    result = app.check_stale_positions(["C-1", "C-2", "NOBODY"])

    assert [alert.split("/")[0] for alert in result["raised"]] == ["C-1"]
    assert result["unknown"] == ["NOBODY"]
    app.end_shift("C-1")
    assert app.check_stale_positions(["C-1"])["ended"] == ["C-1"]
    ended = track_events(app, "C-1")[-1]
    assert (type(ended).__name__, ended.reason) == ("StalePositionEnded", "off shift")
    assert alerts(app, "C-2") == []
