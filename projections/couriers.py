"""Couriers as the dispatcher sees them: standing, grade, skills, shifts, courses, assessments and history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Sequence

from sqlalchemy import (
    BigInteger, Boolean, Column, Connection, Index, Integer, String, Table, Text, exists, func, or_, select,
)
from sqlalchemy.engine import RowMapping

from domain.couriers import ACTIVE, APPLIED, CERTIFIED, OFFBOARDED, REJECTED, SCREENED, SUSPENDED, Courier
from projections.columns import Instant, JsonList, Money
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import after_key, check_aware, check_first, decode_cursor, make_page
from projections.projector import Projector
from projections.rows import CHUNK, RowBatch
from projections.views import (
    CourierAssessmentView, CourierView, Page, ShiftView, TimelineEntry, TrainingView,
)
from projections.zones import zone_couriers

# A shift's life as the read side names it.
PLANNED = "PLANNED"
STARTED = "STARTED"
ON_BREAK = "ON_BREAK"
ENDED = "ENDED"
CANCELLED = "CANCELLED"
SHIFT_STATUSES = (PLANNED, STARTED, ON_BREAK, ENDED, CANCELLED)
OPEN_SHIFT_STATUSES = (PLANNED, STARTED, ON_BREAK)

PASSED = "PASSED"
FLAGGED = "FLAGGED"

couriers = Table(
    "couriers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("reference", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("driving_years", Integer, nullable=False),
    Column("licence_class", String(8), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("status_reason", Text, nullable=False),
    Column("certified", Boolean, nullable=False),
    Column("grade", String(16)),
    Column("skills", JsonList, nullable=False),
    Column("home_zone", String(40), index=True),
    Column("on_shift", Boolean, nullable=False, index=True),
    Column("on_break", Boolean, nullable=False),
    Column("current_shift", String(80)),
    Column("retraining_due", Boolean, nullable=False),
    Column("consecutive_flags", Integer, nullable=False),
    Column("last_flagged_period", String(7)),
    Column("offboarding_proposed", Boolean, nullable=False),
    Column("applied_at", Instant, nullable=False),
    Column("activated_at", Instant),
    Column("updated_at", Instant, nullable=False),
)

courier_shifts = Table(
    "courier_shifts",
    metadata,
    Column("shift", String(80), primary_key=True),
    Column("courier", String(64), nullable=False),
    Column("start", Instant, nullable=False),
    Column("end", Instant, nullable=False),
    Column("zone", String(40), nullable=False),
    Column("vehicle", String(16)),
    Column("status", String(16), nullable=False, index=True),
    Column("started_at", Instant),
    Column("break_since", Instant),
    Column("breaks", Integer, nullable=False),
    Column("break_seconds", Integer, nullable=False),
    Column("ended_at", Instant),
    Column("end_reason", Text, nullable=False),
    Index("ix_courier_shifts_courier_start", "courier", "start"),
)

courier_trainings = Table(
    "courier_trainings",
    metadata,
    Column("courier", String(64), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("course", String(40), nullable=False),
    Column("hours", Money, nullable=False),
    Column("score", Integer, nullable=False),
    Column("pass_mark", Integer, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("at", Instant, nullable=False),
)

courier_assessments = Table(
    "courier_assessments",
    metadata,
    Column("key", String(80), primary_key=True),  # "<courier>:<period>"
    Column("courier", String(64), nullable=False, index=True),
    Column("period", String(7), nullable=False),
    Column("outcome", String(8), nullable=False),
    Column("failed_thresholds", JsonList, nullable=False),
    Column("consecutive_flags", Integer, nullable=False),
    Column("offboarding_proposed", Boolean, nullable=False),
    Column("promoted_to", String(16)),
    Column("assessed_at", Instant, nullable=False),
)

courier_timeline = Table(
    "courier_timeline",
    metadata,
    Column("courier", String(64), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("at", Instant, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("detail", Text, nullable=False),
)

APPLIED_EVENT: type = Courier.CourierApplied  # type: ignore[attr-defined]


def _screened(row: dict[str, Any], e: Any) -> str:
    row["status"] = SCREENED
    return f"background check {'passed' if e.background_check_passed else 'failed'}" + (f": {e.note}" if e.note else "")


def _rejected(row: dict[str, Any], e: Any) -> str:
    row["status"] = REJECTED
    row["status_reason"] = "failed " + ", ".join(e.failed_rules)
    return row["status_reason"]


def _trained(row: dict[str, Any], e: Any) -> str:
    return f"{e.course}: {e.score}/100 (pass mark {e.pass_mark}) {'passed' if e.passed else 'failed'}"


def _retraining_passed(row: dict[str, Any], e: Any) -> str:
    row["retraining_due"] = False
    return f"retraining passed after the {e.flagged_period} flag" if e.flagged_period else "retraining passed"


def _certified(row: dict[str, Any], e: Any) -> str:
    row["status"] = CERTIFIED
    row["certified"] = True
    row["grade"] = e.grade
    return f"certified as {e.grade}"


def _activated(row: dict[str, Any], e: Any) -> str:
    row["status"] = ACTIVE
    row["status_reason"] = ""
    if row["activated_at"] is None:
        row["activated_at"] = e.at
    return ""


def _suspended(row: dict[str, Any], e: Any) -> str:
    row["status"] = SUSPENDED
    row["status_reason"] = e.reason
    return e.reason


def _reinstated(row: dict[str, Any], e: Any) -> str:
    row["status"] = ACTIVE
    row["status_reason"] = ""
    return e.note


def _offboarded(row: dict[str, Any], e: Any) -> str:
    row["status"] = OFFBOARDED
    row["status_reason"] = e.reason
    row["offboarding_proposed"] = False
    return e.reason


def _skill_granted(row: dict[str, Any], e: Any) -> str:
    row["skills"] = [*row["skills"], e.skill]
    return e.skill


def _skill_revoked(row: dict[str, Any], e: Any) -> str:
    row["skills"] = [s for s in row["skills"] if s != e.skill]
    return e.skill


def _home_zone_set(row: dict[str, Any], e: Any) -> str:
    row["home_zone"] = e.zone
    return e.zone


def _shift_planned(row: dict[str, Any], e: Any) -> str:
    return f"{e.shift} in {e.zone}, {e.start:%Y-%m-%d %H:%M} to {e.end:%Y-%m-%d %H:%M} UTC"


def _shift_cancelled(row: dict[str, Any], e: Any) -> str:
    return f"{e.shift}: {e.reason}"


def _shift_started(row: dict[str, Any], e: Any) -> str:
    row["on_shift"] = True
    row["current_shift"] = e.shift
    return f"{e.shift}" + (f" with {e.vehicle}" if e.vehicle else "")


def _break_started(row: dict[str, Any], e: Any) -> str:
    row["on_break"] = True
    return e.shift


def _break_ended(row: dict[str, Any], e: Any) -> str:
    row["on_break"] = False
    return e.shift


def _shift_ended(row: dict[str, Any], e: Any) -> str:
    row["on_shift"] = row["on_break"] = False
    row["current_shift"] = None
    return f"{e.shift}: {e.reason}"


def _shift_vehicle_changed(row: dict[str, Any], e: Any) -> str:
    return f"{e.shift}: {e.previous or 'no vehicle'} -> {e.vehicle or 'no vehicle'}"


def _assessment_passed(row: dict[str, Any], e: Any) -> str:
    row["consecutive_flags"] = 0
    return e.period


def _flagged(row: dict[str, Any], e: Any) -> str:
    row["retraining_due"] = True
    row["consecutive_flags"] = e.consecutive_flags
    row["last_flagged_period"] = e.period
    return f"{e.period}: below {', '.join(e.failed_thresholds)} ({e.consecutive_flags} in a row)"


def _offboarding_proposed(row: dict[str, Any], e: Any) -> str:
    row["offboarding_proposed"] = True
    return f"{e.period}: {e.consecutive_flags} flags in a row"


def _offboarding_dismissed(row: dict[str, Any], e: Any) -> str:
    row["offboarding_proposed"] = False
    return e.note


def _promoted(row: dict[str, Any], e: Any) -> str:
    row["grade"] = e.to_grade
    return f"{e.from_grade} -> {e.to_grade} from {e.effective_period}"


# Each later event of a courier: how it changes the courier's row, and what the history says about it.
COURIER_CHANGES: dict[type, Callable[[dict[str, Any], Any], str]] = {
    Courier.CourierScreened: _screened,  # type: ignore[attr-defined]
    Courier.CourierRejected: _rejected,  # type: ignore[attr-defined]
    Courier.CourierTrained: _trained,  # type: ignore[attr-defined]
    Courier.RetrainingPassed: _retraining_passed,  # type: ignore[attr-defined]
    Courier.CourierCertified: _certified,  # type: ignore[attr-defined]
    Courier.CourierActivated: _activated,  # type: ignore[attr-defined]
    Courier.CourierSuspended: _suspended,  # type: ignore[attr-defined]
    Courier.CourierReinstated: _reinstated,  # type: ignore[attr-defined]
    Courier.CourierOffboarded: _offboarded,  # type: ignore[attr-defined]
    Courier.SkillGranted: _skill_granted,  # type: ignore[attr-defined]
    Courier.SkillRevoked: _skill_revoked,  # type: ignore[attr-defined]
    Courier.HomeZoneSet: _home_zone_set,  # type: ignore[attr-defined]
    Courier.ShiftPlanned: _shift_planned,  # type: ignore[attr-defined]
    Courier.ShiftCancelled: _shift_cancelled,  # type: ignore[attr-defined]
    Courier.ShiftStarted: _shift_started,  # type: ignore[attr-defined]
    Courier.BreakStarted: _break_started,  # type: ignore[attr-defined]
    Courier.BreakEnded: _break_ended,  # type: ignore[attr-defined]
    Courier.ShiftEnded: _shift_ended,  # type: ignore[attr-defined]
    Courier.ShiftVehicleChanged: _shift_vehicle_changed,  # type: ignore[attr-defined]
    Courier.CourierAssessmentPassed: _assessment_passed,  # type: ignore[attr-defined]
    Courier.CourierFlagged: _flagged,  # type: ignore[attr-defined]
    Courier.OffboardingProposed: _offboarding_proposed,  # type: ignore[attr-defined]
    Courier.OffboardingProposalDismissed: _offboarding_dismissed,  # type: ignore[attr-defined]
    Courier.CourierPromoted: _promoted,  # type: ignore[attr-defined]
}
SHIFT_EVENTS = frozenset({
    Courier.ShiftPlanned, Courier.ShiftCancelled, Courier.ShiftStarted,  # type: ignore[attr-defined]
    Courier.BreakStarted, Courier.BreakEnded, Courier.ShiftEnded,  # type: ignore[attr-defined]
    Courier.ShiftVehicleChanged,  # type: ignore[attr-defined]
})
ASSESSMENT_EVENTS = frozenset({
    Courier.CourierAssessmentPassed, Courier.CourierFlagged, Courier.OffboardingProposed,  # type: ignore[attr-defined]
    Courier.CourierPromoted,  # type: ignore[attr-defined]
})
TRAINED: type = Courier.CourierTrained  # type: ignore[attr-defined]


class CouriersProjector(Projector):
    name = "couriers"
    tables = (couriers, courier_shifts, courier_trainings, courier_assessments, courier_timeline)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({APPLIED_EVENT, *COURIER_CHANGES})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        people = RowBatch(couriers, "id")
        shifts = RowBatch(courier_shifts, "shift")
        assessments = RowBatch(courier_assessments, "key")
        people.load(conn, (str(c.event.originator_id) for c in changes if not isinstance(c.event, APPLIED_EVENT)))
        shifts.load(conn, (c.event.shift for c in changes if type(c.event) in SHIFT_EVENTS))
        trainings: list[dict[str, Any]] = []
        timeline: list[dict[str, Any]] = []
        for position, event in changes:
            key = str(event.originator_id)
            kind = type(event)
            if kind is APPLIED_EVENT:
                row = people.add(applied_row(key, event))
                detail = f"licence {event.licence_class}, {event.driving_years} years driving"
            else:
                row = people.change(key)  # type: ignore[assignment]
                if row is None:
                    raise LookupError(f"courier {key} changed at position {position} but never applied")
                detail = COURIER_CHANGES[kind](row, event)
                row["updated_at"] = event.timestamp
                reference = row["reference"]
                if kind in SHIFT_EVENTS:
                    _change_shift(shifts, reference, event, position)
                elif kind in ASSESSMENT_EVENTS:
                    _change_assessment(assessments, conn, reference, event)
                elif kind is TRAINED:
                    trainings.append({
                        "courier": reference, "position": position, "course": event.course, "hours": event.hours,
                        "score": event.score, "pass_mark": event.pass_mark, "passed": event.passed,
                        "at": event.timestamp,
                    })
            timeline.append({
                "courier": row["reference"], "position": position, "status": row["status"], "at": event.timestamp,
                "event_type": kind.__name__, "detail": detail,
            })
        people.flush(conn)
        shifts.flush(conn)
        assessments.flush(conn)
        if trainings:
            conn.execute(courier_trainings.insert(), trainings)
        conn.execute(courier_timeline.insert(), timeline)


def applied_row(key: str, event: Any) -> dict[str, Any]:
    return {
        "id": key, "reference": event.reference, "name": event.name, "phone": event.phone,
        "driving_years": event.driving_years, "licence_class": event.licence_class, "status": APPLIED,
        "status_reason": "", "certified": False, "grade": None, "skills": [], "home_zone": None,
        "on_shift": False, "on_break": False, "current_shift": None, "retraining_due": False,
        "consecutive_flags": 0, "last_flagged_period": None, "offboarding_proposed": False,
        "applied_at": event.timestamp, "activated_at": None, "updated_at": event.timestamp,
    }


def _change_shift(shifts: RowBatch, courier: str, event: Any, position: int) -> None:
    if isinstance(event, Courier.ShiftPlanned):  # type: ignore[attr-defined]
        shifts.add({
            "shift": event.shift, "courier": courier, "start": event.start, "end": event.end, "zone": event.zone,
            "vehicle": event.vehicle, "status": PLANNED, "started_at": None, "break_since": None, "breaks": 0,
            "break_seconds": 0, "ended_at": None, "end_reason": "",
        })
        return
    row = shifts.change(event.shift)
    if row is None:
        raise LookupError(f"shift {event.shift} changed at position {position} but was never planned")
    if isinstance(event, Courier.ShiftCancelled):  # type: ignore[attr-defined]
        row.update(status=CANCELLED, end_reason=event.reason)
    elif isinstance(event, Courier.ShiftStarted):  # type: ignore[attr-defined]
        row.update(status=STARTED, started_at=event.at, vehicle=event.vehicle)
    elif isinstance(event, Courier.BreakStarted):  # type: ignore[attr-defined]
        row.update(status=ON_BREAK, break_since=event.at, breaks=row["breaks"] + 1)
    elif isinstance(event, Courier.BreakEnded):  # type: ignore[attr-defined]
        taken = int((event.at - row["break_since"]).total_seconds()) if row["break_since"] is not None else 0
        row.update(status=STARTED, break_since=None, break_seconds=row["break_seconds"] + taken)
    elif isinstance(event, Courier.ShiftEnded):  # type: ignore[attr-defined]
        row.update(status=ENDED, ended_at=event.at, end_reason=event.reason, break_since=None)
    else:  # the vehicle changed
        row["vehicle"] = event.vehicle


def _change_assessment(assessments: RowBatch, conn: Connection, courier: str, event: Any) -> None:
    key = f"{courier}:{event.period}"
    if isinstance(event, (Courier.CourierAssessmentPassed, Courier.CourierFlagged)):  # type: ignore[attr-defined]
        flagged = isinstance(event, Courier.CourierFlagged)  # type: ignore[attr-defined]
        assessments.add({
            "key": key, "courier": courier, "period": event.period, "outcome": FLAGGED if flagged else PASSED,
            "failed_thresholds": list(event.failed_thresholds) if flagged else [],
            "consecutive_flags": event.consecutive_flags if flagged else 0, "offboarding_proposed": False,
            "promoted_to": None, "assessed_at": event.timestamp,
        })
        return
    assessments.load(conn, [key])
    row = assessments.change(key)
    if row is None:
        raise LookupError(f"courier {courier} has a verdict for {event.period} but no assessment")
    if isinstance(event, Courier.OffboardingProposed):  # type: ignore[attr-defined]
        row["offboarding_proposed"] = True
    else:
        row["promoted_to"] = event.to_grade


# -- queries: the only way the API reads couriers -----------------------------------------


def get_courier(db: ReadDatabase, reference: str) -> CourierView | None:
    with db.read() as conn:
        row = conn.execute(select(couriers).where(couriers.c.reference == reference)).mappings().first()
    return None if row is None else courier_view(row)


def list_couriers(
    db: ReadDatabase,
    *,
    status: str | None = None,
    zone: str | None = None,
    on_shift: bool | None = None,
    after: str | None = None,
    first: int = 50,
) -> Page[CourierView]:
    """Couriers by reference. A courier is in a zone when assigned to it or when it is their home zone."""
    check_first(first)
    criteria = []
    if status is not None:
        criteria.append(couriers.c.status == status)
    if zone is not None:
        criteria.append(or_(
            couriers.c.home_zone == zone,
            exists().where(zone_couriers.c.zone == zone, zone_couriers.c.courier == couriers.c.reference),
        ))
    if on_shift is not None:
        criteria.append(couriers.c.on_shift == on_shift)
    sort = (couriers.c.reference,)
    page_criteria = list(criteria)
    if after is not None:
        page_criteria.append(after_key(sort, decode_cursor(after, str)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(couriers).where(*criteria)).scalar_one()
        rows = conn.execute(select(couriers).where(*page_criteria).order_by(*sort).limit(first + 1)).mappings().all()
    return make_page(rows, first, total, view=courier_view, key=lambda row: (row["reference"],))


def known_couriers(db: ReadDatabase, references: Sequence[str]) -> set[str]:
    """Which of these references are couriers (in any status)."""
    wanted = list(dict.fromkeys(references))
    found: set[str] = set()
    with db.read() as conn:
        for start in range(0, len(wanted), CHUNK):
            found.update(conn.execute(
                select(couriers.c.reference).where(couriers.c.reference.in_(wanted[start:start + CHUNK]))
            ).scalars())
    return found


def couriers_on_shift(db: ReadDatabase) -> list[str]:
    """References of everyone clocked in now (on a break or not): whom the stale-position watch checks."""
    with db.read() as conn:
        return list(conn.execute(
            select(couriers.c.reference).where(couriers.c.on_shift.is_(True)).order_by(couriers.c.reference)
        ).scalars())


def graded_couriers(db: ReadDatabase) -> list[str]:
    """Everyone ever certified (so holding a grade): whom a month's assessment and pay consider."""
    with db.read() as conn:
        return list(conn.execute(
            select(couriers.c.reference).where(couriers.c.grade.is_not(None)).order_by(couriers.c.reference)
        ).scalars())


