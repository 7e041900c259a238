"""The outbox as people and the sending worker read it: each notification, each channel's message, what is due."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import BigInteger, Boolean, Column, Connection, Index, Integer, String, Table, Text, and_, or_, select
from sqlalchemy.engine import RowMapping

from domain.notifications import (
    DELIVERED, FAILED, HELD, PENDING, SENT, SUPPRESSED, Notification,
)
from projections.columns import Instant, JsonList
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import check_aware
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import DueMessage, NotificationMessageView, NotificationView

notifications = Table(
    "notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("subject", String(160), nullable=False, index=True),
    Column("topic", String(160), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("order_number", String(64), index=True),
    Column("recipient", String(200), nullable=False, index=True),
    Column("language", String(8), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("suppressed", JsonList, nullable=False),
    Column("queued_at", Instant, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("held_until", Instant),
)

notification_messages = Table(
    "notification_messages",
    metadata,
    Column("key", String(48), primary_key=True),  # "<notification id>:<channel>", the message id
    Column("notification_id", String(36), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("to_address", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("will_retry", Boolean, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("held_until", Instant),
    Column("sent_at", Instant),
    Column("delivered_at", Instant),
    Column("updated_at", Instant, nullable=False),
    Index("ix_notification_messages_due", "status", "position"),
)

QUEUED: type = Notification.NotificationQueued  # type: ignore[attr-defined]
HELD_EVENT: type = Notification.NotificationHeld  # type: ignore[attr-defined]
SENT_EVENT: type = Notification.NotificationSent  # type: ignore[attr-defined]
DELIVERED_EVENT: type = Notification.NotificationDelivered  # type: ignore[attr-defined]
FAILED_EVENT: type = Notification.NotificationFailed  # type: ignore[attr-defined]
SUPPRESSED_EVENT: type = Notification.NotificationSuppressed  # type: ignore[attr-defined]
RETRY_EVENT: type = Notification.NotificationRetryRequested  # type: ignore[attr-defined]
CHANNEL_EVENTS = (SENT_EVENT, DELIVERED_EVENT, FAILED_EVENT, SUPPRESSED_EVENT)


class NotificationsProjector(Projector):
    name = "notifications"
    tables = (notifications, notification_messages)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({QUEUED, HELD_EVENT, RETRY_EVENT, *CHANNEL_EVENTS})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        heads = RowBatch(notifications, "id")
        messages = RowBatch(notification_messages, "key")
        later = list(dict.fromkeys(str(c.event.originator_id) for c in changes if not isinstance(c.event, QUEUED)))
        heads.load(conn, later)
        for start in range(0, len(later), 500):
            messages.load_where(conn, notification_messages.c.notification_id.in_(later[start:start + 500]))
        for position, event in changes:
            key = str(event.originator_id)
            at = event.timestamp
            if isinstance(event, QUEUED):
                heads.add({
                    "id": key, "subject": event.subject, "topic": event.topic, "kind": event.kind,
                    "order_number": event.order, "recipient": event.recipient, "language": event.language,
                    "title": event.title, "text": event.text, "urgent": bool(event.urgent),
                    "suppressed": list(event.suppressed), "queued_at": at, "position": position,
                    "held_until": None,
                })
                for message in event.messages:
                    messages.add({
                        "key": f"{key}:{message['channel']}", "notification_id": key, "channel": message["channel"],
                        "to_address": message["to"], "status": PENDING, "will_retry": True, "attempts": 0,
                        "last_error": "", "position": position, "held_until": None, "sent_at": None,
                        "delivered_at": None, "updated_at": at,
                    })
            elif isinstance(event, HELD_EVENT):
                _row(heads.change(key), key, position)["held_until"] = event.until
                for row in _messages_of(messages, key):
                    if row["status"] == PENDING:
                        row["status"] = HELD
                    row["held_until"] = event.until
            elif isinstance(event, RETRY_EVENT):
                for channel in event.channels:
                    row = _row(messages.change(f"{key}:{channel}"), key, position)
                    row.update(status=PENDING, will_retry=True, updated_at=at)
            else:
                row = _row(messages.change(f"{key}:{event.channel}"), key, position)
                row["updated_at"] = at
                if isinstance(event, SENT_EVENT):
                    row.update(status=SENT, attempts=event.attempt, sent_at=at, last_error="")
                elif isinstance(event, DELIVERED_EVENT):
                    row.update(status=DELIVERED, delivered_at=at)
                elif isinstance(event, FAILED_EVENT):
                    row.update(status=FAILED, attempts=event.attempt, last_error=event.error,
                               will_retry=bool(event.will_retry))
                else:
                    row.update(status=SUPPRESSED, last_error=event.reason)
        heads.flush(conn)
        messages.flush(conn)


def _row(row: dict[str, Any] | None, key: str, position: int) -> dict[str, Any]:
    if row is None:
        raise LookupError(f"notification {key} changed at position {position} but was never queued")
    return row


def _messages_of(batch: RowBatch, notification_id: str) -> list[dict[str, Any]]:
    keys = [key for key, row in batch.rows.items() if row["notification_id"] == notification_id]
    return [batch.change(key) for key in keys]  # type: ignore[misc]


# -- queries: the only way the API and the sending worker read the outbox ----------------------------


def due_messages(db: ReadDatabase, now: datetime, limit: int = 500) -> list[DueMessage]:
    """Messages to try now, oldest first: never tried, failed but worth another try, or held until before `now`."""
    check_aware(now, "now")
    m = notification_messages.c
    waiting = or_(
        m.status == PENDING,
        and_(m.status == FAILED, m.will_retry.is_(True)),
        and_(m.status == HELD, m.held_until <= now),
    )
    with db.read() as conn:
        rows = conn.execute(
            select(m.notification_id, m.channel, m.position).where(waiting).order_by(m.position, m.channel).limit(limit)
        ).all()
    return [DueMessage(notification_id=r[0], channel=r[1], position=int(r[2])) for r in rows]


def notifications_of_order(db: ReadDatabase, number: str) -> list[NotificationView]:
    """Everything the customer was told about an order, its cases and requests included, in queue order."""
    return _notifications(db, notifications.c.order_number == number)


def notifications_of(db: ReadDatabase, subject: str) -> list[NotificationView]:
    return _notifications(db, notifications.c.subject == subject)


def get_notification(db: ReadDatabase, notification_id: str) -> NotificationView | None:
    found = _notifications(db, notifications.c.id == notification_id)
    return found[0] if found else None


def _notifications(db: ReadDatabase, criterion: Any) -> list[NotificationView]:
    with db.read() as conn:
        heads = conn.execute(select(notifications).where(criterion).order_by(notifications.c.position)).mappings().all()
        ids = [row["id"] for row in heads]
        by_id: dict[str, list[RowMapping]] = {i: [] for i in ids}
        if ids:
            for row in conn.execute(
                select(notification_messages).where(notification_messages.c.notification_id.in_(ids))
                .order_by(notification_messages.c.key)
            ).mappings():
                by_id[row["notification_id"]].append(row)
    return [notification_view(row, by_id[row["id"]]) for row in heads]


def overall_status(statuses: Sequence[str]) -> str:
    """A notification's status is that of its least advanced message; with none it was suppressed."""
    for status in (PENDING, HELD, FAILED, SENT, DELIVERED):
        if status in statuses:
            return status
    return SUPPRESSED


def notification_view(row: RowMapping, messages: Sequence[RowMapping]) -> NotificationView:
    return NotificationView(
        id=row["id"], subject=row["subject"], topic=row["topic"], kind=row["kind"], order=row["order_number"],
        recipient=row["recipient"], language=row["language"], title=row["title"], text=row["text"],
        urgent=row["urgent"], queued_at=row["queued_at"], position=row["position"], held_until=row["held_until"],
        status=overall_status([m["status"] for m in messages]), suppressed=list(row["suppressed"]),
        messages=[
            NotificationMessageView(
                channel=m["channel"], to=m["to_address"], status=m["status"], attempts=m["attempts"],
                last_error=m["last_error"], sent_at=m["sent_at"], delivered_at=m["delivered_at"],
                updated_at=m["updated_at"],
            )
            for m in messages
        ],
    )
