"""Wakes waiting subscriptions the moment this process saves, from whichever thread saved.

Commands run in worker threads; subscriptions wait on the event loop. The application
calls `on_saved` listeners in the saving thread, so the hand-off to the loop goes
through `call_soon_threadsafe`. Saves made by other processes have no such signal:
waiters also wake every POLL_SECONDS and look for themselves.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from domain.app import Peisong

POLL_SECONDS = 0.5


class LogWatch:
    def __init__(self, application: Peisong) -> None:
        self.application = application
        self._loop: asyncio.AbstractEventLoop | None = None
        self._signal = asyncio.Event()
        application.on_saved.append(self._saved)

    def signal(self) -> asyncio.Event:
        """Take this before reading the log: a save during the read then wakes the next wait at once."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._signal

    async def wait(self, signal: asyncio.Event, timeout: float = POLL_SECONDS) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(signal.wait(), timeout)

    def close(self) -> None:
        with suppress(ValueError):
            self.application.on_saved.remove(self._saved)

    def _saved(self, position: int) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with suppress(RuntimeError):  # the loop stopped between the check and the call
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        signal, self._signal = self._signal, asyncio.Event()
        signal.set()
