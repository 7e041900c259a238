"""Tamper evidence: every stored event carries a hash chained to the one before it in the log.

    link(n) = sha256(link(n-1) + f"{position}\\n{originator_id}\\n{version}\\n{topic}\\n".encode() + state)

with link(0) = 32 zero bytes, `originator_id` in its canonical text form and `state` the
stored bytes exactly. The links live in a side table (`<events table>_chain`, one row per
position) that eventsourcing's own table and statements never see; the recorders below
write them in the very transaction that inserts the events, after the positions are
assigned, so an event never exists without its link. On PostgreSQL the log order is
fixed by the notification id sequence under eventsourcing's table lock, which the insert
already holds when the links are computed, so concurrent writers chain one after another.

Changing one stored byte breaks the link at that position. Rewriting a stretch and every
hash after it is only caught against a head hash kept elsewhere: `peisong audit verify`
prints it, and an export carries it on its last line.

A store written before chaining existed is anchored when first opened: its existing
events are chained as they are then.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator, Protocol, Sequence
from uuid import UUID

from eventsourcing.persistence import InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry

GENESIS = bytes(32)
EVENT_SCHEMA_LOCK_KEY = 0x5E150_0002  # beside projections.database.SCHEMA_LOCK_KEY
CHAIN_SUFFIX = "_chain"
REMOVED = "a chain link has no event: an event was removed"
PAGE = 5_000


def link(previous: bytes, position: int, originator_id: UUID | str, version: int, topic: str, state: bytes) -> bytes:
    header = f"{position}\n{canonical_id(originator_id)}\n{version}\n{topic}\n".encode()
    return hashlib.sha256(previous + header + state).digest()


def canonical_id(originator_id: UUID | str) -> str:
    return str(originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id)))


class ChainedRecorder:
    """The side table's name, shared by both chained recorders."""

    events_table_name: str

    @property
    def chain_table_name(self) -> str:
        return self.events_table_name + CHAIN_SUFFIX


class ChainReader(Protocol):
    """What the verifier and the exporter read: the log and its links."""

    def max_notification_id(self) -> int | None: ...

    def select_notifications(
        self, start: int | None, limit: int, stop: int | None = None, topics: Sequence[str] = (),
        *, inclusive_of_start: bool = True,
    ) -> Sequence[Notification]: ...

    def select_links(self, after: int, upto: int) -> list[tuple[int, bytes]]:
        """(position, hash) of every link in (after, upto], in log order."""


def _links_for(previous: bytes, rows: Sequence[tuple[int, Any, int, str, bytes]]) -> list[tuple[int, bytes]]:
    links = []
    for position, originator_id, version, topic, state in rows:
        previous = link(previous, position, originator_id, version, topic, bytes(state))
        links.append((position, previous))
    return links


