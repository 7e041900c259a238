"""The event store's own tables, read and written behind the application's back, as a tamperer would."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any, Callable

from domain.settings import Settings


def _run(settings: Settings, sqlite_sql: str, postgres_sql: str, params: tuple[Any, ...], fetch: bool = False) -> Any:
    if settings.is_sqlite:
        with closing(sqlite3.connect(settings.sqlite_path)) as conn, conn:
            rows = conn.execute(sqlite_sql, params).fetchall()
    else:
        import psycopg

        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            cursor = conn.execute(postgres_sql, params)
            rows = cursor.fetchall() if fetch else []
    return rows


def state_at(settings: Settings, position: int) -> bytes:
    rows = _run(settings, "SELECT state FROM stored_events WHERE rowid = ?",
                "SELECT state FROM peisong_events WHERE notification_id = %s", (position,), fetch=True)
    return bytes(rows[0][0])


def set_state_at(settings: Settings, position: int, state: bytes) -> None:
    _run(settings, "UPDATE stored_events SET state = ? WHERE rowid = ?",
         "UPDATE peisong_events SET state = %s WHERE notification_id = %s", (state, position))


def flip_one_byte(settings: Settings, position: int) -> None:
    """Change one character of a stored event's payload, keeping it valid JSON."""
    state = state_at(settings, position)
    index = state.index(b'"_data_":"') + len(b'"_data_":"')  # inside the timestamp's text
    digit = state[index:index + 1]
    set_state_at(settings, position, state[:index] + (b"1" if digit != b"1" else b"2") + state[index + 1:])


def delete_event(settings: Settings, position: int) -> None:
    _run(settings, "DELETE FROM stored_events WHERE rowid = ?",
         "DELETE FROM peisong_events WHERE notification_id = %s", (position,))


def rewrite_every_state(settings: Settings, change: Callable[[dict[str, Any]], None]) -> None:
    """Decode, change and re-encode every stored payload (to forge a store from before some field existed)."""
    rows = _run(settings, "SELECT rowid, state FROM stored_events", "SELECT notification_id, state FROM peisong_events",
                (), fetch=True)
    for position, state in rows:
        payload = json.loads(bytes(state))
        change(payload)
        set_state_at(settings, position, json.dumps(payload, separators=(",", ":")).encode())
