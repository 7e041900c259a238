"""This process's copy of the revoked tokens, re-read from the access projection at most once a second.

Checking every request against the database would put a query in front of each one;
the list is small and changes rarely, so each API process keeps it and re-reads it when
it is older than `settings.revocation_refresh_seconds`. A revocation thus reaches every
process within about that long plus the projection's lag, and the process that recorded
it at once (`refresh_now`). If the re-read fails, the last list stays in force and the
next request tries again.
"""

from __future__ import annotations

import logging
import threading
import time

from api.auth import Principal
from projections.access import revocations
from projections.database import ReadDatabase
from projections.views import RevocationsView

log = logging.getLogger("peisong.api")


class RevocationCache:
    def __init__(self, db: ReadDatabase, refresh_seconds: float) -> None:
        self.db = db
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._view = RevocationsView(token_ids=frozenset(), subjects={})
        self._read_at = float("-inf")

    def is_revoked(self, principal: Principal) -> bool:
        view = self.current()
        if principal.token_id is not None and principal.token_id in view.token_ids:
            return True
        cut_off = view.subjects.get(principal.subject) if principal.subject is not None else None
        return cut_off is not None and principal.issued_at is not None and principal.issued_at <= cut_off

    def current(self) -> RevocationsView:
        if time.monotonic() - self._read_at >= self.refresh_seconds:
            self.refresh_now()
        return self._view

    def refresh_now(self) -> None:
        with self._lock:
            try:
                self._view = revocations(self.db)
            except Exception:
                log.warning("could not re-read the revoked tokens; keeping the last list", exc_info=True)
            self._read_at = time.monotonic()
