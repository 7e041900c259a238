"""Turns PEISONG_DATABASE_URL into eventsourcing's own persistence settings, with hash-chained recorders."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from domain.settings import Settings

SQLITE_RECORDER = "domain.chain:ChainedSQLiteRecorder"
POSTGRES_RECORDER = "domain.chain:ChainedPostgresRecorder"


def event_store_env(settings: Settings) -> dict[str, str]:
    if settings.is_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER,
        }
    url = urlparse(settings.database_url)
    if url.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ValueError(f"unsupported database URL scheme {url.scheme!r}")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.removeprefix("/"),
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or ""),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        # The pool opens its base size eagerly: keep it small so many processes (workers, racers, CI's
        # parallel tests) stay far below PostgreSQL's max_connections; bursts borrow from the overflow.
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "8",
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_SCHEMA": "public",
        "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER,
    }
