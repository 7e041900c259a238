"""The read models' database: a SQLite file beside the event store, or the same PostgreSQL database."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, text
from sqlalchemy.pool import StaticPool

from domain.settings import Settings

# Every projection registers its tables here, so one call creates (or drops) them all.
metadata = MetaData()

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant will do: it only has to be the same in every Peisong process.
SCHEMA_LOCK_KEY = 0x5E150_0001


def read_database_url(settings: Settings) -> str:
    """Where the read models live for these settings (SQLAlchemy URL)."""
    if settings.is_sqlite:
        path = settings.sqlite_path
        if str(path) in ("", ":memory:"):
            return "sqlite://"
        return f"sqlite:///{read_path_beside(path)}"
    scheme, _, rest = settings.database_url.partition("://")
    if scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ValueError(f"unsupported database URL scheme {scheme!r}")
    return f"postgresql+psycopg://{rest}"


def read_path_beside(store: Path) -> Path:
    """`peisong.db` -> `peisong.read.db`: rebuildable data kept apart from the log it derives from."""
    return store.with_name(f"{store.stem}.read.db")


class ReadDatabase:
    """One engine for every projection; writers take the SQLite write lock up front.

    SQLite: WAL, so API reads never wait for the projector, and BEGIN IMMEDIATE for
    writes, so a read-then-write batch cannot fail halfway on a lock upgrade.
    `synchronous=NORMAL` may lose the last commits on power loss, never consistency:
    rows and positions commit together, so the runner just replays from its position.
    """

    def __init__(self, settings: Settings, url: str | None = None) -> None:
        self.settings = settings
        self.url = url or read_database_url(settings)
        self.engine: Engine = self._create_engine(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def create_all(self) -> None:
        """Create whatever tables are missing; processes starting together take turns."""
        # The projection modules declare their tables on import; make sure all are known.
        import projections.registry  # noqa: F401

        with self.begin() as conn:
            if not self.is_sqlite:
                # Concurrent CREATE TABLEs clash on PostgreSQL's catalogue; SQLite's write lock already serialises.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            metadata.create_all(conn)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        with self.engine.connect() as conn:
            conn.execution_options(peisong_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot for every query inside the block."""
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()

    def _create_engine(self, url: str) -> Engine:
        if not url.startswith("sqlite"):
            return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
        if url == "sqlite://":
            engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy issues BEGIN itself (see _begin_sqlite): pysqlite's own handling skips it for SELECT and DDL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("peisong_write") else "BEGIN")
