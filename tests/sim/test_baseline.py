"""The baseline dispatcher obeys its rules: nearest courier of the zone with room, off when full or after 20 minutes,
deliveries in the order the orders arrived."""

from __future__ import annotations

from datetime import timedelta

from sim.city import plan_city
from sim.runs import run_day

from .conftest import facts, hand_made_day


def test_orders_go_to_the_nearest_courier_of_their_zone_with_room_and_leave_full_or_after_twenty_minutes(tiny, tmp_path):
    spec = tiny.with_changes(zones_per_warehouse=2, shifts=(("08:00", "17:00"),))
    city = plan_city(spec)
    in_a = [r.reference for r in city.residents if city.zone_at(r.lat, r.lon) == "PUDONG-1"]
    in_b = [r.reference for r in city.residents if city.zone_at(r.lat, r.lon) == "PUDONG-2"]
    assert {c.reference: c.zone for c in city.couriers.values()} == {
        "CR-001": "PUDONG-1", "CR-002": "PUDONG-2", "CR-003": "PUDONG-1", "CR-004": "PUDONG-2"}
    seven_bags = [(in_b[k % len(in_b)], 120 + k / 6, 1) for k in range(7)]  # 35 kg of an e-bike's 40: not full
    day = hand_made_day(spec, [
        (in_a[0], 0, 1), (in_a[1], 2, 1), (in_b[0], 4, 1), (in_a[2], 30, 1), *seven_bags,
        (in_b[1], 121 + 1 / 6, 2),  # 10 kg more would not fit the bike
        (in_b[2], 121 + 2 / 6, 1),  # 5 kg does, and fills it
    ])
    run = run_day(spec, "baseline", tmp_path, inputs=day)
    seen = facts(run.store)
    courier = {n: f["courier"] for n, f in seen.items()}

    # Both zone-A couriers wait at the counter: the tie goes to the first, who has room for the second order too.
    assert courier["HAND-01"] == courier["HAND-02"] == "CR-001"
    assert courier["HAND-03"] == "CR-002"  # zone B's own courier, never zone A's
    # CR-001 leaves 20 minutes after its first order (not before), so the 09:30 order goes to CR-003, nearer.
    placed_01 = seen["HAND-01"]["placed"]
    assert timedelta(minutes=20) <= seen["HAND-01"]["out"] - placed_01 <= timedelta(minutes=21)
    assert courier["HAND-04"] == "CR-003"
    # Seven bags leave room for one more, not for two: the two-bag order goes to the zone's van, next nearest;
    # the next single bag fills the bike, which leaves as soon as everything is packed, long before 20 minutes.
    assert courier["HAND-12"] == "CR-004"
    trip = [f"HAND-{n:02d}" for n in (5, 6, 7, 8, 9, 10, 11, 13)]
    assert {courier[n] for n in trip} == {"CR-002"}
    assert seen["HAND-13"]["out"] - seen["HAND-05"]["placed"] < timedelta(minutes=10)
    # Deliveries in the order the orders arrived.
    assert sorted(trip, key=lambda n: seen[n]["delivered"]) == trip
    assert seen["HAND-01"]["delivered"] < seen["HAND-02"]["delivered"]
    assert run.figures.delivered == 13
