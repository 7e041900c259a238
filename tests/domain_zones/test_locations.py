"""Live locations: pings are kept in batches on each courier's day track; bad ones are counted, never fatal."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from domain.app import Peisong
from domain.clock import ManualClock
from domain.errors import InvalidInput
from domain.locations import CourierTrack, REJECTION_REASONS
from tests.conftest import START
from tests.domain_zones.conftest import names, ping, ride, track_events

TODAY = date(2026, 11, 25)  # START is 16:00 in Shanghai


def test_a_batch_of_pings_is_one_event_on_the_couriers_track_for_the_day(app: Peisong) -> None:
    pings = ride(START - timedelta(minutes=1), 31.23, 121.54, 12)

    result = app.report_positions("C-1", pings)

    assert (result["received"], result["accepted"], result["rejected"]) == (12, 12, {})
    opened, reported = track_events(app, "C-1")
    assert names([opened, reported]) == ["CourierTrackOpened", "PositionsReported"]
    assert (opened.courier, opened.day) == ("C-1", "2026-11-25")
    assert reported.received == 12 and reported.rejected == {}
    assert [p["at"] for p in reported.accepted] == [p["at"] for p in pings]
    assert reported.accepted[3]["lat"] == pytest.approx(pings[3]["lat"])
    track = app.courier_track("C-1", TODAY)
    assert (track.received, track.accepted, track.last_ping_at) == (12, 12, pings[-1]["at"])


def test_a_ping_older_than_the_last_accepted_is_counted_out_of_order(app: Peisong) -> None:
    first = ride(START - timedelta(minutes=2), 31.23, 121.54, 6)
    app.report_positions("C-1", first)

    result = app.report_positions("C-1", [first[2], ping(START - timedelta(seconds=30), 31.2303, 121.54)])

    assert result["accepted"] == 1
    assert result["rejected"] == {"out_of_order": 1}
    reported = track_events(app, "C-1")[-1]
    assert (reported.received, len(reported.accepted), reported.rejected) == (2, 1, {"out_of_order": 1})


def test_a_ping_with_the_timestamp_of_the_last_accepted_is_counted_duplicate(app: Peisong) -> None:
    pings = ride(START - timedelta(minutes=1), 31.23, 121.54, 3)

    result = app.report_positions("C-1", [*pings, dict(pings[-1]), {**pings[-1], "lat": 31.25}])

    assert result["accepted"] == 3
    assert result["rejected"] == {"duplicate": 2}


@pytest.mark.parametrize("bad, reason", [
    ({"at": START, "lat": 91.0, "lon": 121.5}, "out_of_range"),
    ({"at": START, "lat": 31.2, "lon": -181.0}, "out_of_range"),
    ({"at": START, "lat": 31.2, "lon": 121.5, "accuracy": 5_000.0}, "inaccurate"),
    ({"at": START, "lat": 31.2, "lon": 121.5, "accuracy": -1.0}, "inaccurate"),
    ({"at": START, "lat": 31.2, "lon": 121.5, "speed": 60.0}, "impossible_speed"),  # 216 km/h
    ({"at": START + timedelta(hours=1), "lat": 31.2, "lon": 121.5}, "from_future"),
    ({"at": START - timedelta(days=3), "lat": 31.2, "lon": 121.5}, "too_old"),
    ({"at": START, "lat": "31.2", "lon": 121.5}, "malformed"),
    ({"at": START, "lat": float("nan"), "lon": 121.5}, "malformed"),
    ({"at": START.replace(tzinfo=None), "lat": 31.2, "lon": 121.5}, "malformed"),
    ({"at": "yesterday", "lat": 31.2, "lon": 121.5}, "malformed"),
    ({"lat": 31.2, "lon": 121.5}, "malformed"),
    ("31.2,121.5", "malformed"),
    (None, "malformed"),
])
def test_an_impossible_ping_is_counted_by_reason_and_the_rest_of_the_batch_is_kept(
    app: Peisong, bad: object, reason: str
) -> None:
    good = ride(START - timedelta(minutes=1), 31.23, 121.54, 4)

    result = app.report_positions("C-1", [*good[:2], bad, *good[2:]])

    assert result["received"] == 5
    assert result["accepted"] == 4
    assert result["rejected"] == {reason: 1}
    assert track_events(app, "C-1")[-1].rejected == {reason: 1}


def test_a_jump_faster_than_any_vehicle_is_impossible_but_the_next_believable_ping_is_not(app: Peisong) -> None:
    at = START - timedelta(minutes=5)
    pings = [
        ping(at, 31.2300, 121.5400),
        ping(at + timedelta(seconds=5), 31.2800, 121.5400),   # 5.5 km in 5 s: a bad fix
        ping(at + timedelta(seconds=10), 31.2302, 121.5400),  # back where the courier really is
    ]

    result = app.report_positions("C-1", pings)

    assert result["rejected"] == {"impossible_jump": 1}
    assert [p["lat"] for p in track_events(app, "C-1")[-1].accepted] == [31.23, 31.2302]


def test_the_top_speed_can_be_given_per_courier(app: Peisong) -> None:
    at = START - timedelta(minutes=5)
    # 1.67 km in a minute: 100 km/h, believable for a car, not for a bicycle.
    leg = [ping(at, 31.2300, 121.54, accuracy=None), ping(at + timedelta(minutes=1), 31.2450, 121.54, accuracy=None)]

    result = app.report_positions_batch([("CAR", leg), ("BIKE", leg)], max_speed_kmh={"BIKE": 40.0})

    assert result["accepted"] == 3
    assert result["rejected"] == {"impossible_jump": 1}
    assert app.courier_track("BIKE", TODAY).rejected == {"impossible_jump": 1}


def test_many_couriers_batches_are_saved_together_or_not_at_all(app: Peisong) -> None:
    reports = [(f"C-{i}", ride(START - timedelta(minutes=1), 31.2 + i / 100, 121.5, 6)) for i in range(20)]

    result = app.report_positions_batch(reports)

    assert (result["couriers"], result["received"], result["accepted"]) == (20, 120, 120)
    assert all(app.courier_track(f"C-{i}", TODAY).accepted == 6 for i in range(20))

    head = app.head_position()
    later = [(f"C-{i}", ride(START, 31.2 + i / 100, 121.5, 2)) for i in range(3)] + [("", [])]
    with pytest.raises(InvalidInput) as refused:
        app.report_positions_batch(later)
    assert refused.value.field == "reports.3.courier"
    for broken, field in (([("C-1", None)], "reports.0.pings"), ([("C-1",)], "reports.0")):
        with pytest.raises(InvalidInput) as refused:
            app.report_positions_batch(broken)  # type: ignore[arg-type]
        assert refused.value.field == field
    assert app.head_position() == head


def test_a_repeated_upload_with_the_same_key_is_not_counted_twice(app: Peisong) -> None:
    pings = ride(START - timedelta(minutes=1), 31.23, 121.54, 6)
    first = app.report_positions("C-1", pings, idempotency_key="upload-77")
    again = app.report_positions("C-1", pings, idempotency_key="upload-77")

    assert again.repeated and again.data == first.data
    assert app.courier_track("C-1", TODAY).received == 6


def test_where_a_courier_was_at_any_moment(app: Peisong, clock: ManualClock) -> None:
    first = ride(START - timedelta(minutes=10), 31.2300, 121.54, 6, every=10)   # 15:50:00 .. 15:50:50
    second = ride(START - timedelta(minutes=5), 31.2400, 121.54, 6, every=10)   # 15:55:00 .. 15:55:50
    app.report_positions("C-1", first)
    app.report_positions("C-1", second)

    exact = app.position_at("C-1", first[2]["at"])
    assert (exact["source"], exact["lat"], exact["lon"]) == ("ping", first[2]["lat"], 121.54)

    between = app.position_at("C-1", first[2]["at"] + timedelta(seconds=5))
    assert between["source"] == "interpolated"
    assert between["lat"] == pytest.approx((first[2]["lat"] + first[3]["lat"]) / 2)

    across = app.position_at("C-1", first[-1]["at"] + timedelta(seconds=125))  # between the two batches
    assert across["source"] == "interpolated"
    assert (across["ping_at"], across["next_ping_at"]) == (first[-1]["at"], second[0]["at"])
    assert first[-1]["lat"] < across["lat"] < second[0]["lat"]

    after = app.position_at("C-1", START + timedelta(minutes=30))
    assert after["source"] == "last_known"
    assert after["lat"] == second[-1]["lat"]

    assert app.position_at("C-1", first[0]["at"] - timedelta(seconds=1)) is None
    assert app.position_at("NOBODY", START) is None
    with pytest.raises(InvalidInput):
        app.position_at("C-1", START.replace(tzinfo=None))


def test_a_batch_across_midnight_goes_to_two_days_and_the_second_carries_the_first_on(
    app: Peisong, clock: ManualClock
) -> None:
    midnight = datetime(2026, 11, 25, 16, 0, tzinfo=timezone.utc)  # 00:00 on the 26th in Shanghai
    clock.set(midnight + timedelta(minutes=1))
    pings = ride(midnight - timedelta(seconds=20), 31.23, 121.54, 8)  # 23:59:40 .. 00:00:15

    result = app.report_positions("C-1", pings)

    assert result["accepted"] == 8
    today, tomorrow = app.courier_track("C-1", TODAY), app.courier_track("C-1", date(2026, 11, 26))
    assert (today.accepted, tomorrow.accepted) == (4, 4)
    assert tomorrow.carried_last["at"] == pings[3]["at"]
    # The rules run across midnight: a wild jump from the last ping before it is still impossible.
    jump = ping(midnight + timedelta(seconds=20), 31.33, 121.54)
    assert app.report_positions("C-1", [jump])["rejected"] == {"impossible_jump": 1}
    # And the auditor's question has an answer on either side of midnight.
    assert app.position_at("C-1", midnight - timedelta(seconds=1))["source"] == "interpolated"
    assert app.position_at("C-1", midnight + timedelta(seconds=2))["source"] == "interpolated"


def test_yesterdays_last_position_answers_for_a_day_without_pings(app: Peisong, clock: ManualClock) -> None:
    pings = ride(START - timedelta(minutes=1), 31.23, 121.54, 3)
    app.report_positions("C-1", pings)

    answer = app.position_at("C-1", START + timedelta(hours=10))  # 02:00 the next day in Shanghai

    assert answer["source"] == "last_known"
    assert answer["ping_at"] == pings[-1]["at"]


ping_times = st.integers(min_value=-4000, max_value=400).map(lambda s: START + timedelta(seconds=s))
any_ping = st.one_of(
    st.fixed_dictionaries(
        {"at": ping_times, "lat": st.floats(allow_nan=True, allow_infinity=True, width=32),
         "lon": st.floats(min_value=121.0, max_value=122.0)},
        optional={"speed": st.one_of(st.none(), st.floats(min_value=-5, max_value=80)),
                  "accuracy": st.one_of(st.none(), st.floats(min_value=-10, max_value=2000))},
    ),
    st.builds(lambda at, dlat, dlon: {"at": at, "lat": 31.2 + dlat, "lon": 121.5 + dlon},
              ping_times, st.floats(-0.02, 0.02), st.floats(-0.02, 0.02)),
    st.tuples(ping_times, st.floats(30.0, 32.0), st.floats(121.0, 122.0)),
    st.none(), st.text(max_size=5), st.integers(), st.lists(st.integers(), max_size=6),
)


@given(batches=st.lists(st.lists(any_ping, max_size=15), min_size=1, max_size=4))
def test_any_stream_of_pings_is_taken_in_and_every_ping_is_accepted_or_counted(
    app: Peisong, batches: list[list[object]]
) -> None:
    courier = f"H-{app.head_position()}"  # a fresh courier per example (the store is shared)
    received = accepted = 0
    for batch in batches:
        result = app.report_positions(courier, batch)
        assert result["received"] == len(batch)
        assert result["accepted"] + sum(result["rejected"].values()) == len(batch)
        assert set(result["rejected"]) <= set(REJECTION_REASONS)
        received += result["received"]
        accepted += result["accepted"]

    stored = [e for day in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1))
              for e in app.events.get(CourierTrack.create_id(courier, day))
              if type(e).__name__ == "PositionsReported"]
    assert sum(e.received for e in stored) == received
    assert sum(len(e.accepted) for e in stored) == accepted
    assert sum(len(e.accepted) + sum(e.rejected.values()) for e in stored) == received
    for e in stored:  # within a day's track, accepted pings only ever move forward in time
        times = [p["at"] for p in e.accepted]
        assert times == sorted(times) and len(set(times)) == len(times)
