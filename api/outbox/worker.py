"""Sends the outbox: at least once, each message under one id, with backoff, quiet hours and opt-outs honoured.

A pass:
1. find what is due in the notifications read model (never tried, failed and worth another
   try, or held until a moment now past), oldest first;
2. confirm each against the log itself (`outbox_messages`): the read model may trail the
   outcomes the last pass recorded, and the log says whether the customer has opted out;
3. hold what would wake a customer in their quiet hours (urgent delivery news excepted),
   suppress what they opted out of, send the rest;
4. record every outcome as events (`record_notification_outcomes`), in batches.
A failed attempt rests its channel with exponential backoff, so a gateway that is down gets
one probe per rest instead of the whole queue; messages simply wait and go out once it
answers again. A crash between sending and recording means a repeat under the same message
id, which the gateway drops: never a loss. Run one worker per store.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from api.outbox.channels import Transport, transport_for
from api.webhooks.worker import RetrySchedule
from domain.app import Peisong
from domain.notifications import FAILED, HELD, SUPPRESSED, OutboxMessage, SendOutcome, quiet_until
from domain.settings import Settings
from projections.database import ReadDatabase
from projections.notifications import due_messages
from projections.views import DueMessage

log = logging.getLogger("peisong.outbox")

DUE_PAGE = 500
RECORD_BATCH = 100


class OutboxWorker:
    def __init__(
        self, application: Peisong, db: ReadDatabase, settings: Settings, transport: Transport | None = None,
    ) -> None:
        self.application = application
        self.db = db
        self.settings = settings
        self.transport = transport or transport_for(settings)
        # Keyed by (channel, queue position): the channel is the "endpoint" that rests after failures.
        self.schedule = RetrySchedule(settings.notification_retry_base_seconds, settings.notification_retry_max_seconds)
        self.failures: dict[str, int] = {}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pass_lock = threading.Lock()

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self) -> int:
        """Try everything due now once; return how many outcomes were recorded."""
        with self._pass_lock:
            now = self.application.clock.now()
            due = [d for d in due_messages(self.db, now, DUE_PAGE) if self._may_try(d)]
            if not due:
                return 0
            positions = {(d.notification_id, d.channel): d.position for d in due}
            messages = self.application.outbox_messages(list(dict.fromkeys(d.notification_id for d in due)), now)
            batch = OutcomeBatch(self.application)
            resting: set[str] = set()
            for message in messages:
                position = positions.get((message.notification_id, message.channel))
                if position is None or message.channel in resting:
                    continue
                outcome = self.attempt(message, now)
                batch.add(outcome)
                if outcome.result == FAILED and outcome.will_retry:
                    failures = self.failures.get(message.channel, 0) + 1
                    self.failures[message.channel] = failures
                    self.schedule.failed(message.channel, position, message.attempts + 1, failures)
                    resting.add(message.channel)
                elif outcome.result != HELD:
                    self.failures[message.channel] = 0
                    self.schedule.delivered(message.channel, position)
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
        return not self.schedule.resting(due.channel) and self.schedule.is_due(due.channel, due.position)

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

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self.application.on_saved.append(self._on_saved)
        self._thread = threading.Thread(target=self._loop, name="peisong-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None
        if self._on_saved in self.application.on_saved:
            self.application.on_saved.remove(self._on_saved)

    def close(self) -> None:
        self.stop()
        self.transport.close()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                if self.run_once():
                    continue  # more may be due right away
            except Exception:
                log.exception("outbox pass failed; will retry")
            poll = self.settings.notification_poll_seconds
            waits = self.schedule.next_in()
            self._wake.wait(poll if waits is None else min(poll, waits))

    def _on_saved(self, position: int) -> None:
        self._wake.set()


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
