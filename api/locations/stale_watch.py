"""The worker's minute-by-minute watch for couriers on shift whose phones have gone silent.

Silence produces no event by itself, so something has to look: every `period` seconds the
watch asks the application to check the couriers on shift (and those with a silence alert
still open, so it ends once they clock out). The domain decides, by business time, who has
been silent too long; several processes watching at once raise each alert only once.
"""

from __future__ import annotations

from api.background import PeriodicTask
from domain.anomalies import STALE
from domain.app import Peisong
from domain.execution import CommandResult
from projections.couriers import couriers_on_shift
from projections.database import ReadDatabase
from projections.locations import couriers_with_open_alert

CHECK_EVERY_SECONDS = 60.0


def watched_couriers(db: ReadDatabase) -> list[str]:
    """Everyone clocked in, and everyone whose silence alert is still open."""
    return sorted(set(couriers_on_shift(db)) | set(couriers_with_open_alert(db, STALE)))


class StalePositionWatch(PeriodicTask):
    thread_name = "peisong-stale-positions"

    def __init__(self, application: Peisong, db: ReadDatabase, period: float = CHECK_EVERY_SECONDS) -> None:
        super().__init__(period)
        self.application = application
        self.db = db

    def check_now(self) -> CommandResult | None:
        """One check; None when nobody is on shift or silent."""
        couriers = watched_couriers(self.db)
        if not couriers:
            return None
        return self.application.check_stale_positions(couriers)

    tick = check_now
