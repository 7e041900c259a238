"""The worker's minute-by-minute watch for couriers on shift whose phones have gone silent.

Silence produces no event by itself, so something has to look: every `period` seconds the
watch asks the application to check the couriers on shift (and those with a silence alert
still open, so it ends once they clock out). The domain decides, by business time, who has
been silent too long; several processes watching at once raise each alert only once.
"""

from __future__ import annotations

import logging
import threading

from domain.anomalies import STALE
from domain.app import Peisong
from domain.execution import CommandResult
from projections.couriers import couriers_on_shift
from projections.database import ReadDatabase
from projections.locations import couriers_with_open_alert

log = logging.getLogger("peisong.locations")

CHECK_EVERY_SECONDS = 60.0


def watched_couriers(db: ReadDatabase) -> list[str]:
    """Everyone clocked in, and everyone whose silence alert is still open."""
    return sorted(set(couriers_on_shift(db)) | set(couriers_with_open_alert(db, STALE)))


class StalePositionWatch:
    def __init__(self, application: Peisong, db: ReadDatabase, period: float = CHECK_EVERY_SECONDS) -> None:
        self.application = application
        self.db = db
        self.period = period
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def check_now(self) -> CommandResult | None:
        """One check; None when nobody is on shift or silent."""
        couriers = watched_couriers(self.db)
        if not couriers:
            return None
        return self.application.check_stale_positions(couriers)

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="peisong-stale-positions", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def _loop(self) -> None:
        while not self._stopping.wait(self.period):
            try:
                self.check_now()
            except Exception:
                log.exception("stale-position check failed; will try again in %s s", self.period)
