"""The background workers of one process: projections and policies, planning, waves, outbox, watches.

`peisong serve` runs them inside the API process; `peisong worker` runs them alone, so that
API processes on PostgreSQL can leave them to separate worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.analytics.reorder_review import ReorderReview
from api.customer_care.watch import CareWatch
from api.locations.stale_watch import StalePositionWatch
from api.outbox.worker import OutboxWorker
from api.routing.waves import WaveScheduler
from api.routing.worker import PlanningWorker
from api.webhooks.worker import WebhookWorker
from domain.app import Peisong
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.runner import ProjectionRunner


@dataclass
class Workers:
    runner: ProjectionRunner
    webhooks: WebhookWorker
    stale_positions: StalePositionWatch
    outbox: OutboxWorker
    care: CareWatch
    planning: PlanningWorker
    waves: WaveScheduler
    reorder_review: ReorderReview

    @classmethod
    def build(cls, application: Peisong, db: ReadDatabase, settings: Settings, runner: ProjectionRunner) -> "Workers":
        return cls(
            runner=runner,
            webhooks=WebhookWorker(application, db, settings),
            stale_positions=StalePositionWatch(application, db),
            outbox=OutboxWorker(application, db, settings),
            care=CareWatch(application, settings.care_check_seconds),
            planning=PlanningWorker(application, db, settings, runner),
            waves=WaveScheduler(application, db, settings),
            reorder_review=ReorderReview(application, db, settings.reorder_review_seconds),
        )

    def start(self, planning: bool = True) -> None:
        """Start them all; with `planning=False` the wave scheduler and the planning worker stay off (a live
        simulated day plans the waves and solves the plans itself, and two planners would race for them)."""
        for worker in (self.runner, self.webhooks, self.stale_positions, self.outbox, self.care,
                       *((self.planning, self.waves) if planning else ()), self.reorder_review):
            worker.start()

    def stop(self) -> None:
        for worker in (self.reorder_review, self.waves, self.planning, self.stale_positions, self.care, self.runner):
            worker.stop()

    def close(self) -> None:
        """Release what the senders hold, whether or not they were started."""
        self.webhooks.close()
        self.outbox.close()
