"""Which tokens are revoked: every API process reads this small table to refuse them."""

from __future__ import annotations

from typing import Sequence

from sqlalchemy import BigInteger, Column, Connection, String, Table, select

from domain.access import SubjectRevocation, TokenRevocation
from projections.columns import Instant
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import RevocationsView

revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("jti", String(64), primary_key=True),
    Column("revoked_at", Instant, nullable=False),
)

revoked_subjects = Table(
    "revoked_subjects",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("subject", String(64), nullable=False, unique=True),
    Column("issued_up_to", BigInteger, nullable=False),
    Column("revoked_at", Instant, nullable=False),
)

TOKEN_REVOKED: type = TokenRevocation.TokenRevoked  # type: ignore[attr-defined]
SUBJECT_REVOKED: type = SubjectRevocation.TokensOfSubjectRevoked  # type: ignore[attr-defined]
SUBJECT_REVOKED_LATER: type = SubjectRevocation.LaterTokensOfSubjectRevoked  # type: ignore[attr-defined]


class AccessProjector(Projector):
    name = "access"
    tables = (revoked_tokens, revoked_subjects)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({TOKEN_REVOKED, SUBJECT_REVOKED, SUBJECT_REVOKED_LATER})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        tokens = RowBatch(revoked_tokens, "jti")
        subjects = RowBatch(revoked_subjects, "id")
        subjects.load(conn, (str(c.event.originator_id) for c in changes if isinstance(c.event, SUBJECT_REVOKED_LATER)))
        for position, event in changes:
            key = str(event.originator_id)
            if isinstance(event, TOKEN_REVOKED):
                tokens.add({"jti": event.token_id, "revoked_at": event.timestamp})
            elif isinstance(event, SUBJECT_REVOKED):
                subjects.add({
                    "id": key, "subject": event.subject, "issued_up_to": event.issued_up_to,
                    "revoked_at": event.timestamp,
                })
            else:
                row = subjects.change(key)
                if row is None:
                    raise LookupError(f"subject revocation {key} moved on at position {position} but was never opened")
                row.update(issued_up_to=event.issued_up_to, revoked_at=event.timestamp)
        tokens.flush(conn)
        subjects.flush(conn)


def revocations(db: ReadDatabase) -> RevocationsView:
    with db.read() as conn:
        tokens = frozenset(conn.execute(select(revoked_tokens.c.jti)).scalars())
        subjects = {row.subject: int(row.issued_up_to) for row in conn.execute(
            select(revoked_subjects.c.subject, revoked_subjects.c.issued_up_to))}
    return RevocationsView(token_ids=tokens, subjects=subjects)
