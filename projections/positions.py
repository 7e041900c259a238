"""How far each projection and policy has read the log, written in the same transaction as its effects."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, String, Table, select, update
from sqlalchemy.exc import IntegrityError

from projections.database import ReadDatabase, metadata

projection_positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("position", BigInteger, nullable=False),
)


class PositionConflict(RuntimeError):
    """Another runner moved this position first: its work stands, ours is rolled back."""

    def __init__(self, name: str, expected: int) -> None:
        super().__init__(f"position of {name} is no longer {expected}")
        self.name = name
        self.expected = expected


def read_positions(conn: Connection) -> dict[str, int]:
    return {name: int(position) for name, position in conn.execute(select(projection_positions))}


def ensure_positions(db: ReadDatabase, names: list[str]) -> dict[str, int]:
    """Every name has a position row (new ones start at 0); returns all positions."""
    for _ in range(3):
        try:
            with db.begin() as conn:
                positions = read_positions(conn)
                missing = [{"name": name, "position": 0} for name in names if name not in positions]
                if missing:
                    conn.execute(projection_positions.insert(), missing)
                positions.update({row["name"]: 0 for row in missing})
                return positions
        except IntegrityError:
            # Another runner created them at the same moment: read again.
            continue
    with db.read() as conn:
        return read_positions(conn)


def advance_position(conn: Connection, name: str, expected: int, position: int) -> None:
    """Move `name` from `expected` to `position`, or raise PositionConflict if someone else moved it."""
    result = conn.execute(
        update(projection_positions)
        .where(projection_positions.c.name == name, projection_positions.c.position == expected)
        .values(position=position)
    )
    if result.rowcount != 1:
        raise PositionConflict(name, expected)


def set_position(conn: Connection, name: str, position: int) -> None:
    """Put `name` at `position` regardless of where it was (a rebuild starts again from zero)."""
    result = conn.execute(
        update(projection_positions).where(projection_positions.c.name == name).values(position=position)
    )
    if result.rowcount == 0:
        conn.execute(projection_positions.insert().values(name=name, position=position))
