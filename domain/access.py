"""Revoked bearer tokens: one token by its id, or every token a subject was issued up to a moment.

Tokens are signed and expire by themselves; revocation is how an admin ends one sooner
(a lost courier phone, a leaked integrator key). It is recorded as events like any other
decision, so the audit trail shows who revoked what and why, and every API process
learns of it from the log. The cut-off of a subject's revocation is wall-clock seconds,
because that is the clock a token's `iat` was stamped with.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id


class TokenRevocation(PeisongAggregate):
    """One token, refused from now on whatever its expiry."""

    @staticmethod
    def create_id(token_id: str) -> UUID:
        return natural_id("token-revocation", token_id)

    @event("TokenRevoked")
    def __init__(self, token_id: str, reason: str) -> None:
        self.token_id = token_id
        self.reason = reason


class SubjectRevocation(PeisongAggregate):
    """Every token naming this subject and issued at or before `issued_up_to` (Unix seconds)."""

    @staticmethod
    def create_id(subject: str) -> UUID:
        return natural_id("subject-revocation", subject)

    @event("TokensOfSubjectRevoked")
    def __init__(self, subject: str, issued_up_to: int, reason: str) -> None:
        self.subject = subject
        self.issued_up_to = issued_up_to
        self.reason = reason

    def covers(self, issued_up_to: int) -> bool:
        """A later cut-off than this one is news; an earlier or equal one is already in force."""
        return issued_up_to <= self.issued_up_to

    @event("LaterTokensOfSubjectRevoked")
    def revoke_later(self, issued_up_to: int, reason: str) -> None:
        self.issued_up_to = issued_up_to
        self.reason = reason