def courier_shift_list(
    db: ReadDatabase, courier: str, *, status: str | None = None, starting_from: datetime | None = None,
    starting_before: datetime | None = None,
) -> list[ShiftView]:
    """A courier's shifts by start time; `starting_from` inclusive, `starting_before` exclusive."""
    check_aware(starting_from, "from")
    check_aware(starting_before, "to")
    query = select(courier_shifts).where(courier_shifts.c.courier == courier)
    if status is not None:
        query = query.where(courier_shifts.c.status == status)
    if starting_from is not None:
        query = query.where(courier_shifts.c.start >= starting_from)
    if starting_before is not None:
        query = query.where(courier_shifts.c.start < starting_before)
    with db.read() as conn:
        rows = conn.execute(query.order_by(courier_shifts.c.start, courier_shifts.c.shift)).mappings().all()
    return [shift_view(row) for row in rows]


def courier_trainings_of(db: ReadDatabase, courier: str) -> list[TrainingView]:
    with db.read() as conn:
        rows = conn.execute(
            select(courier_trainings).where(courier_trainings.c.courier == courier)
            .order_by(courier_trainings.c.position)
        ).mappings().all()
    return [
        TrainingView(course=r["course"], hours=r["hours"], score=r["score"], pass_mark=r["pass_mark"],
                     passed=r["passed"], at=r["at"])
        for r in rows
    ]