class ChainedSQLiteRecorder(ChainedRecorder, SQLiteApplicationRecorder):
    """Reads back what it has just inserted to link it: an in-process query costs microseconds."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.chain_table_name} (position INTEGER PRIMARY KEY, hash BLOB NOT NULL)",
        ]

    @retry(OperationalError, max_attempts=20, wait=0.1)
    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as c:
            # A statement that writes (nothing) takes the write lock first: no other process
            # can extend the log between reading the chain's end and writing after it.
            c.execute(f"DELETE FROM {self.chain_table_name} WHERE position < 0")
            self._extend_chain(c)

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if positions:
            self._extend_chain(c)
        return positions

    def _extend_chain(self, c: SQLiteCursor) -> None:
        """Link every event after the chain's end (inside the caller's write transaction)."""
        c.execute(f"SELECT position, hash FROM {self.chain_table_name} ORDER BY position DESC LIMIT 1")
        last = c.fetchone()
        after, previous = (last[0], bytes(last[1])) if last else (0, GENESIS)
        c.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name} "
            "WHERE rowid > ? ORDER BY rowid", [after],
        )
        rows = [tuple(row) for row in c.fetchall()]
        if rows:
            c.executemany(f"INSERT INTO {self.chain_table_name} (position, hash) VALUES (?, ?)", _links_for(previous, rows))

    def select_links(self, after: int, upto: int) -> list[tuple[int, bytes]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position, hash FROM {self.chain_table_name} WHERE position > ? AND position <= ? "
                "ORDER BY position", [after, upto],
            )
            return [(row[0], bytes(row[1])) for row in c.fetchall()]


@lru_cache(maxsize=1)
def chained_postgres_recorder() -> type:
    """The PostgreSQL recorder, built on first use: psycopg is an optional dependency."""
    from psycopg.sql import SQL, Identifier

    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    class ChainedPostgresRecorder(ChainedRecorder, PostgresApplicationRecorder):
        """Links what it inserts from what it sent (every round trip counts here), in one transaction."""

        def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
            super().__init__(datastore, events_table_name=events_table_name)
            self.check_identifier_length(self.chain_table_name)
            schema = Identifier(self.datastore.schema)
            chain = Identifier(self.chain_table_name)
            events = Identifier(self.events_table_name)
            self.sql_create_statements.append(SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} (position bigint PRIMARY KEY, hash bytea NOT NULL)"
            ).format(schema=schema, chain=chain))
            # The chain's end, and whether any event lies between it and `first` without a link
            # (only in a store written before chaining): one round trip in the usual case.
            self._chain_end = SQL(
                "SELECT last.position, last.hash, EXISTS (SELECT 1 FROM {schema}.{events} "
                "WHERE notification_id > COALESCE(last.position, 0) AND notification_id < %s) AS gap "
                "FROM (SELECT 1) AS one LEFT JOIN "
                "(SELECT position, hash FROM {schema}.{chain} ORDER BY position DESC LIMIT 1) AS last ON true"
            ).format(schema=schema, chain=chain, events=events)
            self._unlinked = SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state FROM {schema}.{events} "
                "WHERE notification_id > %s ORDER BY notification_id"
            ).format(schema=schema, events=events)
            self._insert_links = SQL("INSERT INTO {schema}.{chain} (position, hash) VALUES (%s, %s)").format(
                schema=schema, chain=chain)
            self._select_links = SQL(
                "SELECT position, hash FROM {schema}.{chain} WHERE position > %s AND position <= %s ORDER BY position"
            ).format(schema=schema, chain=chain)

        def create_table(self) -> None:
            """Processes starting together take turns: PostgreSQL's catalogue refuses concurrent
            CREATE OR REPLACE of the same function ("tuple concurrently updated")."""
            with self.datastore.get_connection() as lock:
                lock.execute("SELECT pg_advisory_lock(%s)", [EVENT_SCHEMA_LOCK_KEY])
                try:
                    super().create_table()
                finally:
                    lock.execute("SELECT pg_advisory_unlock(%s)", [EVENT_SCHEMA_LOCK_KEY])
            self._anchor()

        @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
        def _anchor(self) -> None:
            with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
                self._lock_table(curs)
                self._extend_chain(curs, [])

        @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
        def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
            """Events, then their links, in one transaction under the table lock the insert takes."""
            if not stored_events:
                return []
            failure: Exception | None = None
            with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
                with conn.pipeline() as pipeline:
                    try:
                        self._insert_stored_events(curs, stored_events, **kwargs)  # lock, notify, insert
                        pipeline.sync()
                        positions = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
                    except Exception as error:  # raised after the pipeline, as eventsourcing does
                        failure = error
                if failure is not None:
                    raise failure
                new = [(p, e.originator_id, e.originator_version, e.topic, e.state) for p, e in zip(positions, stored_events)]
                self._extend_chain(curs, new)
            return positions

        def _extend_chain(self, curs: Any, new: list[tuple[int, Any, int, str, bytes]]) -> None:
            """Link `new` (just inserted), and any events before them still without a link."""
            curs.execute(self._chain_end, [new[0][0] if new else 2**63 - 1])
            end = curs.fetchone()
            after, previous = (end["position"], bytes(end["hash"])) if end["position"] is not None else (0, GENESIS)
            rows = new
            if end["gap"]:
                curs.execute(self._unlinked, [after])
                rows = [
                    (r["notification_id"], r["originator_id"], r["originator_version"], r["topic"], r["state"])
                    for r in curs.fetchall()
                ]
            if rows:
                curs.executemany(self._insert_links, _links_for(previous, rows))

        @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
        def select_links(self, after: int, upto: int) -> list[tuple[int, bytes]]:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self._select_links, [after, upto])
                return [(row["position"], bytes(row["hash"])) for row in curs.fetchall()]

    return ChainedPostgresRecorder


def __getattr__(name: str) -> Any:
    """`domain.chain:ChainedPostgresRecorder`, the topic domain/store.py names, without importing psycopg up front."""
    if name == "ChainedPostgresRecorder":
        return chained_postgres_recorder()
    raise AttributeError(name)


# -- walking the chain --------------------------------------------------------------------


@dataclass(frozen=True)
class ChainLink:
    """One event of the log with its link, as an export writes it."""

    position: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes
    hash: bytes


@dataclass(frozen=True)
class ChainReport:
    checked: int
    seconds: float
    head_position: int
    head_hash: bytes
    broken_at: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    @property
    def rate(self) -> float:
        return self.checked / self.seconds if self.seconds > 0 else float(self.checked)


class ChainBroken(Exception):
    def __init__(self, position: int, problem: str) -> None:
        super().__init__(f"position {position}: {problem}")
        self.position = position
        self.problem = problem


def walk(recorder: ChainReader, upto: int | None = None, page: int = PAGE) -> Iterator[ChainLink]:
    """The log up to `upto` (the head when the walk starts), each event checked against its link.

    Raises ChainBroken at the first position whose link is missing, does not match its
    event and the link before it, or has no event any more.
    """
    head = (recorder.max_notification_id() or 0) if upto is None else upto
    previous, position = GENESIS, 0
    while position < head:
        events = recorder.select_notifications(start=position, limit=page, stop=head, inclusive_of_start=False)
        reached = events[-1].id if events else head
        links = dict(recorder.select_links(position, reached))
        linked = iter(sorted(links))
        for event in events:
            if (orphan := next(linked, None)) is not None and orphan < event.id:
                raise ChainBroken(orphan, REMOVED)
            stored = links.pop(event.id, None)
            if stored is None:
                raise ChainBroken(event.id, "the event has no chain link")
            if link(previous, event.id, event.originator_id, event.originator_version, event.topic, event.state) != stored:
                raise ChainBroken(event.id, "the event does not match its chain link")
            previous = stored
            yield ChainLink(
                event.id, canonical_id(event.originator_id), event.originator_version, event.topic, event.state, stored,
            )
        if links:
            raise ChainBroken(min(links), REMOVED)
        position = reached


def verify(recorder: ChainReader, progress: Callable[[int, int], None] | None = None) -> ChainReport:
    """Walk the whole log; the report names the first broken position, if any."""
    started = time.perf_counter()
    head = recorder.max_notification_id() or 0
    checked, last = 0, ChainLink(0, "", 0, "", b"", GENESIS)
    try:
        for last in walk(recorder, head):
            checked += 1
            if progress is not None and checked % PAGE == 0:
                progress(last.position, head)
    except ChainBroken as broken:
        return ChainReport(checked, time.perf_counter() - started, last.position, last.hash, broken.position, broken.problem)
    return ChainReport(checked, time.perf_counter() - started, last.position, last.hash)
