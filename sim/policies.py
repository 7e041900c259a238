"""The application's policies run in the simulator's own process, at the simulated moments it chooses.

They react exactly as the worker's policy followers do (the same policies, acting through
the same commands with keys derived from the triggering event, refusals logged and skipped),
but keep their place in the log in memory: a simulated day never restarts halfway, so it
need not pay a database write per policy per pass to remember where it was.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

from eventsourcing.utils import resolve_topic

from domain.audit import reacting_to
from domain.errors import DomainError
from domain.policies import POLICIES, Policy

log = logging.getLogger("peisong.sim.policies")
PAGE = 1_000


class PolicyPass:
    def __init__(self, app: Any, policies: Sequence[Policy] = POLICIES) -> None:
        self.app = app
        self.policies = tuple(policies)
        self.position = app.head_position()
        self._wanted: dict[str, tuple[Policy, ...]] = {}
        self.reactions = 0

    def __call__(self) -> int:
        """React to everything recorded since the last pass, the reactions' own events included."""
        reacted = 0
        while True:
            page = self.app.recorder.select_notifications(start=self.position, limit=PAGE, inclusive_of_start=False)
            if not page:
                return reacted
            for notification in page:
                self.position = notification.id
                policies = self._policies_for(notification.topic)
                if not policies:
                    continue
                event = self.app.decode(notification)
                for policy in policies:
                    self._react(policy, event)
                    reacted += 1
            self.reactions += reacted

    def _policies_for(self, topic: str) -> tuple[Policy, ...]:
        if topic not in self._wanted:
            cls = resolve_topic(topic)
            self._wanted[topic] = tuple(p for p in self.policies if isinstance(cls, type) and issubclass(cls, p.follows))
        return self._wanted[topic]

    def _react(self, policy: Policy, event: Any) -> None:
        try:
            with reacting_to(policy.name, event):
                policy.react(self.app, event)
        except DomainError as refusal:  # a business answer: the same on every retry, so told and passed by
            log.debug("policy %s: reaction to %s refused: %s", policy.name, type(event).__name__, refusal.message)
