"""Webhooks as integrators see them (subscriptions, deliveries, every attempt) and the delivery worker's outbox.

The first three tables are a projection of the webhook events, rebuildable from the log.
The outbox is the worker's own queue: the matching events it has taken in and not yet
delivered, written in one transaction with how far it has read the log for each webhook
(its position in `projection_positions`), so an event is taken in exactly once and only
dropped after its delivery is recorded in the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
)

from domain.webhooks import ACTIVE, FAILED, PAUSED, REMOVED, WebhookSubscription
from projections.columns import Instant, JsonList
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import after_key, check_first, decode_cursor, make_page
from projections.positions import advance_position, projection_positions
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import Page

# What a delivery (one event to one webhook) has come to.
PENDING = "PENDING"  # tried, not through yet: the worker tries again
DELIVERED = "DELIVERED"
GIVEN_UP = "FAILED"  # out of attempts: waits for a retry by hand, holding back its aggregate's later events
DELIVERY_STATUSES = (PENDING, DELIVERED, GIVEN_UP)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner", String(120), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("event_types", JsonList, nullable=False),
    Column("description", String(200), nullable=False),
    Column("status", String(12), nullable=False),
    Column("paused_reason", String(200), nullable=False),
    Column("consecutive_failures", Integer, nullable=False),
    Column("delivered", Integer, nullable=False),
    Column("failing", Integer, nullable=False),
    Column("registered_at", Instant, nullable=False),
    Column("registered_position", BigInteger, nullable=False),
    Column("updated_at", Instant, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("key", String(60), primary_key=True),  # "<webhook id>:<position>"
    Column("webhook_id", String(36), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("event_id", String(80), nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("aggregate_id", String(36), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_response_code", Integer),
    Column("last_error", Text, nullable=False),
    Column("last_attempt_at", Instant, nullable=False),
    Column("delivered_at", Instant),
    Index("ix_webhook_deliveries_webhook_position", "webhook_id", "position"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("recorded_at", BigInteger, primary_key=True),  # log position of the attempt record
    Column("webhook_id", String(36), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    Column("response_code", Integer),
    Column("duration_ms", Integer, nullable=False),
    Column("error", Text, nullable=False),
    Column("at", Instant, nullable=False),
    Index("ix_webhook_attempts_webhook_position", "webhook_id", "position"),
)

webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("webhook_id", String(36), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("aggregate_id", String(36), nullable=False),
    Column("event_id", String(80), nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("body", Text, nullable=False),
)

REGISTERED: type = WebhookSubscription.WebhookRegistered  # type: ignore[attr-defined]
PAUSED_EVENT: type = WebhookSubscription.WebhookPaused  # type: ignore[attr-defined]
RESUMED: type = WebhookSubscription.WebhookResumed  # type: ignore[attr-defined]
REMOVED_EVENT: type = WebhookSubscription.WebhookRemoved  # type: ignore[attr-defined]
ATTEMPTED: type = WebhookSubscription.WebhookDeliveryAttempted  # type: ignore[attr-defined]
DELIVERED_EVENT: type = WebhookSubscription.WebhookDelivered  # type: ignore[attr-defined]
GAVE_UP: type = WebhookSubscription.WebhookDeliveryFailed  # type: ignore[attr-defined]
RETRY_REQUESTED: type = WebhookSubscription.WebhookDeliveryRetryRequested  # type: ignore[attr-defined]
DELIVERY_EVENTS = (ATTEMPTED, DELIVERED_EVENT, GAVE_UP, RETRY_REQUESTED)


# -- views ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookView:
    id: str
    owner: str
    url: str
    event_types: list[str]
    description: str
    status: str
    paused_reason: str
    consecutive_failures: int
    delivered: int
    failing: int
    backlog: int
    registered_at: datetime
    registered_position: int
    updated_at: datetime


@dataclass(frozen=True)
class WebhookAttemptView:
    attempt: int
    status: str
    response_code: int | None
    duration_ms: int
    error: str
    at: datetime
    recorded_at: int


@dataclass(frozen=True)
class WebhookDeliveryView:
    webhook_id: str
    position: int
    event_id: str
    event_type: str
    aggregate_id: str
    status: str
    attempts: int
    last_response_code: int | None
    last_error: str
    last_attempt_at: datetime
    delivered_at: datetime | None
    attempt_log: list[WebhookAttemptView]


@dataclass(frozen=True)
class WebhookTarget:
    """A webhook as the worker lists it: enough to take in its events from the right place."""

    id: str
    status: str
    event_types: tuple[str, ...]
    registered_position: int


@dataclass(frozen=True)
class OutboxEntry:
    position: int
    aggregate_id: str
    event_id: str
    event_type: str
    body: str


# -- the projection ----------------------------------------------------------------------


def _paused(row: dict[str, Any], e: Any) -> None:
    row.update(status=PAUSED, paused_reason=e.reason[:200])


def _resumed(row: dict[str, Any], e: Any) -> None:
    row.update(status=ACTIVE, paused_reason="", consecutive_failures=0)


def _removed(row: dict[str, Any], e: Any) -> None:
    row.update(status=REMOVED, failing=0)


WEBHOOK_CHANGES: dict[type, Callable[[dict[str, Any], Any], None]] = {
    PAUSED_EVENT: _paused, RESUMED: _resumed, REMOVED_EVENT: _removed,
}


class WebhooksProjector(Projector):
    name = "webhooks"
    tables = (webhooks, webhook_deliveries, webhook_attempts)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({REGISTERED, *WEBHOOK_CHANGES, *DELIVERY_EVENTS})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        hooks = RowBatch(webhooks, "id")
        deliveries = RowBatch(webhook_deliveries, "key")
        hooks.load(conn, (str(c.event.originator_id) for c in changes if c.kind is not REGISTERED))
        deliveries.load(conn, (delivery_key(c.event) for c in changes if isinstance(c.event, DELIVERY_EVENTS)))
        attempts: list[dict[str, Any]] = []
        for position, event in changes:
            webhook_id = str(event.originator_id)
            if isinstance(event, REGISTERED):
                hooks.add({
                    "id": webhook_id, "owner": event.owner, "url": event.url, "event_types": list(event.event_types),
                    "description": event.description, "status": ACTIVE, "paused_reason": "",
                    "consecutive_failures": 0, "delivered": 0, "failing": 0, "registered_at": event.timestamp,
                    "registered_position": position, "updated_at": event.timestamp,
                })
                continue
            hook = hooks.change(webhook_id)
            if hook is None:
                raise LookupError(f"webhook {webhook_id} changed at position {position} but was never registered")
            hook["updated_at"] = event.timestamp
            if (change := WEBHOOK_CHANGES.get(type(event))) is not None:
                change(hook, event)
            elif isinstance(event, ATTEMPTED):
                attempts.append(attempt_row(position, webhook_id, event))
                self._attempted(deliveries, hook, webhook_id, event)
            else:
                self._settled(deliveries, hook, event)
        hooks.flush(conn)
        deliveries.flush(conn)
        if attempts:
            conn.execute(webhook_attempts.insert(), attempts)

    @staticmethod
    def _attempted(deliveries: RowBatch, hook: dict[str, Any], webhook_id: str, event: Any) -> None:
        succeeded = event.status != FAILED
        hook["consecutive_failures"] = 0 if succeeded else hook["consecutive_failures"] + 1
        row = deliveries.change(delivery_key(event))
        if row is None:
            row = deliveries.add({
                "key": delivery_key(event), "webhook_id": webhook_id, "position": event.position,
                "event_id": event.event_id, "event_type": event.event_type, "aggregate_id": event.aggregate_id,
                "status": PENDING, "attempts": 0, "last_response_code": None, "last_error": "",
                "last_attempt_at": event.timestamp, "delivered_at": None,
            })
        row.update(
            attempts=row["attempts"] + 1, last_response_code=event.response_code, last_error=event.error,
            last_attempt_at=event.timestamp,
        )

    @staticmethod
    def _settled(deliveries: RowBatch, hook: dict[str, Any], event: Any) -> None:
        row = deliveries.change(delivery_key(event))
        if row is None:
            raise LookupError(f"delivery {delivery_key(event)} settled before any attempt was recorded")
        if row["status"] == GIVEN_UP:
            hook["failing"] -= 1
        if isinstance(event, DELIVERED_EVENT):
            row.update(status=DELIVERED, delivered_at=event.timestamp, last_error="")
            hook["delivered"] += 1
        elif isinstance(event, GAVE_UP):
            row["status"] = GIVEN_UP
            hook["failing"] += 1
        else:  # a retry by hand
            row["status"] = PENDING


def delivery_key(event: Any) -> str:
    return f"{event.originator_id}:{event.position}"


def attempt_row(recorded_at: int, webhook_id: str, event: Any) -> dict[str, Any]:
    return {
        "recorded_at": recorded_at, "webhook_id": webhook_id, "position": event.position, "attempt": event.attempt,
        "status": event.status, "response_code": event.response_code, "duration_ms": event.duration_ms,
        "error": event.error, "at": event.timestamp,
    }


# -- queries: the only way the API reads webhooks ----------------------------------------------


def _backlog() -> Any:
    return (
        select(func.count()).select_from(webhook_outbox)
        .where(webhook_outbox.c.webhook_id == webhooks.c.id).scalar_subquery()
    )


def _webhook_view(row: Any) -> WebhookView:
    return WebhookView(
        id=row["id"], owner=row["owner"], url=row["url"], event_types=list(row["event_types"]),
        description=row["description"], status=row["status"], paused_reason=row["paused_reason"],
        consecutive_failures=row["consecutive_failures"], delivered=row["delivered"], failing=row["failing"],
        backlog=row["backlog"], registered_at=row["registered_at"],
        registered_position=row["registered_position"], updated_at=row["updated_at"],
    )


def list_webhooks(db: ReadDatabase, *, owner: str | None = None, include_removed: bool = False) -> list[WebhookView]:
    """Oldest first; `owner` None lists everyone's (an administrator's view)."""
    query = select(webhooks, _backlog().label("backlog")).order_by(webhooks.c.registered_position)
    if owner is not None:
        query = query.where(webhooks.c.owner == owner)
    if not include_removed:
        query = query.where(webhooks.c.status != REMOVED)
    with db.read() as conn:
        return [_webhook_view(row) for row in conn.execute(query).mappings()]


def get_webhook(db: ReadDatabase, webhook_id: str) -> WebhookView | None:
    with db.read() as conn:
        row = conn.execute(
            select(webhooks, _backlog().label("backlog")).where(webhooks.c.id == webhook_id)
        ).mappings().first()
    return None if row is None else _webhook_view(row)


def list_deliveries(
    db: ReadDatabase, webhook_id: str, *, status: str | None = None, after: str | None = None, first: int = 50,
) -> Page[WebhookDeliveryView]:
    """One webhook's deliveries in log order, each with every attempt made."""
    check_first(first)
    criteria = [webhook_deliveries.c.webhook_id == webhook_id]
    if status is not None:
        criteria.append(webhook_deliveries.c.status == status)
    page_criteria = list(criteria)
    if after is not None:
        page_criteria.append(after_key([webhook_deliveries.c.position], decode_cursor(after, int)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(webhook_deliveries).where(*criteria)).scalar_one()
        rows = conn.execute(
            select(webhook_deliveries).where(*page_criteria).order_by(webhook_deliveries.c.position).limit(first + 1)
        ).mappings().all()
        log: dict[int, list[WebhookAttemptView]] = {row["position"]: [] for row in rows[:first]}
        if log:
            for row in conn.execute(
                select(webhook_attempts)
                .where(webhook_attempts.c.webhook_id == webhook_id, webhook_attempts.c.position.in_(list(log)))
                .order_by(webhook_attempts.c.recorded_at)
            ).mappings():
                log[row["position"]].append(WebhookAttemptView(
                    attempt=row["attempt"], status=row["status"], response_code=row["response_code"],
                    duration_ms=row["duration_ms"], error=row["error"], at=row["at"], recorded_at=row["recorded_at"],
                ))
    return make_page(
        rows, first, total,
        view=lambda row: WebhookDeliveryView(
            webhook_id=row["webhook_id"], position=row["position"], event_id=row["event_id"],
            event_type=row["event_type"], aggregate_id=row["aggregate_id"], status=row["status"],
            attempts=row["attempts"], last_response_code=row["last_response_code"], last_error=row["last_error"],
            last_attempt_at=row["last_attempt_at"], delivered_at=row["delivered_at"],
            attempt_log=log[row["position"]],
        ),
        key=lambda row: (row["position"],),
    )


# -- the delivery worker's outbox ------------------------------------------------------------


def intake_name(webhook_id: str) -> str:
    return f"webhook:{webhook_id}"


def webhook_targets(db: ReadDatabase) -> list[WebhookTarget]:
    """Every webhook with work to do: not removed, or removed with an outbox or position left to clear."""
    leftovers = or_(
        exists().where(webhook_outbox.c.webhook_id == webhooks.c.id),
        exists().where(projection_positions.c.name == literal("webhook:") + webhooks.c.id),
    )
    query = (
        select(webhooks.c.id, webhooks.c.status, webhooks.c.event_types, webhooks.c.registered_position)
        .where(or_(webhooks.c.status != REMOVED, leftovers))
        .order_by(webhooks.c.registered_position)
    )
    with db.read() as conn:
        return [
            WebhookTarget(
                id=row["id"], status=row["status"], event_types=tuple(row["event_types"]),
                registered_position=row["registered_position"],
            )
            for row in conn.execute(query).mappings()
        ]


def intake_position(db: ReadDatabase, webhook_id: str, start: int) -> int:
    """How far the worker has taken in the log for this webhook; a new webhook starts at its registration."""
    name = intake_name(webhook_id)
    with db.begin() as conn:
        position = conn.execute(
            select(projection_positions.c.position).where(projection_positions.c.name == name)
        ).scalar_one_or_none()
        if position is not None:
            return int(position)
        conn.execute(projection_positions.insert().values(name=name, position=start))
        return start


def take_in(db: ReadDatabase, webhook_id: str, entries: Sequence[OutboxEntry], expected: int, position: int) -> None:
    """Queue `entries` and move the intake from `expected` to `position`, in one transaction."""
    with db.begin() as conn:
        if entries:
            conn.execute(webhook_outbox.insert(), [
                {"webhook_id": webhook_id, "position": e.position, "aggregate_id": e.aggregate_id,
                 "event_id": e.event_id, "event_type": e.event_type, "body": e.body}
                for e in entries
            ])
        advance_position(conn, intake_name(webhook_id), expected, position)


def outbox(db: ReadDatabase, webhook_id: str, limit: int) -> list[OutboxEntry]:
    """The oldest undelivered events of one webhook, in log order."""
    with db.read() as conn:
        rows = conn.execute(
            select(webhook_outbox).where(webhook_outbox.c.webhook_id == webhook_id)
            .order_by(webhook_outbox.c.position).limit(limit)
        ).mappings().all()
    return [
        OutboxEntry(
            position=row["position"], aggregate_id=row["aggregate_id"], event_id=row["event_id"],
            event_type=row["event_type"], body=row["body"],
        )
        for row in rows
    ]


def drop_delivered(db: ReadDatabase, webhook_id: str, positions: Sequence[int]) -> None:
    """Called only once the deliveries are recorded in the log: a crash before it means a re-send, not a loss."""
    if not positions:
        return
    with db.begin() as conn:
        conn.execute(delete(webhook_outbox).where(
            and_(webhook_outbox.c.webhook_id == webhook_id, webhook_outbox.c.position.in_(list(positions)))
        ))


def forget_webhook(db: ReadDatabase, webhook_id: str) -> None:
    """A removed webhook's queue and intake position go; its deliveries and attempts stay readable."""
    with db.begin() as conn:
        conn.execute(delete(webhook_outbox).where(webhook_outbox.c.webhook_id == webhook_id))
        conn.execute(delete(projection_positions).where(projection_positions.c.name == intake_name(webhook_id)))
