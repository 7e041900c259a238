"""How many courier pings a second the write path ingests and stores, for a city's worth of couriers.

Run: ``python bench/locations.py [--couriers 300] [--every 5] [--upload 30] [--minutes 20] [--profile]``.
Each courier's phone takes a fix every ``--every`` seconds and uploads what it has every
``--upload`` seconds; one ``report_positions_batch`` call carries every courier's upload (what the
ingestion endpoint does with a city's uploads arriving together), on a fresh SQLite store with
fsync left on. About 2% of the pings are bad on purpose (re-sent, late, or a wild fix) so the
counting path is measured too. Afterwards the stored events are read back and their pings counted,
so "stored" means in the log, not merely accepted.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# The repository first: this folder's own solver.py (a benchmark) must not hide the solver package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.app import Peisong  # noqa: E402
from domain.clock import ManualClock  # noqa: E402
from domain.locations import CourierTrack  # noqa: E402
from domain.settings import Settings  # noqa: E402

START = datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
CENTRE = (31.23, 121.47)


class Rider:
    """A courier riding at city speeds in a random direction that drifts, with GPS noise."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lat = CENTRE[0] + rng.uniform(-0.1, 0.1)
        self.lon = CENTRE[1] + rng.uniform(-0.1, 0.1)
        self.heading = rng.uniform(0, 2 * math.pi)

    def fix(self, at: datetime, seconds: float) -> dict[str, Any]:
        speed = max(0.0, self.rng.gauss(5.0, 2.0))  # m/s, about 18 km/h
        self.heading += self.rng.gauss(0, 0.3)
        self.lat += speed * seconds * math.cos(self.heading) / 111_320
        self.lon += speed * seconds * math.sin(self.heading) / (111_320 * math.cos(math.radians(self.lat)))
        return {"at": at, "lat": round(self.lat + self.rng.gauss(0, 4e-5), 6),
                "lon": round(self.lon + self.rng.gauss(0, 4e-5), 6),
                "speed": round(speed, 2), "accuracy": round(self.rng.uniform(3, 25), 1)}


def uploads(riders: dict[str, Rider], rng: random.Random, start: datetime, every: int, upload: int
            ) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every courier's pings for one upload window, with the usual faults mixed in."""
    batch = []
    for courier, rider in riders.items():
        pings = [rider.fix(start + timedelta(seconds=every * (k + 1)), every) for k in range(upload // every)]
        roll = rng.random()
        if roll < 0.01:
            pings.append(dict(pings[-1]))  # re-sent
        elif roll < 0.015:
            pings.append({**pings[0], "at": pings[0]["at"] - timedelta(seconds=1)})  # late
        elif roll < 0.02:
            pings.append({**pings[-1], "at": pings[-1]["at"] + timedelta(seconds=1), "lat": pings[-1]["lat"] + 0.2})
        batch.append((courier, pings))
    return batch


def couriers_on_shift(app: Peisong, clock: ManualClock, count: int) -> list[str]:
    """Hired, certified couriers who have started a shift on an e-scooter: the speeding rule then reads
    each one's vehicle type, as it does in the city."""
    app.define_vehicle_type("e-scooter", "40", "120", "25", "45", "0.3", "0", "20")
    references = []
    for i in range(count):
        reference, plate = f"RIDER-{i:04d}", f"SH-E{i:04d}"
        app.register_vehicle(plate, "e-scooter")
        app.receive_courier_application(reference, f"Rider {i}", "+86 138 0000 0000", f"ID{i:08d}", 2, "none")
        app.screen_courier(reference, True, "ok")
        for course, score in (("safety", 90), ("service", 85), ("app", 85)):
            app.record_courier_training(reference, course, 4, score)
        app.certify_courier(reference)
        app.activate_courier(reference)
        shift = app.plan_shift(reference, START, START + timedelta(hours=8), "CITY", plate)["shift"]
        app.start_shift(reference, shift)
        references.append(reference)
    return references


def run(couriers: int, every: int, upload: int, minutes: int, seed: int, profile: bool) -> tuple[float, int, int, int]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="peisong-bench-") as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/peisong.db", data_dir=Path(tmp), secret_key="bench")
        clock = ManualClock(START)
        app = Peisong(settings, clock)
        riders = {reference: Rider(rng) for reference in couriers_on_shift(app, clock, couriers)}
        windows = minutes * 60 // upload
        work = []
        for w in range(windows):
            work.append(uploads(riders, rng, START + timedelta(seconds=w * upload), every, upload))
        profiler = cProfile.Profile() if profile else None
        received = accepted = 0
        if profiler:
            profiler.enable()
        began = time.perf_counter()
        for w, batch in enumerate(work):
            clock.set(START + timedelta(seconds=(w + 1) * upload + 1))
            result = app.report_positions_batch(batch)
            received += result["received"]
            accepted += result["accepted"]
        elapsed = time.perf_counter() - began
        if profiler:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)
        stored = stored_pings(app, list(riders), START)
        app.close()
    return elapsed, received, accepted, stored


def stored_pings(app: Peisong, couriers: list[str], start: datetime) -> int:
    """Pings in the log, counted from the events themselves (not from any in-memory state)."""
    day = app.business_day(start)
    total = 0
    for courier in couriers:
        for stored in app.events.get(CourierTrack.create_id(courier, day)):
            total += len(getattr(stored, "accepted", ()))
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couriers", type=int, default=300)
    parser.add_argument("--every", type=int, default=5, help="seconds between a phone's fixes")
    parser.add_argument("--upload", type=int, default=30, help="seconds between a phone's uploads")
    parser.add_argument("--minutes", type=int, default=20, help="minutes of city time to ingest")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the ingestion")
    args = parser.parse_args(argv)

    elapsed, received, accepted, stored = run(args.couriers, args.every, args.upload, args.minutes, args.seed,
                                              args.profile)
    calls = args.minutes * 60 // args.upload
    print(f"{args.couriers} couriers, a fix every {args.every} s, uploads every {args.upload} s, "
          f"{args.minutes} min of city time: {calls} batch commands of {received // calls:,} pings")
    print(f"received {received:,}, accepted {accepted:,} ({received - accepted:,} rejected and counted), "
          f"stored {stored:,} in {elapsed:.2f} s; {calls / elapsed:,.1f} commands/s")
    assert stored == accepted, f"{accepted} accepted but {stored} found in the log"
    realtime = args.couriers / args.every
    print(f"a city of {args.couriers} couriers sends {realtime:,.0f} pings/s: ingestion runs "
          f"{received / elapsed / realtime:,.0f}x faster than real time")
    print(f"pings/s: {received / elapsed:,.0f} (target 5000)")


if __name__ == "__main__":
    main()
