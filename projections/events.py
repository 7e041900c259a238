"""The stored log as plain records: for change feeds, subscriptions and the auditors' history.

Records are decoded on demand from the event store itself (not from a projection), so a
feed is never behind the log and needs no rebuild.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any, Collection, Sequence
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.sqlite import SQLiteApplicationRecorder

from domain.audit import ACTOR, CAUSATION_ID, COMMAND, CORRELATION_ID, metadata_of
from domain.errors import InvalidInput
from projections.decoding import event_class
from projections.views import EventRecord

# Notifications read per query while scanning the log for matching records.
SCAN_PAGE = 1_000
# Infrastructure fields of every stored event; the record carries them as its own attributes.
ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic", "metadata"})
# Fields kept in the log but never shown to its readers, by aggregate type: a webhook's signing
# secret is recorded because the delivery worker signs with it after a restart; no one reads it back.
REDACTED: dict[str, frozenset[str]] = {"WebhookSubscription": frozenset({"secret"})}
REDACTION = "[redacted]"


def plain(value: Any) -> Any:
    """A payload value as JSON-able data: Decimal and UUID as text, times as ISO text, tuples as lists."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    return str(value)


def redacted(aggregate_type: str, fields: dict[str, Any]) -> dict[str, Any]:
    hidden = REDACTED.get(aggregate_type)
    if not hidden:
        return fields
    return {name: REDACTION if name in hidden else value for name, value in fields.items()}


@lru_cache(maxsize=1024)
def names_of(topic: str) -> tuple[str, str]:
    """(aggregate type, event type) a stored topic stands for, e.g. ("Order", "OrderPlaced")."""
    cls = event_class(topic)
    qualname = cls.__qualname__ if cls is not None else topic.rpartition(":")[2]
    *outer, event_type = qualname.split(".")
    return (outer[-1] if outer else ""), event_type


def event_record(app: Any, notification: Notification) -> EventRecord:
    event = app.mapper.to_domain_event(notification)
    aggregate_type, event_type = names_of(notification.topic)
    audit = metadata_of(event)
    return EventRecord(
        position=notification.id,
        aggregate_id=str(notification.originator_id),
        aggregate_type=aggregate_type,
        version=notification.originator_version,
        event_type=event_type,
        timestamp=event.timestamp,
        data=redacted(aggregate_type, {name: plain(value) for name, value in vars(event).items() if name not in ENVELOPE}),
        actor=audit.get(ACTOR),
        command=audit.get(COMMAND),
        correlation_id=audit.get(CORRELATION_ID),
        causation_id=audit.get(CAUSATION_ID),
    )


def read_events(
    app: Any,
    *,
    after: int = 0,
    limit: int = 100,
    types: Collection[str] | None = None,
    aggregate_id: str | UUID | None = None,
    aggregate_type: str | None = None,
) -> list[EventRecord]:
    """Up to `limit` records after position `after`, in log order, matching every filter given.

    A feed resumes by passing the last position it saw as `after`: nothing is lost or repeated.
    """
    if limit <= 0:
        return []
    wanted = frozenset(types) if types else None

    def matches(topic: str) -> bool:
        owner, name = names_of(topic)
        return (wanted is None or name in wanted) and (aggregate_type is None or owner == aggregate_type)

    if aggregate_id is not None:
        # One aggregate's events come from its own index, not from a scan of the whole log.
        found = [n for n in positioned_events(app, aggregate_id) if n.id > after and matches(n.topic)]
        return [event_record(app, n) for n in found[:limit]]

    records: list[EventRecord] = []
    start = after
    head = app.recorder.max_notification_id() or 0
    while len(records) < limit and start < head:
        page = app.recorder.select_notifications(start=start, limit=SCAN_PAGE, stop=head, inclusive_of_start=False)
        if not page:
            break
        for notification in page:
            if matches(notification.topic):
                records.append(event_record(app, notification))
                if len(records) == limit:
                    break
        start = page[-1].id
    return records


def aggregate_history(app: Any, aggregate_id: str | UUID) -> list[EventRecord]:
    """Every event of one aggregate, oldest first, each with its position in the log."""
    return [event_record(app, n) for n in positioned_events(app, aggregate_id)]


