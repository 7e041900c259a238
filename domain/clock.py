"""The injected clock: every event carries business time, never the machine's own."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from typing import Iterator, Protocol

_command_time: ContextVar[datetime | None] = ContextVar("peisong_command_time", default=None)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that only moves when told to: tests and the simulator drive it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


@contextmanager
def command_time(moment: datetime) -> Iterator[datetime]:
    """Stamp every event recorded inside the block with `moment`."""
    token = _command_time.set(moment)
    try:
        yield moment
    finally:
        _command_time.reset(token)


def current_command_time() -> datetime:
    moment = _command_time.get()
    if moment is None:
        # Outside a command (e.g. an aggregate built in a unit test): use real time.
        return datetime.now(timezone.utc)
    return moment
