"""Returns, exchanges and repairs as agents, the warehouse and the planner read them: each request and its steps."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Sequence

from sqlalchemy import BigInteger, Column, Connection, Float, Index, Integer, String, Table, Text, func, select
from sqlalchemy.engine import RowMapping

from domain.aftersales import (
    ANSWER_SLA, APPROVED, COMPLETED, INSPECTED, PICKED_UP, PICKUP_SCHEDULED, RECEIVED, REJECTED, REPAIRED,
    REQUESTED, SENT_TO_REPAIR, AfterSalesRequest,
)
from projections.cases import sla_state
from projections.columns import Instant, JsonList, Money
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import after_key, check_first, decode_cursor, make_page
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import (
    AfterSalesLineView, AfterSalesStepView, AfterSalesView, EscalationView, Page, PickupView, SlaView,
)

aftersales_requests = Table(
    "aftersales_requests",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(100), nullable=False, unique=True),
    Column("service", String(16), nullable=False),
    Column("order_number", String(64), nullable=False, index=True),
    Column("customer", String(64), nullable=False, index=True),
    Column("zone", String(40)),
    Column("status", String(24), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("lines", JsonList, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("requested_at", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
    Column("answer_due", Instant, nullable=False),
    Column("answered_at", Instant),
    Column("escalated_at", Instant),
    Column("overdue_minutes", Integer),
    Column("rejection_reason", Text),
    Column("pickup_start", Instant),
    Column("pickup_end", Instant),
    Column("pickup_weight_kg", Money),
    Column("pickup_volume_l", Money),
    Column("warehouse", String(40)),
    Column("inspection", String(24)),
    Column("refund", Money),
    Column("exchange_order", String(120)),
    Column("disposition", String(16)),
    Column("completed_at", Instant),
    Index("ix_aftersales_requested_at_number", "requested_at", "number"),
)

aftersales_steps = Table(
    "aftersales_steps",
    metadata,
    Column("request_id", String(36), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("step", String(40), nullable=False),
    Column("at", Instant, nullable=False),
    Column("detail", Text, nullable=False),
)

REQUESTED_EVENT: type = AfterSalesRequest.AfterSalesRequested  # type: ignore[attr-defined]


def _e(name: str) -> type:
    return getattr(AfterSalesRequest, name)  # type: ignore[no-any-return]


# Each later event: how it changes the row, and what the step list says about it.
STEPS: dict[type, tuple[Callable[[dict[str, Any], Any], None], Callable[[Any], str]]] = {
    _e("AfterSalesApproved"): (lambda r, e: r.update(status=APPROVED, answered_at=e.timestamp), lambda e: e.note),
    _e("AfterSalesRejected"): (
        lambda r, e: r.update(status=REJECTED, answered_at=e.timestamp, rejection_reason=e.reason),
        lambda e: e.reason),
    _e("AfterSalesEscalated"): (
        lambda r, e: r.update(escalated_at=e.timestamp, overdue_minutes=e.overdue_minutes),
        lambda e: f"{e.sla} due {e.due.isoformat()}"),
    _e("ReturnPickupScheduled"): (
        lambda r, e: r.update(status=PICKUP_SCHEDULED, pickup_start=e.window_start, pickup_end=e.window_end,
                              pickup_weight_kg=e.weight_kg, pickup_volume_l=e.volume_l),
        lambda e: f"{e.window_start.isoformat()} - {e.window_end.isoformat()}"),
    _e("ReturnPickedUp"): (lambda r, e: r.update(status=PICKED_UP), lambda e: e.courier),
    _e("ReturnReceived"): (lambda r, e: r.update(status=RECEIVED, warehouse=e.warehouse), lambda e: e.warehouse),
    _e("ReturnInspected"): (
        lambda r, e: r.update(status=INSPECTED, inspection=e.result),
        lambda e: f"{e.result}: {e.notes}" if e.notes else e.result),
    _e("RefundIssued"): (lambda r, e: r.update(refund=e.amount), lambda e: str(e.amount)),
    _e("ExchangeOrderPlaced"): (lambda r, e: r.update(exchange_order=e.exchange_order), lambda e: e.exchange_order),
    _e("ReturnRestocked"): (lambda r, e: r.update(disposition="restocked"), lambda e: e.warehouse),
    _e("ReturnWrittenOff"): (lambda r, e: r.update(disposition="written_off"), lambda e: e.reason),
    _e("AfterSalesCompleted"): (lambda r, e: r.update(status=COMPLETED, completed_at=e.timestamp), lambda e: ""),
    _e("SentToRepair"): (lambda r, e: r.update(status=SENT_TO_REPAIR), lambda e: e.repairer),
    _e("RepairCompleted"): (lambda r, e: r.update(status=REPAIRED), lambda e: e.notes),
    _e("RepairedGoodsReturned"): (
        lambda r, e: r.update(status=COMPLETED, completed_at=e.timestamp), lambda e: e.courier),
}


class AfterSalesProjector(Projector):
    name = "aftersales"
    tables = (aftersales_requests, aftersales_steps)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({REQUESTED_EVENT, *STEPS})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        batch = RowBatch(aftersales_requests, "id")
        batch.load(conn, (str(c.event.originator_id) for c in changes if not isinstance(c.event, REQUESTED_EVENT)))
        steps: list[dict[str, Any]] = []
        for position, event in changes:
            key = str(event.originator_id)
            if isinstance(event, REQUESTED_EVENT):
                batch.add(requested_row(key, event))
                detail = event.reason
            else:
                row = batch.change(key)
                if row is None:
                    raise LookupError(f"request {key} changed at position {position} but was never made")
                change, describe = STEPS[type(event)]
                change(row, event)
                row["updated_at"] = event.timestamp
                detail = describe(event)
            steps.append({"request_id": key, "position": position, "step": type(event).__name__,
                          "at": event.timestamp, "detail": detail})
        batch.flush(conn)
        conn.execute(aftersales_steps.insert(), steps)


def requested_row(key: str, event: Any) -> dict[str, Any]:
    return {
        "id": key, "number": event.number, "service": event.service, "order_number": event.order,
        "customer": event.customer, "zone": event.zone, "status": REQUESTED, "reason": event.reason,
        "lines": [{"sku": l["sku"], "quantity": int(l["quantity"]), "warehouse": l["warehouse"],  # noqa: E741
                   "unit_price": str(l["unit_price"]), "category": l["category"]} for l in event.lines],
        "lat": float(event.address["lat"]), "lon": float(event.address["lon"]),
        "requested_at": event.timestamp, "updated_at": event.timestamp, "answer_due": event.answer_due,
        "answered_at": None, "escalated_at": None, "overdue_minutes": None, "rejection_reason": None,
        "pickup_start": None, "pickup_end": None, "pickup_weight_kg": None, "pickup_volume_l": None,
        "warehouse": None, "inspection": None, "refund": None, "exchange_order": None, "disposition": None,
        "completed_at": None,
    }


# -- queries: the only way the API reads after-sales requests -------------------------------------


def get_request(db: ReadDatabase, number: str, now: datetime) -> AfterSalesView | None:
    with db.read() as conn:
        row = conn.execute(select(aftersales_requests).where(aftersales_requests.c.number == number)).mappings().first()
        if row is None:
            return None
        steps = _steps(conn, [row["id"]])
    return request_view(row, steps[row["id"]], now)


def list_requests(
    db: ReadDatabase,
    now: datetime,
    *,
    status: str | None = None,
    service: str | None = None,
    customer: str | None = None,
    order: str | None = None,
    after: str | None = None,
    first: int = 50,
) -> Page[AfterSalesView]:
    """Requests oldest first."""
    check_first(first)
    r = aftersales_requests.c
    criteria = [column == value for column, value in (
        (r.status, status), (r.service, service), (r.customer, customer), (r.order_number, order),
    ) if value is not None]
    sort = (r.requested_at, r.number)
    page_criteria = list(criteria)
    if after is not None:
        page_criteria.append(after_key(sort, decode_cursor(after, datetime, str)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(aftersales_requests).where(*criteria)).scalar_one()
        rows = conn.execute(
            select(aftersales_requests).where(*page_criteria).order_by(*sort).limit(first + 1)
        ).mappings().all()
        steps = _steps(conn, [row["id"] for row in rows[:first]])
    return make_page(rows, first, total, view=lambda row: request_view(row, steps[row["id"]], now),
                     key=lambda row: (row["requested_at"], row["number"]))


def pending_pickups(db: ReadDatabase) -> list[PickupView]:
    """Pickups booked and not yet collected, earliest window first: the stops the next route plan should add."""
    r = aftersales_requests.c
    with db.read() as conn:
        rows = conn.execute(
            select(aftersales_requests).where(r.status == PICKUP_SCHEDULED).order_by(r.pickup_start, r.number)
        ).mappings().all()
    return [
        PickupView(
            request=row["number"], order=row["order_number"], customer=row["customer"], lat=row["lat"],
            lon=row["lon"], zone=row["zone"], window_start=row["pickup_start"], window_end=row["pickup_end"],
            weight_kg=row["pickup_weight_kg"], volume_l=row["pickup_volume_l"],
            warehouse=str(row["lines"][0]["warehouse"]),
        )
        for row in rows
    ]


def escalated_requests(db: ReadDatabase) -> list[RowMapping]:
    """Requests escalated and still unanswered."""
    r = aftersales_requests.c
    with db.read() as conn:
        return list(conn.execute(
            select(aftersales_requests).where(r.status == REQUESTED, r.escalated_at.is_not(None))
        ).mappings().all())


def _steps(conn: Connection, ids: list[str]) -> dict[str, list[AfterSalesStepView]]:
    found: dict[str, list[AfterSalesStepView]] = {i: [] for i in ids}
    if ids:
        for row in conn.execute(
            select(aftersales_steps).where(aftersales_steps.c.request_id.in_(ids))
            .order_by(aftersales_steps.c.request_id, aftersales_steps.c.position)
        ).mappings():
            found[row["request_id"]].append(AfterSalesStepView(step=row["step"], at=row["at"], detail=row["detail"]))
    return found


def request_view(row: RowMapping, steps: list[AfterSalesStepView], now: datetime) -> AfterSalesView:
    escalated = row["escalated_at"] is not None
    escalations = [EscalationView(sla=ANSWER_SLA, due=row["answer_due"], at=row["escalated_at"], round=1,
                                  overdue_minutes=row["overdue_minutes"] or 0)] if escalated else []
    return AfterSalesView(
        number=row["number"], id=row["id"], service=row["service"], order=row["order_number"],
        customer=row["customer"], zone=row["zone"], status=row["status"], reason=row["reason"],
        lines=[AfterSalesLineView(sku=l["sku"], quantity=l["quantity"], warehouse=l["warehouse"],  # noqa: E741
                                  unit_price=Decimal(l["unit_price"]), category=l["category"]) for l in row["lines"]],
        requested_at=row["requested_at"], updated_at=row["updated_at"],
        answer=SlaView(sla=ANSWER_SLA, due=row["answer_due"], met_at=row["answered_at"],
                       state=sla_state(row["answer_due"], row["answered_at"], escalated, now)),
        escalations=escalations, rejection_reason=row["rejection_reason"], pickup_start=row["pickup_start"],
        pickup_end=row["pickup_end"], warehouse=row["warehouse"], inspection=row["inspection"],
        refund=row["refund"], exchange_order=row["exchange_order"], disposition=row["disposition"],
        completed_at=row["completed_at"], steps=steps,
    )
