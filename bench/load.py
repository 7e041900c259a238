"""The API under concurrent load on loopback: tracking queries, order placement and courier pings.

Run: ``python bench/load.py [--workers 2] [--concurrency 8] [--requests 6000] [--seconds 60]
[--mix tracking=80,place=10,ping=10]``. With PEISONG_DATABASE_URL pointing at PostgreSQL the
demo shop is loaded there (unless the store already holds events); otherwise into a fresh
SQLite file. The server is uvicorn with ``--workers`` processes on 127.0.0.1 and a free port,
the projections and policies run in one more process (as ``run_worker=False`` expects), and
the load comes from one asyncio httpx client keeping ``--concurrency`` requests in flight until
``--requests`` are answered or ``--seconds`` pass. Prints requests/s and p50/p99 latency per
operation; a named refusal (e.g. OUT_OF_STOCK) counts as answered, anything else as failed.

The target on 2 shared cores: at least 300 requests/s overall, and p99 under 100 ms for tracking.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# bench/ holds scripts named like the packages they measure (bench/solver.py): import the packages.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import httpx  # noqa: E402
from starlette.applications import Starlette  # noqa: E402

from domain.settings import Settings  # noqa: E402

SECRET = "peisong-load-bench"
WARMUP = 200
TRACKING = """query($n: String!) {
  orderTracking(number: $n) { number status windowStart windowEnd courierId timeline { status at } }
}"""
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { position number } }"""
PING = """mutation($input: ReportPositionsInput!) { reportPositions(input: $input) { position } }"""


def served_app() -> Starlette:
    """What each uvicorn worker serves: the API alone; projections and policies run in their own process."""
    from api.app import create_app

    return create_app(Settings.from_env(), run_worker=False)


def follow_log(database_url: str, data_dir: str) -> None:
    """The projection and policy worker, in its own process for the length of the run."""
    from domain.app import Peisong
    from projections.database import ReadDatabase
    from projections.runner import ProjectionRunner

    settings = Settings(database_url=database_url, data_dir=Path(data_dir), secret_key=SECRET)
    runner = ProjectionRunner(Peisong(settings), ReadDatabase(settings))
    runner.start()
    while True:
        time.sleep(3600)


@dataclass
class Shop:
    """What the load is made of: tokens for the demo's orders, customers and couriers, and its SKUs."""

    tracking: list[tuple[str, str]]
    customers: list[tuple[str, str]]
    couriers: list[tuple[str, str]]
    skus: list[str]


