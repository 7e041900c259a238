"""Complaints, feedback and enquiries as agents and supervisors read them: filters, SLA states, the board, counts."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, Connection, Index, Integer, String, Table, Text, and_, func, or_, select
from sqlalchemy.engine import RowMapping

from domain.cases import ACTIVE, CLOSED, OPEN, RESOLVED, RESOLUTION_SLA, SOLUTION_SLA, CustomerCase
from domain.errors import InvalidInput
from projections.columns import Instant, Money
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import after_key, check_aware, check_first, decode_cursor, make_page
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import CaseCountView, CaseView, EscalationView, Page, SlaView

# A promise due within this is at risk: worth an agent's look before it breaks.
AT_RISK = timedelta(minutes=30)

cases = Table(
    "cases",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("customer", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("category", String(32), nullable=False, index=True),
    Column("description", Text, nullable=False),
    Column("order_number", String(64), index=True),
    Column("courier", String(64), index=True),
    Column("zone", String(40)),
    Column("status", String(24), nullable=False, index=True),
    Column("round", Integer, nullable=False),
    Column("opened_at", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
    Column("acknowledged_at", Instant),
    Column("solution", Text),
    Column("solution_due", Instant),
    Column("solution_met_at", Instant),
    Column("resolution", Text),
    Column("resolution_due", Instant),
    Column("resolved_at", Instant),
    Column("compensation", Money, nullable=False),
    Column("root_cause", String(32)),
    Column("satisfaction", Integer),
    Column("closed_at", Instant),
    Column("escalated_round", Integer),  # the last round a promise of which was escalated
    Index("ix_cases_opened_at_number", "opened_at", "number"),
)

case_escalations = Table(
    "case_escalations",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("sla", String(16), nullable=False),
    Column("due", Instant, nullable=False),
    Column("at", Instant, nullable=False),
    Column("round", Integer, nullable=False),
    Column("overdue_minutes", Integer, nullable=False),
)

OPENED: type = CustomerCase.CaseOpened  # type: ignore[attr-defined]
COMPLAINT_OPENED: type = CustomerCase.ComplaintOpened  # type: ignore[attr-defined]
ACKNOWLEDGED_EVENT: type = CustomerCase.CaseAcknowledged  # type: ignore[attr-defined]
PROPOSED: type = CustomerCase.CaseSolutionProposed  # type: ignore[attr-defined]
RESOLVED_EVENT: type = CustomerCase.CaseResolved  # type: ignore[attr-defined]
REOPENED: type = CustomerCase.CaseReopened  # type: ignore[attr-defined]
CLOSED_EVENT: type = CustomerCase.CaseClosed  # type: ignore[attr-defined]
ESCALATED: type = CustomerCase.CaseEscalated  # type: ignore[attr-defined]


class CasesProjector(Projector):
    name = "cases"
    tables = (cases, case_escalations)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({OPENED, COMPLAINT_OPENED, ACKNOWLEDGED_EVENT, PROPOSED, RESOLVED_EVENT, REOPENED,
                          CLOSED_EVENT, ESCALATED})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        batch = RowBatch(cases, "id")
        batch.load(conn, (str(c.event.originator_id) for c in changes if not isinstance(c.event, OPENED)))
        escalations: list[dict[str, Any]] = []
        for position, event in changes:
            key = str(event.originator_id)
            at = event.timestamp
            if isinstance(event, OPENED):
                batch.add(opened_row(key, event))
                continue
            row = batch.change(key)
            if row is None:
                raise LookupError(f"case {key} changed at position {position} but was never opened")
            row["updated_at"] = at
            if isinstance(event, ACKNOWLEDGED_EVENT):
                row.update(status="ACKNOWLEDGED", acknowledged_at=at)
            elif isinstance(event, PROPOSED):
                row.update(status="SOLUTION_PROPOSED", solution=event.solution)
                row["solution_met_at"] = row["solution_met_at"] or at
            elif isinstance(event, RESOLVED_EVENT):
                row.update(status=RESOLVED, resolution=event.resolution, resolved_at=at, root_cause=event.root_cause,
                           compensation=row["compensation"] + event.compensation)
                row["solution_met_at"] = row["solution_met_at"] or at
            elif isinstance(event, REOPENED):
                row.update(status=OPEN, round=row["round"] + 1, solution_due=event.solution_due,
                           resolution_due=event.resolution_due, solution_met_at=None, resolved_at=None)
            elif isinstance(event, CLOSED_EVENT):
                row.update(status=CLOSED, satisfaction=event.satisfaction, closed_at=at)
            else:
                row["escalated_round"] = event.round
                escalations.append({"case_id": key, "position": position, "sla": event.sla, "due": event.due,
                                    "at": at, "round": event.round, "overdue_minutes": event.overdue_minutes})
        batch.flush(conn)
        if escalations:
            conn.execute(case_escalations.insert(), escalations)


def opened_row(key: str, event: Any) -> dict[str, Any]:
    return {
        "id": key, "number": event.number, "customer": event.customer, "kind": event.kind, "channel": event.channel,
        "category": event.category, "description": event.description, "order_number": event.order,
        "courier": event.courier, "zone": event.zone, "status": OPEN, "round": 1, "opened_at": event.timestamp,
        "updated_at": event.timestamp, "acknowledged_at": None, "solution": None, "solution_due": event.solution_due,
        "solution_met_at": None, "resolution": None, "resolution_due": event.resolution_due, "resolved_at": None,
        "compensation": Decimal("0.00"), "root_cause": None, "satisfaction": None, "closed_at": None,
        "escalated_round": None,
    }


def sla_state(due: datetime | None, met_at: datetime | None, broken: bool, now: datetime) -> str:
    """Where one promise stands at `now`: NONE (nothing was promised), ON_TRACK, AT_RISK, MET or BREACHED."""
    if due is None:
        return "NONE"
    if met_at is not None:
        return "MET" if met_at <= due and not broken else "BREACHED"
    if broken or now > due:
        return "BREACHED"
    return "AT_RISK" if now >= due - AT_RISK else "ON_TRACK"


# -- queries: the only way the API reads cases ---------------------------------------------------


def get_case(db: ReadDatabase, number: str, now: datetime) -> CaseView | None:
    with db.read() as conn:
        row = conn.execute(select(cases).where(cases.c.number == number)).mappings().first()
        if row is None:
            return None
        escalations = _escalations(conn, [row["id"]])
    return case_view(row, escalations[row["id"]], now)


def list_cases(
    db: ReadDatabase,
    now: datetime,
    *,
    status: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    customer: str | None = None,
    courier: str | None = None,
    zone: str | None = None,
    order: str | None = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    opened_from: datetime | None = None,
    opened_to: datetime | None = None,
    after: str | None = None,
    first: int = 50,
) -> Page[CaseView]:
    """Cases oldest first; `overdue` narrows to open cases with a promise broken at `now`."""
    check_first(first)
    check_aware(now, "now")
    check_aware(opened_from, "openedFrom")
    check_aware(opened_to, "openedTo")
    c = cases.c
    criteria: list[Any] = [
        column == value for column, value in (
            (c.status, status), (c.kind, kind), (c.category, category), (c.customer, customer),
            (c.courier, courier), (c.zone, zone), (c.order_number, order),
        ) if value is not None
    ]
    if opened_from is not None:
        criteria.append(c.opened_at >= opened_from)
    if opened_to is not None:
        criteria.append(c.opened_at < opened_to)
    if overdue is not None:
        broken = and_(c.status.in_(ACTIVE), or_(
            and_(c.solution_met_at.is_(None), c.solution_due < now), c.resolution_due < now,
        ))
        criteria.append(broken if overdue else ~broken)
    if escalated is not None:
        criteria.append(c.escalated_round.is_not(None) if escalated else c.escalated_round.is_(None))
    sort = (c.opened_at, c.number)
    page_criteria = list(criteria)
    if after is not None:
        page_criteria.append(after_key(sort, decode_cursor(after, datetime, str)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(cases).where(*criteria)).scalar_one()
        rows = conn.execute(select(cases).where(*page_criteria).order_by(*sort).limit(first + 1)).mappings().all()
        escalations = _escalations(conn, [row["id"] for row in rows[:first]])
    return make_page(rows, first, total, view=lambda row: case_view(row, escalations[row["id"]], now),
                     key=lambda row: (row["opened_at"], row["number"]))


ANALYSIS_KEYS = ("category", "zone", "courier", "week", "kind", "root_cause", "channel")


@lru_cache(maxsize=8)
def _zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def case_counts(
    db: ReadDatabase, by: str, timezone: str, *, kind: str | None = None,
    opened_from: datetime | None = None, opened_to: datetime | None = None,
) -> list[CaseCountView]:
    """How many cases per category, zone, courier, ISO week (in the shop's timezone), kind, root cause or
    channel; most first. Cases without the key (no courier, not resolved yet) count under "none"."""
    if by not in ANALYSIS_KEYS:
        raise InvalidInput(f"by must be one of {', '.join(ANALYSIS_KEYS)}", field="by", value=by)
    check_aware(opened_from, "openedFrom")
    check_aware(opened_to, "openedTo")
    c = cases.c
    criteria: list[Any] = []
    if kind is not None:
        criteria.append(c.kind == kind)
    if opened_from is not None:
        criteria.append(c.opened_at >= opened_from)
    if opened_to is not None:
        criteria.append(c.opened_at < opened_to)
    counts: Counter[str] = Counter()
    with db.read() as conn:
        if by == "week":
            zone = _zone_info(timezone)
            for (opened_at,) in conn.execute(select(c.opened_at).where(*criteria)):
                year, week, _ = opened_at.astimezone(zone).isocalendar()
                counts[f"{year}-W{week:02d}"] += 1
        else:
            column = c[by]
            for value, count in conn.execute(select(column, func.count()).where(*criteria).group_by(column)):
                counts[value or "none"] += int(count)
    most_first = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [CaseCountView(key=key, count=count) for key, count in most_first]


def escalated_cases(db: ReadDatabase) -> list[tuple[RowMapping, RowMapping]]:
    """Open cases escalated in their current round, each with that round's latest escalation."""
    c = cases.c
    with db.read() as conn:
        rows = conn.execute(
            select(cases).where(c.status.in_(ACTIVE), c.escalated_round == c.round)
        ).mappings().all()
        latest = _escalation_rows(conn, [row["id"] for row in rows])
    found = []
    for row in rows:
        mine = [x for x in latest.get(row["id"], []) if x["round"] == row["round"]]
        if mine:
            found.append((row, mine[-1]))
    return found


def _escalation_rows(conn: Connection, ids: list[str]) -> dict[str, list[RowMapping]]:
    found: dict[str, list[RowMapping]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        for row in conn.execute(
            select(case_escalations).where(case_escalations.c.case_id.in_(ids[start:start + 500]))
            .order_by(case_escalations.c.case_id, case_escalations.c.position)
        ).mappings():
            found[row["case_id"]].append(row)
    return found


def _escalations(conn: Connection, ids: list[str]) -> dict[str, list[EscalationView]]:
    return {
        key: [EscalationView(sla=r["sla"], due=r["due"], at=r["at"], round=r["round"],
                             overdue_minutes=r["overdue_minutes"]) for r in rows]
        for key, rows in _escalation_rows(conn, ids).items()
    }


def case_view(row: RowMapping, escalations: list[EscalationView], now: datetime) -> CaseView:
    broken_now = {e.sla for e in escalations if e.round == row["round"]}
    return CaseView(
        number=row["number"], id=row["id"], customer=row["customer"], kind=row["kind"], channel=row["channel"],
        category=row["category"], description=row["description"], order=row["order_number"],
        courier=row["courier"], zone=row["zone"], status=row["status"], round=row["round"],
        opened_at=row["opened_at"], updated_at=row["updated_at"], acknowledged_at=row["acknowledged_at"],
        solution=row["solution"], resolution=row["resolution"], compensation=row["compensation"],
        root_cause=row["root_cause"], resolved_at=row["resolved_at"], satisfaction=row["satisfaction"],
        closed_at=row["closed_at"],
        slas=[
            SlaView(sla=SOLUTION_SLA, due=row["solution_due"], met_at=row["solution_met_at"],
                    state=sla_state(row["solution_due"], row["solution_met_at"], SOLUTION_SLA in broken_now, now)),
            SlaView(sla=RESOLUTION_SLA, due=row["resolution_due"], met_at=row["resolved_at"],
                    state=sla_state(row["resolution_due"], row["resolved_at"], RESOLUTION_SLA in broken_now, now)),
        ],
        escalations=escalations,
    )
