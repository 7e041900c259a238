"""Special situations as dispatchers read them: which zones, which period, running or over."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import Column, Connection, Float, String, Table, Text, select
from sqlalchemy.engine import RowMapping

from domain.situations import DECLARED, ENDED, RUNNING, SpecialSituation
from projections.columns import Instant, JsonList
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import check_aware
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import SituationView

special_situations = Table(
    "special_situations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("kind", String(24), nullable=False),
    Column("description", Text, nullable=False),
    Column("zones", JsonList, nullable=False),
    Column("factor", Float, nullable=False),
    Column("starts_at", Instant, nullable=False),
    Column("ends_at", Instant, nullable=False),
    Column("declared_at", Instant, nullable=False),
    Column("ended_at", Instant),
    Column("status", String(16), nullable=False, index=True),
)

DECLARED_EVENT: type = SpecialSituation.SpecialSituationDeclared  # type: ignore[attr-defined]
STARTED_EVENT: type = SpecialSituation.SpecialSituationStarted  # type: ignore[attr-defined]
ENDED_EVENT: type = SpecialSituation.SpecialSituationEnded  # type: ignore[attr-defined]


class SituationsProjector(Projector):
    name = "situations"
    tables = (special_situations,)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({DECLARED_EVENT, STARTED_EVENT, ENDED_EVENT})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        batch = RowBatch(special_situations, "id")
        batch.load(conn, (str(c.event.originator_id) for c in changes if not isinstance(c.event, DECLARED_EVENT)))
        for position, event in changes:
            key = str(event.originator_id)
            if isinstance(event, DECLARED_EVENT):
                batch.add({
                    "id": key, "code": event.code, "kind": event.kind, "description": event.description,
                    "zones": list(event.zones), "factor": float(event.factor), "starts_at": event.starts_at,
                    "ends_at": event.ends_at, "declared_at": event.timestamp, "ended_at": None, "status": DECLARED,
                })
                continue
            row = batch.change(key)
            if row is None:
                raise LookupError(f"situation {key} changed at position {position} but was never declared")
            if isinstance(event, STARTED_EVENT):
                row["status"] = RUNNING
            else:
                row.update(status=ENDED, ended_at=event.timestamp)
        batch.flush(conn)


def list_situations(db: ReadDatabase, *, current_at: datetime | None = None) -> list[SituationView]:
    """Situations by start, latest first; with `current_at`, only those not over by then."""
    check_aware(current_at, "currentAt")
    s = special_situations.c
    query = select(special_situations)
    if current_at is not None:
        query = query.where(s.status != ENDED, s.ends_at > current_at)
    with db.read() as conn:
        rows = conn.execute(query.order_by(s.starts_at.desc(), s.code)).mappings().all()
    return [situation_view(row) for row in rows]


def get_situation(db: ReadDatabase, code: str) -> SituationView | None:
    with db.read() as conn:
        row = conn.execute(select(special_situations).where(special_situations.c.code == code)).mappings().first()
    return situation_view(row) if row is not None else None


def situation_view(row: RowMapping) -> SituationView:
    return SituationView(
        code=row["code"], kind=row["kind"], description=row["description"], zones=list(row["zones"]),
        factor=row["factor"], starts_at=row["starts_at"], ends_at=row["ends_at"], declared_at=row["declared_at"],
        ended_at=row["ended_at"], status=row["status"],
    )
