"""The planning worker: finds requested plans, claims each through the plan itself, solves it in a child process
and records progress and result, so planning never runs inside a request.

Any number of workers may run, in `peisong serve` or in separate processes on PostgreSQL: a
claim is an event on the plan, recorded with optimistic concurrency, so of two workers
reaching for one plan exactly one gets it. A worker that dies mid-plan stops renewing its
lease (every progress report renews it); once the lease has run out another worker takes the
plan over and plans it afresh.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from api.routing.solving import SolveFailed, SolveStopped, solve_in_child
from domain.audit import acting_as, policy_actor
from domain.errors import DomainError
from domain.routing import PlanningAlreadyClaimed
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.routes import plans_to_solve

log = logging.getLogger("peisong.planning")

ACTOR = policy_actor("planning-worker")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class PlanningWorker:
    def __init__(self, application: Any, db: ReadDatabase, settings: Settings, runner: Any = None,
                 name: str | None = None) -> None:
        self.application = application
        self.db = db
        self.settings = settings
        self.runner = runner
        self.name = name or worker_name()
        self.slots = settings.planning_processes or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="peisong-planning")
        self._in_flight: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifetime ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self.application.on_saved.append(self._saved)
        self._thread = threading.Thread(target=self._loop, name="peisong-planning-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop looking for plans and end the solves under way; their leases run out and another worker
        (or this one, restarted) plans them afresh."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._saved in self.application.on_saved:
            self.application.on_saved.remove(self._saved)

    def _saved(self, position: int) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.poll_once()
            except Exception:
                log.exception("looking for plans to solve failed; will retry")
            self._wake.wait(self.settings.planning_poll_seconds)

    # -- work ----------------------------------------------------------------------------------

    def poll_once(self, skip: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, Future[None]]]:
        """Start solving as many waiting plans as there are free slots (those in `skip` aside)."""
        if self.runner is not None and self.runner.running:
            self.runner.wait_for(self.application.head_position(), self.settings.planning_poll_seconds)
        with self._lock:
            free = self.slots - len(self._in_flight)
            if free <= 0 or self._stopping.is_set():
                return []
            waiting = [p for p in plans_to_solve(self.db, self.application.clock.now(), self.slots * 2 + len(skip))
                       if p not in self._in_flight and p not in skip][:free]
            started = []
            for plan in waiting:
                future = self._pool.submit(self._solve, plan)
                self._in_flight[plan] = future
                started.append((plan, future))
            return started

    def solve_waiting(self) -> list[str]:
        """Solve every plan waiting now, side by side, and return once all are recorded (scripts and benches)."""
        attempted: set[str] = set()
        pending: set[Future[None]] = set()
        while True:
            if self.runner is not None and not self.runner.running:
                self.runner.catch_up()
            for plan, future in self.poll_once(attempted):
                attempted.add(plan)
                pending.add(future)
            if not pending:
                return sorted(attempted)
            _, pending = wait(pending, return_when=FIRST_COMPLETED)

    def _solve(self, plan: str) -> None:
        try:
            with acting_as(ACTOR):
                self._claim_and_solve(plan)
        except Exception:
            log.exception("planning %s failed", plan)
        finally:
            with self._lock:
                self._in_flight.pop(plan, None)
            self._wake.set()

    def _claim_and_solve(self, plan: str) -> None:
        app = self.application
        try:
            claim = app.start_planning(plan, self.name)
        except PlanningAlreadyClaimed:
            return  # another worker got it first
        except DomainError as refusal:
            log.info("plan %s is not to be planned: %s", plan, refusal.message)
            return

        def progress(phase: str, iterations: int, best: int | None, elapsed: float) -> None:
            with acting_as(ACTOR):
                app.record_planning_progress(plan, self.name, phase, iterations, best, elapsed)

        try:
            result = solve_in_child(
                claim["request"], seed=claim["seed"], time_limit_s=claim["timeLimitSeconds"],
                max_iterations=claim["maxIterations"], progress_every=self.settings.planning_progress_seconds,
                on_progress=progress, stop=self._stopping,
            )
        except SolveStopped:
            return
        except DomainError as refusal:  # discarded or taken over while solving: nothing to record
            log.info("stopped planning %s: %s", plan, refusal.message)
            return
        except SolveFailed as failure:
            app.fail_planning(plan, self.name, str(failure))
            return
        try:
            app.record_route_plan(plan, self.name, result)
        except DomainError as refusal:
            log.info("the plan %s was not recorded: %s", plan, refusal.message)
