"""The one settings object, read from the environment once."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlparse

DEFAULT_DATABASE_URL = "sqlite:///peisong.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    data_dir: Path = Path(".")
    secret_key: str = ""
    default_reorder_threshold: int = 10
    default_stock_take_days: int = 30
    token_ttl_hours: int = 24 * 30
    tracking_token_ttl_hours: int = 24 * 7
    read_wait_seconds: float = 5.0
    max_query_depth: int = 12
    max_query_tokens: int = 2000
    max_page_size: int = 500

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        env = os.environ
        base = cls(
            database_url=env.get("PEISONG_DATABASE_URL", DEFAULT_DATABASE_URL),
            default_reorder_threshold=int(env.get("PEISONG_REORDER_THRESHOLD", "10")),
            default_stock_take_days=int(env.get("PEISONG_STOCK_TAKE_DAYS", "30")),
            token_ttl_hours=int(env.get("PEISONG_TOKEN_TTL_HOURS", str(24 * 30))),
            read_wait_seconds=float(env.get("PEISONG_READ_WAIT_SECONDS", "5")),
        )
        settings = replace(base, **overrides)  # type: ignore[arg-type]
        data_dir = Path(env.get("PEISONG_DATA_DIR") or settings.default_data_dir())
        settings = replace(settings, data_dir=data_dir)
        if not settings.secret_key:
            settings = replace(settings, secret_key=env.get("PEISONG_SECRET_KEY") or settings.kept_secret())
        return settings

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return Path(unquote(urlparse(self.database_url).path.removeprefix("/")))

    def default_data_dir(self) -> Path:
        if self.is_sqlite:
            return self.sqlite_path.parent
        return Path.home() / ".peisong"

    def kept_secret(self) -> str:
        """A signing key generated once and kept in the data directory."""
        path = self.data_dir / "peisong-secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