def courier_assessments_of(db: ReadDatabase, courier: str) -> list[CourierAssessmentView]:
    """Each period's verdict on the courier, oldest first: the flags, and what came of them."""
    with db.read() as conn:
        rows = conn.execute(
            select(courier_assessments).where(courier_assessments.c.courier == courier)
            .order_by(courier_assessments.c.period)
        ).mappings().all()
    return [
        CourierAssessmentView(
            period=r["period"], outcome=r["outcome"], failed_thresholds=list(r["failed_thresholds"]),
            consecutive_flags=r["consecutive_flags"], offboarding_proposed=r["offboarding_proposed"],
            promoted_to=r["promoted_to"], assessed_at=r["assessed_at"],
        )
        for r in rows
    ]


def courier_history(db: ReadDatabase, courier: str) -> list[TimelineEntry]:
    """Everything that happened to the courier, in log order."""
    with db.read() as conn:
        rows = conn.execute(
            select(courier_timeline).where(courier_timeline.c.courier == courier)
            .order_by(courier_timeline.c.position)
        ).mappings().all()
    return [
        TimelineEntry(status=r["status"], at=r["at"], position=r["position"], event_type=r["event_type"],
                      detail=r["detail"])
        for r in rows
    ]


def courier_view(row: RowMapping) -> CourierView:
    return CourierView(
        reference=row["reference"], name=row["name"], phone=row["phone"], driving_years=row["driving_years"],
        licence_class=row["licence_class"], status=row["status"], status_reason=row["status_reason"],
        certified=row["certified"], grade=row["grade"], skills=list(row["skills"]), home_zone=row["home_zone"],
        on_shift=row["on_shift"], on_break=row["on_break"],
        current_shift=row["current_shift"], retraining_due=row["retraining_due"],
        consecutive_flags=row["consecutive_flags"], last_flagged_period=row["last_flagged_period"],
        offboarding_proposed=row["offboarding_proposed"], applied_at=row["applied_at"],
        activated_at=row["activated_at"], updated_at=row["updated_at"],
    )


def shift_view(row: RowMapping) -> ShiftView:
    return ShiftView(
        shift=row["shift"], courier=row["courier"], start=row["start"], end=row["end"], zone=row["zone"],
        vehicle=row["vehicle"], status=row["status"], started_at=row["started_at"], ended_at=row["ended_at"],
        breaks=row["breaks"], break_seconds=row["break_seconds"], end_reason=row["end_reason"],
    )
