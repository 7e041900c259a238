"""Processes racing for the last units of one SKU on one store: each unit is sold once, the rest is refused."""

from __future__ import annotations

import multiprocessing
import queue
import threading
from typing import Any

from domain.app import Peisong
from domain.settings import Settings
from domain.stock import StockItem
from tests.domain.racers import SKU, WAREHOUSE, open_shop, race_for_last_units

UNITS = 40
PROCESSES = 4
TRIES = 20  # 80 one-unit orders for 40 units


def test_processes_racing_for_the_last_units_never_oversell(app: Peisong, settings: Settings) -> None:
    open_shop(app, UNITS)
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(PROCESSES + 1), spawn.Queue()
    racers = [spawn.Process(target=race_for_last_units, args=(settings, TRIES, barrier, results))
              for _ in range(PROCESSES)]
    for racer in racers:
        racer.start()
    try:
        barrier.wait(timeout=120)  # every racer has its application open and its cache warm
        outcomes = [o for _ in racers for o in results.get(timeout=120)]
    except (queue.Empty, threading.BrokenBarrierError):
        reports = _drain(results)
        raise AssertionError(f"a racer died: exit codes {[r.exitcode for r in racers]}, reports {reports}") from None
    finally:
        for racer in racers:
            racer.join(timeout=30)

    assert not [o for o in outcomes if o[0] == "error"], outcomes
    saves = sum(int(n) for kind, n in outcomes if kind == "saves")
    outcomes = [o for o in outcomes if o[0] != "saves"]
    placed = [number for kind, number in outcomes if kind == "placed"]
    refused = [kind for kind, _ in outcomes if kind != "placed"]
    assert len(outcomes) == PROCESSES * TRIES
    assert len(placed) == len(set(placed)) <= UNITS
    assert saves >= len(placed)  # typically 10-40% more: lost races retried after reading the truth
    assert set(refused) <= {"out of stock", "conflict"}
    if "conflict" not in refused:
        assert len(placed) == UNITS  # every unit sold; every other order refused as OUT_OF_STOCK

    item = app.repository.get(StockItem.create_id(WAREHOUSE, SKU))
    assert item.on_hand == UNITS
    assert item.reserved == len(placed) <= item.on_hand
    assert sorted(item.reservations) == sorted(placed)
    for number in placed:
        assert app.existing_order(number).allocations == [(WAREHOUSE, SKU, 1)]


def _drain(results: Any) -> list[Any]:
    """What the racers reported before one of them failed (an error report names the exception)."""
    reports = []
    try:
        while True:
            reports.append(results.get(timeout=5))
    except queue.Empty:
        return reports
