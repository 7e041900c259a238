"""Sends the outbox: at least once, each message under one id, with backoff, quiet hours and opt-outs honoured.

A pass:
1. find what is due in the notifications read model (never tried, failed and worth another
   try, or held until a moment now past), oldest first;
2. confirm each against the log itself (`outbox_messages`): the read model may trail the
   outcomes the last pass recorded, and the log says whether the customer has opted out;
3. hold what would wake a customer in their quiet hours (urgent delivery news excepted),
   suppress what they opted out of, send the rest;
4. record every outcome as events (`record_notification_outcomes`), in batches.
A failed message waits with exponential backoff before its next attempt; a channel whose
attempts keep failing (REST_AFTER in a row: the gateway is down, not having a blip) rests with
backoff too, so it gets one probe per rest instead of the whole queue. Messages simply wait
and go out once it answers again. A crash between sending and recording means a repeat under
the same message id, which the gateway drops: never a loss. Run one worker per store.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from api.outbox.channels import Transport, transport_for
from api.webhooks.worker import retry_delay
from api.background import WakeableWorker
from domain.app import Peisong
from domain.notifications import FAILED, HELD, SUPPRESSED, OutboxMessage, SendOutcome, message_id, quiet_until
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.notifications import due_messages
from projections.views import DueMessage

log = logging.getLogger("peisong.outbox")

DUE_PAGE = 500
RECORD_BATCH = 100
# Messages sent side by side (each to the gateway on its own connection): the gateway's round trip, not our
# bookkeeping, is what a message costs.
PARALLEL_SENDS = 8
SEND_CHUNK = 64
REST_AFTER = 3  # failures in a row before a channel rests: one is a blip, three is a gateway that is down


class Backoff:
    """When each failed message may be tried again, and when a channel that keeps failing may be tried at all.

    Kept in memory: after a restart everything is simply due, which only retries sooner.
    """

    def __init__(self, base: float, cap: float) -> None:
        self.base = base
        self.cap = cap
        self._due: dict[str, float] = {}
        self._rest: dict[str, float] = {}
        self._failures: dict[str, int] = {}

    def failed(self, channel: str, message_id: str, attempts: int) -> None:
        now = time.monotonic()
        self._due[message_id] = now + retry_delay(attempts, self.base, self.cap)
        failures = self._failures.get(channel, 0) + 1
        self._failures[channel] = failures
        if failures >= REST_AFTER:
            self._rest[channel] = now + retry_delay(failures - REST_AFTER + 1, self.base, self.cap)

    def settled(self, channel: str, message_id: str) -> None:
        self._due.pop(message_id, None)
        self._failures[channel] = 0
        self._rest.pop(channel, None)

    def resting(self, channel: str) -> bool:
        return self._rest.get(channel, 0.0) > time.monotonic()

    def is_due(self, message_id: str) -> bool:
        return self._due.get(message_id, 0.0) <= time.monotonic()

    def next_in(self) -> float | None:
        """Seconds until the earliest wait ends, if anything waits."""
        ends = [*self._due.values(), *self._rest.values()]
        return max(min(ends) - time.monotonic(), 0.0) if ends else None


class OutboxWorker(WakeableWorker):
    thread_name = "peisong-outbox"

    def __init__(
        self, application: Peisong, db: ReadDatabase, settings: Settings, transport: Transport | None = None,
    ) -> None:
        super().__init__(application)
        self.db = db
        self.settings = settings
        self.transport = transport or transport_for(settings)
        self.backoff = Backoff(settings.notification_retry_base_seconds, settings.notification_retry_max_seconds)
        self.pool = ThreadPoolExecutor(PARALLEL_SENDS, thread_name_prefix="peisong-outbox-send")
        self._pass_lock = threading.Lock()

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self) -> int:
        """Try everything due now once; return how many outcomes were recorded."""
        with self._pass_lock:
            now = self.application.clock.now()
            due = [d for d in due_messages(self.db, now, DUE_PAGE) if self._may_try(d)]
            if not due:
                return 0
            wanted = {(d.notification_id, d.channel) for d in due}
            messages = [m for m in self.application.outbox_messages(
                list(dict.fromkeys(d.notification_id for d in due)), now,
            ) if (m.notification_id, m.channel) in wanted]
            batch = OutcomeBatch(self.application)
            for start in range(0, len(messages), SEND_CHUNK):
                chunk = [m for m in messages[start:start + SEND_CHUNK] if not self.backoff.resting(m.channel)]
                for message, outcome in zip(chunk, self.pool.map(lambda m: self.attempt(m, now), chunk)):
                    batch.add(outcome)
                    if outcome.result == FAILED and outcome.will_retry:
                        self.backoff.failed(message.channel, message.message_id, message.attempts + 1)
                    elif outcome.result not in (HELD, SUPPRESSED):  # the gateway answered, for better or worse
                        self.backoff.settled(message.channel, message.message_id)
            return batch.finish()

    def attempt(self, message: OutboxMessage, now: datetime) -> SendOutcome:
        """What to do with one message now: suppress, hold, or send it and say how that went."""
        if message.opted_out:
            return SendOutcome(message.notification_id, message.channel, SUPPRESSED, error="opted out")
        if not message.urgent:
            start, end = self.settings.quiet_hours
            until = quiet_until(now, message.timezone, start, end)
            if until is not None:
                return SendOutcome(message.notification_id, message.channel, HELD, until=until)
        delivery = self.transport.send(message)
        return SendOutcome(
            message.notification_id, message.channel, delivery.result, error=delivery.error,
            will_retry=delivery.will_retry, reference=delivery.reference,
        )

    def _may_try(self, due: DueMessage) -> bool:
        waiting = not self.backoff.is_due(message_id(due.notification_id, due.channel))
        return not (waiting or self.backoff.resting(due.channel))

    def drain(self, passes: int = 1000) -> int:
        """Pass after pass until nothing more is due now (tests and the bench); returns outcomes recorded."""
        total = 0
        for _ in range(passes):
            recorded = self.run_once()
            if not recorded:
                break
            total += recorded
        return total

    # -- the background thread ------------------------------------------------------------------

    def poll_seconds(self) -> float:
        return self.settings.notification_poll_seconds

    def next_due_in(self) -> float | None:
        return self.backoff.next_in()

    def close(self) -> None:
        self.stop()
        self.pool.shutdown(wait=True)
        self.transport.close()


class OutcomeBatch:
    """Outcomes saved RECORD_BATCH at a time: one save per batch, not per message."""

    def __init__(self, application: Peisong) -> None:
        self.application = application
        self.pending: list[SendOutcome] = []
        self.recorded = 0

    def add(self, outcome: SendOutcome) -> None:
        self.pending.append(outcome)
        if len(self.pending) >= RECORD_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            outcomes, self.pending = self.pending, []
            self.application.record_notification_outcomes(outcomes)
            self.recorded += len(outcomes)

    def finish(self) -> int:
        self.flush()
        return self.recorded
