"""The rows a batch of events touches: read once, changed in memory, written back once.

Incremental runs and rebuilds go through the same batches, so both end in the same tables;
only the batch size differs.
"""

from __future__ import annotations

from typing import Any, Hashable, Iterable

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.sql import ColumnElement

# Keys per IN (...) query: well under every driver's parameter limit.
CHUNK = 500


class RowBatch:
    """One table's rows keyed by one column, as plain dicts."""

    def __init__(self, table: Table, key: str) -> None:
        self.table = table
        self.key = key
        self.columns = frozenset(table.c.keys())
        self.rows: dict[Hashable, dict[str, Any]] = {}
        self._stored: set[Hashable] = set()
        self._looked_up: set[Hashable] = set()
        self._dirty: dict[Hashable, None] = {}

    def load(self, conn: Connection, keys: Iterable[Hashable]) -> None:
        """Read the stored rows for `keys` (each key at most once per batch)."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self._looked_up]
        self._looked_up.update(wanted)
        column = self.table.c[self.key]
        for start in range(0, len(wanted), CHUNK):
            self._keep(conn, column.in_(wanted[start:start + CHUNK]))

    def load_where(self, conn: Connection, *criteria: ColumnElement[bool]) -> None:
        """Read the stored rows matching `criteria` (rows already in the batch stay as they are)."""
        self._keep(conn, *criteria)

    def _keep(self, conn: Connection, *criteria: ColumnElement[bool]) -> None:
        for row in conn.execute(select(self.table).where(*criteria)).mappings():
            key = row[self.key]
            self._looked_up.add(key)
            if key not in self.rows:
                self.rows[key] = dict(row)
                self._stored.add(key)

    def get(self, key: Hashable) -> dict[str, Any] | None:
        return self.rows.get(key)

    def add(self, row: dict[str, Any]) -> dict[str, Any]:
        """A new row; it replaces any row with the same key."""
        if row.keys() != self.columns:
            raise ValueError(f"{self.table.name} row needs exactly {sorted(self.columns)}, got {sorted(row)}")
        key = row[self.key]
        self.rows[key] = row
        self._dirty[key] = None
        return row

    def change(self, key: Hashable) -> dict[str, Any] | None:
        """The row to change in place (marked for writing back), or None if there is none."""
        row = self.rows.get(key)
        if row is not None:
            self._dirty[key] = None
        return row

    def flush(self, conn: Connection) -> None:
        """Insert the new rows and update the changed ones, each in one executemany."""
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for key in self._dirty:
            row = self.rows[key]
            if key in self._stored:
                changed = {name: value for name, value in row.items() if name != self.key}
                changed["key_"] = key
                updates.append(changed)
            else:
                inserts.append(row)
        if inserts:
            conn.execute(self.table.insert(), inserts)
        if updates:
            statement = self.table.update().where(self.table.c[self.key] == bindparam("key_"))
            conn.execute(statement, updates)
        self._stored.update(self._dirty)
        self._dirty.clear()