def prepare(settings: Settings) -> Shop:
    from api.auth import issue_token, issue_tracking_token
    from domain.app import Peisong
    from domain.clock import ManualClock
    from projections.catalogue import list_products
    from projections.database import ReadDatabase
    from projections.runner import ProjectionRunner
    from sim.demo import courier_ids, demo_now, load_demo

    clock = ManualClock(demo_now())
    application = Peisong(settings, clock)
    if application.head_position() == 0:
        started = time.perf_counter()
        figures = load_demo(application, clock)
        print(f"demo shop loaded: {figures} in {time.perf_counter() - started:.1f} s")
    db = ReadDatabase(settings)
    db.create_all()
    ProjectionRunner(application, db).catch_up()
    skus = [p.sku for p in list_products(db, first=500).items if not p.discontinued]
    db.close()
    application.close()
    orders = [f"DEMO-{n:04d}" for n in range(1, 601)]
    customers = [f"CUST-{n:04d}" for n in range(1, 201)]
    return Shop(
        tracking=[(n, issue_tracking_token(settings, n)) for n in orders],
        customers=[(c, issue_token(settings, "customer", c)) for c in customers],
        couriers=[(c, issue_token(settings, "courier", c)) for c in courier_ids()],
        skus=skus,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(settings: Settings, workers: int, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "PEISONG_DATABASE_URL": settings.database_url,
        "PEISONG_DATA_DIR": str(settings.data_dir), "PEISONG_SECRET_KEY": SECRET,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.load:served_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )


async def wait_until_up(base_url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base_url) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not come up")


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    first_failure: dict[str, str] = field(default_factory=dict)

    def add(self, operation: str, seconds: float, outcome: str, answer: str) -> None:
        self.latencies.setdefault(operation, []).append(seconds)
        if outcome == "refused":
            self.refused[operation] = self.refused.get(operation, 0) + 1
        elif outcome == "failed":
            self.failed[operation] = self.failed.get(operation, 0) + 1
            self.first_failure.setdefault(operation, answer[:300])


class Load:
    def __init__(self, shop: Shop, mix: dict[str, float], seed: int) -> None:
        self.shop = shop
        self.rng = random.Random(seed)
        self.operations = list(mix)
        self.weights = [mix[o] for o in self.operations]

    def request(self) -> tuple[str, str, dict[str, Any], str]:
        """(operation, document, variables, token) for one request of the mix."""
        operation = self.rng.choices(self.operations, self.weights)[0]
        rng, now = self.rng, datetime.now(timezone.utc)
        if operation == "tracking":
            number, token = rng.choice(self.shop.tracking)
            return operation, TRACKING, {"n": number}, token
        if operation == "place":
            _, token = rng.choice(self.shop.customers)
            lines = [{"sku": sku, "quantity": rng.randint(1, 2)} for sku in rng.sample(self.shop.skus, rng.randint(1, 2))]
            start = now + timedelta(hours=1)
            address = {"lat": 31.23 + rng.uniform(-0.08, 0.08), "lon": 121.47 + rng.uniform(-0.08, 0.08), "text": "bench"}
            return operation, PLACE, {"input": {
                "lines": lines, "address": address, "windowStart": start.isoformat(),
                "windowEnd": (start + timedelta(hours=2)).isoformat(),
            }}, token
        _, token = rng.choice(self.shop.couriers)
        pings = [{"lat": 31.23 + rng.uniform(-0.05, 0.05), "lon": 121.47 + rng.uniform(-0.05, 0.05),
                  "at": (now - timedelta(seconds=5 * k)).isoformat(), "speedKmh": 18.0, "accuracyM": 10.0}
                 for k in reversed(range(rng.randint(1, 3)))]
        return operation, PING, {"input": {"pings": pings}}, token


async def drive(base_url: str, load: Load, concurrency: int, requests: int, seconds: float, tally: Tally | None) -> float:
    """Keep `concurrency` requests in flight until `requests` are answered or `seconds` pass; the wall time."""
    remaining = requests
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0 and time.monotonic() < deadline:
                remaining -= 1
                operation, document, variables, token = load.request()
                started = time.perf_counter()
                answer = ""
                try:
                    response = await client.post("/graphql", json={"query": document, "variables": variables},
                                                 headers={"Authorization": f"Bearer {token}"})
                    answer = f"{response.status_code} {response.text}"
                    errors = response.json().get("errors") if response.status_code == 200 else None
                    if response.status_code != 200:
                        outcome = "failed"
                    elif errors:
                        codes = {e.get("extensions", {}).get("code") for e in errors}
                        outcome = "failed" if codes & {"INTERNAL", None, "RATE_LIMITED"} else "refused"
                    else:
                        outcome = "ok"
                except httpx.HTTPError as error:
                    outcome, answer = "failed", repr(error)
                if tally is not None:
                    tally.add(operation, time.perf_counter() - started, outcome, answer)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def report(tally: Tally, wall: float, store: str, workers: int, concurrency: int) -> None:
    total = sum(len(v) for v in tally.latencies.values())
    print(f"\n{total} requests in {wall:.1f} s on {store}, {workers} uvicorn workers, {concurrency} in flight: "
          f"{total / wall:.0f} requests/s")
    print(f"{'operation':<10} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'refused':>8} {'failed':>7}")
    for operation, values in sorted(tally.latencies.items()):
        print(f"{operation:<10} {len(values):>8} {len(values) / wall:>7.0f} {percentile(values, 0.5) * 1000:>7.1f} "
              f"{percentile(values, 0.99) * 1000:>7.1f} {tally.refused.get(operation, 0):>8} {tally.failed.get(operation, 0):>7}")
    for operation, answer in sorted(tally.first_failure.items()):
        print(f"first failed {operation}: {answer}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--mix", default="tracking=80,place=10,ping=10")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    mix = {name: float(weight) for name, weight in (part.split("=") for part in args.mix.split(","))}

    scratch = None
    url = os.environ.get("PEISONG_DATABASE_URL", "")
    if url.startswith("postgres"):
        settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp(prefix="peisong-load-")), secret_key=SECRET)
        scratch = settings.data_dir
    else:
        scratch = Path(tempfile.mkdtemp(prefix="peisong-load-"))
        settings = Settings(database_url=f"sqlite:///{scratch}/peisong.db", data_dir=scratch, secret_key=SECRET)
    shop = prepare(settings)

    spawn = multiprocessing.get_context("spawn")
    follower = spawn.Process(target=follow_log, args=(settings.database_url, str(settings.data_dir)), daemon=True)
    follower.start()
    port = free_port()
    server = start_server(settings, args.workers, port)
    base_url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_until_up(base_url))
        load = Load(shop, mix, args.seed)
        asyncio.run(drive(base_url, load, args.concurrency, WARMUP, args.seconds, None))
        tally = Tally()
        wall = asyncio.run(drive(base_url, load, args.concurrency, args.requests, args.seconds, tally))
        store = "PostgreSQL" if settings.database_url.startswith("postgres") else "SQLite"
        report(tally, wall, store, args.workers, args.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=30)
        follower.terminate()
        follower.join(timeout=10)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
