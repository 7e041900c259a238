"""Follows the application's log and keeps every projection and policy at its own position, exactly once.

Wake-ups: each save in this process (`app.on_saved`), LISTEN/NOTIFY on PostgreSQL, and
polling as the floor. Each batch of a follower commits with its position; a failed batch
rolls back and is retried from that position, so no event is skipped or applied twice.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, Iterable

from domain.policies import POLICIES, Policy
from projections.database import ReadDatabase
from projections.decoding import EventDecoder
from projections.followers import Follower, PolicyFollower, ProjectionFollower
from projections.positions import PositionConflict, ensure_positions, read_positions
from projections.projector import Projector
from projections.registry import ALL
from projections.views import ProjectionLag

log = logging.getLogger("peisong.projections")

BATCH_SIZE = 2_000
POLL_INTERVAL = 0.5
MAX_BACKOFF = 30.0
# How often a waiter re-reads positions when another process runs the projections.
REMOTE_POLL = 0.05


class ProjectionFailed(RuntimeError):
    """Some followers failed in this pass (the others went on); each is retried from its position."""

    def __init__(self, failures: dict[str, BaseException]) -> None:
        super().__init__("; ".join(f"{name}: {error!r}" for name, error in failures.items()))
        self.failures = failures


class ProjectionRunner:
    def __init__(
        self,
        app: Any,
        db: ReadDatabase,
        projections: Iterable[Projector] = ALL,
        policies: Iterable[Policy] = POLICIES,
        *,
        batch_size: int = BATCH_SIZE,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.app = app
        self.db = db
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.followers: list[Follower] = [
            *(ProjectionFollower(p) for p in projections), *(PolicyFollower(p) for p in policies),
        ]
        names = [f.name for f in self.followers]
        if len(set(names)) != len(names):
            raise ValueError(f"follower names must be unique: {names}")
        db.create_all()
        self._positions = {name: position for name, position in ensure_positions(db, names).items() if name in names}
        self._decoder = EventDecoder(app)
        self._condition = threading.Condition()
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[bool]]] = []
        self._pass_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        self._subscription: Any = None

    # -- processing ----------------------------------------------------------------------

    def run_once(self) -> int:
        """Bring every follower up to the head as it is now; return how many notifications were read.

        Raises ProjectionFailed after the pass if any follower failed (its batch rolled back).
        """
        with self._pass_lock:
            self._refresh_positions()
            head = self.head()
            failures: dict[str, BaseException] = {}
            processed = 0
            while active := [f for f in self.followers if f.name not in failures and self._positions[f.name] < head]:
                processed += self._run_batch(active, head, failures)
            if failures:
                self._refresh_positions()
                raise ProjectionFailed(failures)
            return processed

    def _run_batch(self, active: list[Follower], head: int, failures: dict[str, BaseException]) -> int:
        """One read of the log from the furthest-behind follower, offered to every follower it concerns."""
        start = min(self._positions[f.name] for f in active)
        notifications = self.app.recorder.select_notifications(
            start=start, limit=self.batch_size, stop=head, inclusive_of_start=False,
        )
        end = notifications[-1].id if notifications else head
        wanted: dict[type, bool] = {}

        def someone_wants(cls: type) -> bool:
            if cls not in wanted:
                wanted[cls] = any(f.wants(cls) for f in active)
            return wanted[cls]

        changes = self._decoder.decode(notifications, someone_wants)
        for follower in active:
            expected = self._positions[follower.name]
            if expected >= end:
                continue  # further along than this batch reaches
            mine = [c for c in changes if c.position > expected and follower.wants(c.kind)]
            try:
                follower.process(self.app, self.db, mine, expected, end)
            except Exception as error:
                failures[follower.name] = error
                if not isinstance(error, PositionConflict):
                    log.exception("%s failed after position %s; will retry", follower.name, expected)
            else:
                self._advanced(follower.name, end)
        return len(notifications)

    def catch_up(self) -> int:
        """Run passes until one finds nothing new (the policies' own commands included)."""
        total = 0
        while processed := self.run_once():
            total += processed
        return total

    # -- the background thread -----------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self.app.on_saved.append(self._on_saved)
        self._thread = threading.Thread(target=self._loop, name="peisong-projections", daemon=True)
        self._thread.start()
        self._listen_for_appends()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._subscription is not None:
            self._subscription.stop()
        for thread in (self._thread, self._listener):
            if thread is not None:
                thread.join(timeout)
        self._thread = self._listener = self._subscription = None
        if self._on_saved in self.app.on_saved:
            self.app.on_saved.remove(self._on_saved)

    def _loop(self) -> None:
        delay = self.poll_interval
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.run_once()
            except ProjectionFailed:
                self._stopping.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            except Exception:
                log.exception("projection pass failed; will retry")
                self._stopping.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            delay = self.poll_interval
            self._wake.wait(self.poll_interval)

    def _on_saved(self, position: int) -> None:
        self._wake.set()

    def _listen_for_appends(self) -> None:
        """On PostgreSQL, eventsourcing's LISTEN/NOTIFY subscription wakes the runner on every append."""
        try:
            subscription = self.app.recorder.subscribe(gt=self.head())
        except NotImplementedError:
            return  # SQLite: the in-process wake-up and polling are all there is
        self._subscription = subscription

        def wake_on_append() -> None:
            try:
                with subscription:
                    for _ in subscription:
                        self._wake.set()
            except Exception:
                if not self._stopping.is_set():
                    log.warning("LISTEN/NOTIFY subscription ended; polling only", exc_info=True)

        self._listener = threading.Thread(target=wake_on_append, name="peisong-projections-listen", daemon=True)
        self._listener.start()

    # -- positions, waiting and lag ------------------------------------------------------

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def position(self, name: str) -> int:
        return self._positions[name]

    def wait_for(self, position: int, timeout: float) -> bool:
        """Block until every projection has reached `position` (read-your-writes); False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._condition:
                if self._reached(position):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                if self.running:
                    return self._condition.wait_for(lambda: self._reached(position), remaining)
                self._condition.wait(min(remaining, REMOTE_POLL))
            self._refresh_positions()

    async def await_position(self, position: int, timeout: float) -> bool:
        """`wait_for` for async resolvers: the event loop keeps serving while this waits."""
        if self._reached(position):
            return True
        deadline = time.monotonic() + timeout
        if not self.running:
            while (remaining := deadline - time.monotonic()) > 0:
                await asyncio.sleep(min(remaining, REMOTE_POLL))
                await asyncio.to_thread(self._refresh_positions)
                if self._reached(position):
                    return True
            return False
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        waiter = (position, loop, future)
        with self._condition:
            if self._reached(position):
                return True
            self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, max(deadline - time.monotonic(), 0))
        except asyncio.TimeoutError:
            return self._reached(position)
        finally:
            with self._condition:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def lags(self) -> list[ProjectionLag]:
        """Head minus position for every projection and policy, as stored (so any process's runner counts)."""
        with self.db.read() as conn:
            stored = read_positions(conn)
        head = self.head()
        return [ProjectionLag(name=f.name, position=stored.get(f.name, 0), head=head) for f in self.followers]

    def _reached(self, position: int) -> bool:
        return all(self._positions[f.name] >= position for f in self.followers if f.is_projection)

    def _advanced(self, name: str, position: int) -> None:
        with self._condition:
            self._positions[name] = position
            self._condition.notify_all()
            self._resolve_waiters()

    def _refresh_positions(self) -> None:
        with self.db.read() as conn:
            stored = read_positions(conn)
        with self._condition:
            for name in self._positions:
                self._positions[name] = stored.get(name, 0)
            self._condition.notify_all()
            self._resolve_waiters()

    def _resolve_waiters(self) -> None:
        for waiter in list(self._waiters):
            position, loop, future = waiter
            if self._reached(position):
                self._waiters.remove(waiter)
                try:
                    loop.call_soon_threadsafe(_set_true, future)
                except RuntimeError:
                    pass  # that event loop has closed; nobody is waiting any more


def _set_true(future: asyncio.Future[bool]) -> None:
    if not future.done():
        future.set_result(True)
