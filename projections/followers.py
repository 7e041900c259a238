"""What the runner moves along the log: projections (rows + position in one transaction) and policies.

A policy's effect is an application command whose idempotency key derives from the event,
and its position is written after the effect: replaying it from an older position repeats
commands the application recognises, so no effect is ever doubled.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

from domain.audit import reacting_to
from domain.errors import ConcurrencyConflict, DomainError
from domain.policies import Policy
from projections.database import ReadDatabase
from projections.decoding import Change
from projections.positions import advance_position
from projections.projector import Projector, project_batch

log = logging.getLogger("peisong.projections")

POLICY_PREFIX = "policy:"


class ProjectionFollower:
    def __init__(self, projector: Projector) -> None:
        self.projector = projector
        self.name = projector.name
        self.is_projection = True
        self._follows = projector.follows

    def wants(self, cls: type) -> bool:
        return cls in self._follows

    def process(self, app: Any, db: ReadDatabase, changes: Sequence[Change], expected: int, position: int) -> None:
        project_batch(db, self.projector, changes, expected, position)


class PolicyFollower:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.name = POLICY_PREFIX + policy.name
        self.is_projection = False

    def wants(self, cls: type) -> bool:
        return issubclass(cls, self.policy.follows)

    def process(self, app: Any, db: ReadDatabase, changes: Sequence[Change], expected: int, position: int) -> None:
        for change in changes:
            try:
                self._react(app, change)
            except Exception:
                # Keep what was done: the next attempt starts at the event that failed.
                if change.position - 1 > expected:
                    with db.begin() as conn:
                        advance_position(conn, self.name, expected, change.position - 1)
                raise
        with db.begin() as conn:
            advance_position(conn, self.name, expected, position)

    def _react(self, app: Any, change: Change) -> None:
        try:
            # Its commands' events name the policy as actor and the triggering event as cause.
            with reacting_to(self.policy.name, change.event):
                self.policy.react(app, change.event)
        except ConcurrencyConflict:
            raise  # others kept writing the same aggregates: worth another try later
        except DomainError as refusal:
            # A business answer, the same on every retry: recorded in the log as nothing, told here.
            log.warning(
                "policy %s: reaction to %s at position %s refused: %s",
                self.policy.name, type(change.event).__name__, change.position, refusal.message,
            )


Follower = ProjectionFollower | PolicyFollower
