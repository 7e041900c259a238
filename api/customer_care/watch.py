"""The worker's watch for promises broken by time alone: case and request SLAs, delivery ETAs, situations' periods.

A deadline passing, an ETA drifting past a window or a situation's period beginning leaves no
event to react to, so every `care_check_seconds` the watch asks the application to look, by
business time. Each check is idempotent in effect (an SLA is escalated once, a delay noticed
once per slip, a situation started once), so several processes watching at once do no harm.
"""

from __future__ import annotations

import logging

from api.background import PeriodicTask
from domain.app import Peisong

log = logging.getLogger("peisong.care")

CHECKS = ("check_case_slas", "check_delivery_delays", "check_special_situations")


class CareWatch(PeriodicTask):
    thread_name = "peisong-care-watch"

    def __init__(self, application: Peisong, period: float) -> None:
        super().__init__(period)
        self.application = application

    def check_now(self) -> None:
        """One round of every check; a failing check is logged and the others still run."""
        for check in CHECKS:
            try:
                getattr(self.application, check)()
            except Exception:
                log.exception("%s failed; will try again in %s s", check, self.period)

    tick = check_now
