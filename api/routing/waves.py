"""Automatic waves: every few minutes (per warehouse) the orders ready for dispatch are planned, and dispatched
without a human if the shop chose so.

Waves follow the business clock: a warehouse's day is cut into slots of its wave interval,
and each slot plans at most once. The slot names the wave's idempotency key, so API
processes that all run the scheduler still make one plan per warehouse and slot.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Any

from domain.audit import acting_as, policy_actor
from domain.errors import DomainError
from domain.settings import Settings
from projections.catalogue import list_warehouses
from projections.database import ReadDatabase
from projections.routes import couriers_on_duty, orders_ready_for_dispatch

log = logging.getLogger("peisong.waves")

ACTOR = policy_actor("waves")
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def wave_minutes(settings: Settings, warehouse: str) -> int:
    """The warehouse's wave interval; 0 means it plans only when asked."""
    return int(dict(settings.wave_minutes_by_warehouse).get(warehouse, settings.wave_minutes))


def wave_slot(now: datetime, minutes: int) -> datetime:
    """The start of the wave slot `now` falls in (slots are aligned, so every process agrees on them)."""
    length = minutes * 60
    return datetime.fromtimestamp(EPOCH.timestamp() + (now - EPOCH).total_seconds() // length * length,
                                  tz=timezone.utc)


def run_wave(application: Any, db: ReadDatabase, settings: Settings, warehouse: str, slot: datetime) -> str | None:
    """Plan the warehouse's ready orders with its couriers on duty; the plan's id, or None when there is nothing
    to plan or nobody to plan it for."""
    orders = orders_ready_for_dispatch(db, warehouse)
    couriers = couriers_on_duty(db, warehouse, application.clock.now()) if orders else []
    if not orders or not couriers:
        return None
    with acting_as(ACTOR):
        result = application.request_route_plan(
            warehouse, orders, couriers, reason=f"wave of {slot:%Y-%m-%d %H:%M} UTC", automatic=True,
            auto_dispatch=settings.wave_auto_dispatch, skip_unavailable=True,
            idempotency_key=f"wave:{warehouse}:{slot.isoformat()}",
        )
    return result["plan"]


class WaveScheduler:
    def __init__(self, application: Any, db: ReadDatabase, settings: Settings) -> None:
        self.application = application
        self.db = db
        self.settings = settings
        self._last: dict[str, datetime] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="peisong-waves", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("a wave failed; the next tick tries again")
            self._stopping.wait(self.settings.wave_check_seconds)

    def tick(self) -> list[str]:
        """Run the wave of every warehouse whose current slot has not had one yet; the plans made."""
        now = self.application.clock.now()
        made = []
        for site in list_warehouses(self.db):
            minutes = wave_minutes(self.settings, site.code)
            if minutes <= 0:
                continue
            slot = wave_slot(now, minutes)
            if self._last.get(site.code) == slot:
                continue
            try:
                plan = run_wave(self.application, self.db, self.settings, site.code, slot)
            except DomainError as refusal:
                log.warning("the %s wave of %s was refused: %s", site.code, slot, refusal.message)
                plan = None
            self._last[site.code] = slot
            if plan is not None:
                made.append(plan)
        return made
