"""The two shapes of background thread the worker runs: a task on a period, and a worker woken by saves."""

from __future__ import annotations

import logging
import threading

from domain.app import Peisong

log = logging.getLogger("peisong.worker")


class PeriodicTask:
    """Runs `tick()` every `period` seconds on a daemon thread; a period of 0 or less never starts.

    For checks that time alone makes necessary (deadlines passing, phones going silent):
    nothing is recorded to react to, so the task looks again and again.
    """

    thread_name = "peisong-periodic"

    def __init__(self, period: float) -> None:
        self.period = period
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> object:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    def start(self) -> None:
        if self.period <= 0 or self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def _loop(self) -> None:
        while not self._stopping.wait(self.period):
            try:
                self.tick()
            except Exception:
                log.exception("%s failed; will try again in %s s", self.thread_name, self.period)


class WakeableWorker:
    """Runs passes while they find work, then sleeps until a save, the poll period or the next retry.

    The in-process wake-up comes from `application.on_saved`; polling finds other processes'
    saves; `next_due_in()` wakes the worker when a retry's backoff ends.
    """

    thread_name = "peisong-worker"

    def __init__(self, application: Peisong) -> None:
        self.application = application
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        raise NotImplementedError

    def poll_seconds(self) -> float:
        raise NotImplementedError

    def next_due_in(self) -> float | None:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self.application.on_saved.append(self._on_saved)
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None
        if self._on_saved in self.application.on_saved:
            self.application.on_saved.remove(self._on_saved)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                if self.run_once():
                    continue  # did something: more may be due right away
            except Exception:
                log.exception("%s pass failed; will retry", self.thread_name)
            poll = self.poll_seconds()
            waits = self.next_due_in()
            self._wake.wait(poll if waits is None else min(poll, waits))

    def _on_saved(self, position: int) -> None:
        self._wake.set()