def aggregate_state_at(
    app: Any, aggregate_id: str | UUID, *, version: int | None = None, as_of: datetime | None = None
) -> dict[str, Any] | None:
    """The aggregate as it stood at `version`, or at business time `as_of` (ties: the later event), as plain data.

    None if it did not exist yet (or at all).
    """
    uuid = _uuid(aggregate_id)
    history = positioned_events(app, uuid)
    if not history:
        return None
    if as_of is not None:
        stamps = [(n.originator_version, app.mapper.to_domain_event(n).timestamp) for n in history]
        reached = [v for v, stamp in stamps if stamp <= as_of]
        if not reached:
            return None
        version = min(reached[-1], version) if version is not None else reached[-1]
    if version is not None and version < 1:
        return None
    aggregate = app.repository.get(uuid, version=version)
    state = {name: plain(value) for name, value in vars(aggregate).items() if not name.startswith("_")}
    aggregate_type, _ = names_of(history[0].topic)
    return {
        "id": str(aggregate.id), "type": aggregate_type, "version": aggregate.version,
        "created_on": aggregate.created_on.isoformat(), "modified_on": aggregate.modified_on.isoformat(),
        "state": redacted(aggregate_type, state),
    }


def positioned_events(app: Any, aggregate_id: str | UUID) -> list[Notification]:
    """One aggregate's stored events with their log positions (eventsourcing's event store drops them).

    Read through the store's primary key (originator_id, originator_version), so the cost
    is the aggregate's length, not the log's.
    """
    uuid = _uuid(aggregate_id)
    recorder = app.recorder
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _sqlite_events(recorder, uuid)
    if _is_postgres(recorder):
        return _postgres_events(recorder, uuid)
    return _scan_for(recorder, uuid)


def _is_postgres(recorder: Any) -> bool:
    try:
        from eventsourcing.postgres import PostgresApplicationRecorder
    except ImportError:  # psycopg is an optional dependency
        return False
    return isinstance(recorder, PostgresApplicationRecorder)


def _uuid(aggregate_id: str | UUID) -> UUID:
    if isinstance(aggregate_id, UUID):
        return aggregate_id
    try:
        return UUID(str(aggregate_id))
    except ValueError:
        raise InvalidInput("not an aggregate id", field="aggregateId", aggregate_id=aggregate_id) from None


def _sqlite_events(recorder: Any, uuid: UUID) -> list[Notification]:
    key = uuid.hex if recorder.datastore.originator_id_type == "uuid" else str(uuid)
    statement = (
        f"SELECT rowid, originator_version, topic, state FROM {recorder.events_table_name} "
        "WHERE originator_id=? ORDER BY originator_version"
    )
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, [key])
        rows = cursor.fetchall()
    return [
        Notification(id=row[0], originator_id=uuid, originator_version=row[1], topic=row[2], state=row[3])
        for row in rows
    ]


def _postgres_events(recorder: Any, uuid: UUID) -> list[Notification]:
    from psycopg.sql import SQL, Identifier

    statement = SQL(
        "SELECT notification_id, originator_version, topic, state FROM {schema}.{table} "
        "WHERE originator_id = %s ORDER BY originator_version"
    ).format(schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
    key: Any = uuid if recorder.datastore.originator_id_type == "uuid" else str(uuid)
    with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
        cursor.execute(statement, [key])
        rows = cursor.fetchall()
    return [
        Notification(
            id=row["notification_id"], originator_id=uuid, originator_version=row["originator_version"],
            topic=row["topic"], state=bytes(row["state"]),
        )
        for row in rows
    ]


def _scan_for(recorder: Any, uuid: UUID) -> list[Notification]:
    """Any other recorder (e.g. in-memory): read the whole log and keep this aggregate's events."""
    found: list[Notification] = []
    start = 0
    while True:
        page: Sequence[Notification] = recorder.select_notifications(start=start, limit=SCAN_PAGE, inclusive_of_start=False)
        if not page:
            return found
        found.extend(n for n in page if n.originator_id == uuid or str(n.originator_id) == str(uuid))
        start = page[-1].id

