"""Delivers each webhook's events to its endpoint: at least once, in order per aggregate, signed, retried, recorded.

A pass over one webhook:
1. take in: the matching events after its intake position go into its outbox, and the
   position moves, in one transaction (`projections/webhooks.py`): each event once;
2. deliver the outbox in log order. An aggregate whose oldest undelivered event is waiting
   for its retry (exponential backoff), or was given up on, holds back its later events;
   other aggregates go on meanwhile. A failed attempt ends the pass and rests the webhook
   a moment, so a struggling endpoint is not hammered;
3. record the attempts as events of the webhook (`record_webhook_attempts`), which decides
   what they mean (delivered, given up, paused); only then do delivered events leave the outbox.
A crash between sending and recording means a re-send (receivers drop duplicates by
`eventId`), never a loss. Run one worker per store: two would deliver in parallel.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from api.feeds.records import event_document, event_id
from api.webhooks.signing import HEADER, signature
from api.background import WakeableWorker
from domain.app import Peisong
from domain.errors import DomainError
from domain.settings import Settings
from domain.webhooks import REMOVED, DeliveryAttempt, DeliveryState
from projections.database import ReadDatabase
from projections.events import read_events
from projections.views import EventRecord
from projections.webhooks import (
    OutboxEntry,
    WebhookTarget,
    drop_delivered,
    forget_webhook,
    intake_position,
    outbox,
    take_in,
    webhook_targets,
)

log = logging.getLogger("peisong.webhooks")

INTAKE_BATCH = 500
OUTBOX_PAGE = 500
RECORD_BATCH = 50
MAX_ERROR_BODY = 200
# Webhooks served side by side; each webhook's own deliveries stay sequential (its order depends on it).
PARALLEL_WEBHOOKS = 4
USER_AGENT = "Peisong-Webhooks/1"


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Exponential backoff with equal jitter: half the delay fixed, half random, so many retries spread out."""
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)


class RetrySchedule:
    """When each failed event may be tried again, and when a failing endpoint may be tried at all.

    Kept in memory: after a restart everything is simply due, which only retries sooner.
    """

    def __init__(self, base: float, cap: float) -> None:
        self.base = base
        self.cap = cap
        self._due: dict[tuple[str, int], float] = {}
        self._rest: dict[str, float] = {}
        self._lock = threading.Lock()

    def failed(self, webhook_id: str, position: int, attempts: int, consecutive_failures: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._due[(webhook_id, position)] = now + retry_delay(attempts, self.base, self.cap)
            self._rest[webhook_id] = now + retry_delay(consecutive_failures, self.base, self.cap)

    def delivered(self, webhook_id: str, position: int) -> None:
        with self._lock:
            self._due.pop((webhook_id, position), None)

    def forget(self, webhook_id: str, positions: frozenset[int] | None = None) -> None:
        """Drop the waits of these positions (given up on: a retry by hand is due at once), or of the whole webhook."""
        with self._lock:
            if positions is None:
                self._rest.pop(webhook_id, None)
                self._due = {key: at for key, at in self._due.items() if key[0] != webhook_id}
            else:
                for position in positions:
                    self._due.pop((webhook_id, position), None)

    def resting(self, webhook_id: str) -> bool:
        return self._rest.get(webhook_id, 0.0) > time.monotonic()

    def is_due(self, webhook_id: str, position: int) -> bool:
        return self._due.get((webhook_id, position), 0.0) <= time.monotonic()

    def next_in(self) -> float | None:
        """Seconds until the earliest wait still running ends, if any does."""
        now = time.monotonic()
        with self._lock:
            ends = [at for at in (*self._due.values(), *self._rest.values()) if at > now]
        return min(ends) - now if ends else None


def outbox_entry(webhook_id: str, record: EventRecord) -> OutboxEntry:
    body = json.dumps({**event_document(record), "webhookId": webhook_id}, separators=(",", ":"), ensure_ascii=False)
    return OutboxEntry(
        position=record.position, aggregate_id=record.aggregate_id, event_id=event_id(record),
        event_type=record.event_type, body=body,
    )


class WebhookWorker(WakeableWorker):
    thread_name = "peisong-webhooks"

    def __init__(self, application: Peisong, db: ReadDatabase, settings: Settings) -> None:
        super().__init__(application)
        self.db = db
        self.settings = settings
        self.client = httpx.Client(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False, headers={"User-Agent": USER_AGENT},
        )
        self.schedule = RetrySchedule(settings.webhook_retry_base_seconds, settings.webhook_retry_max_seconds)
        self._pool = ThreadPoolExecutor(PARALLEL_WEBHOOKS, thread_name_prefix="peisong-webhook")

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self) -> int:
        """Take in and deliver for every webhook once; return how many events were delivered."""
        targets = webhook_targets(self.db)
        if len(targets) <= 1:
            return sum(self._serve(target) for target in targets)
        return sum(self._pool.map(self._serve, targets))

    def _serve(self, target: WebhookTarget) -> int:
        try:
            state = self.application.webhook_delivery_state(target.id)
            if state is None:
                return 0
            if state.status == REMOVED:
                forget_webhook(self.db, target.id)
                self.schedule.forget(target.id)
                return 0
            self.take_in(target)
            if not state.active:
                self.schedule.forget(target.id)  # resumed, it starts afresh
                return 0
            return self.deliver(state)
        except Exception:
            log.exception("webhook %s: pass failed; will retry", target.id)
            return 0

    def take_in(self, target: WebhookTarget) -> None:
        position = intake_position(self.db, target.id, target.registered_position)
        while position < (head := self.application.head_position()):
            records = read_events(self.application, after=position, limit=INTAKE_BATCH, types=target.event_types)
            if len(records) == INTAKE_BATCH:
                end = records[-1].position
            else:  # the read went on to the head as it was then, which is at least `head`
                end = max([head, *(r.position for r in records[-1:])])
            take_in(self.db, target.id, [outbox_entry(target.id, r) for r in records], position, end)
            position = end

    def deliver(self, state: DeliveryState) -> int:
        """One pass over the webhook's outbox in log order; returns how many events were delivered."""
        if self.schedule.resting(state.id):
            return 0
        self.schedule.forget(state.id, state.failed)
        recorder = AttemptRecorder(self, state)
        held: set[str] = set()
        for entry in outbox(self.db, state.id, OUTBOX_PAGE):
            if entry.aggregate_id in held:
                continue
            waiting = entry.position in state.attempts and not self.schedule.is_due(state.id, entry.position)
            if entry.position in state.failed or waiting:
                held.add(entry.aggregate_id)  # its later events wait behind it; other aggregates go on
            elif not recorder.add(self.send(state, entry)):
                break
        return recorder.finish()

    def send(self, state: DeliveryState, entry: OutboxEntry) -> DeliveryAttempt:
        body = entry.body.encode()
        headers = {
            "Content-Type": "application/json",
            HEADER: signature(state.secret, body, int(time.time())),
            "Peisong-Event-Id": entry.event_id,
            "Peisong-Event-Type": entry.event_type,
            "Peisong-Webhook-Id": state.id,
        }
        started = time.perf_counter()
        code: int | None = None
        try:
            with self.client.stream("POST", state.url, content=body, headers=headers) as response:
                code = response.status_code
                succeeded = 200 <= code < 300
                error = "" if succeeded else f"HTTP {code} {_start_of(response)}".strip()
        except httpx.HTTPError as problem:
            succeeded, error = False, f"{type(problem).__name__}: {problem}"
        return DeliveryAttempt(
            position=entry.position, event_id=entry.event_id, event_type=entry.event_type,
            aggregate_id=entry.aggregate_id, succeeded=succeeded, response_code=code,
            duration_ms=round((time.perf_counter() - started) * 1000), error=error,
        )

    # -- the background thread ------------------------------------------------------------------

    def poll_seconds(self) -> float:
        return self.settings.webhook_poll_seconds

    def next_due_in(self) -> float | None:
        return self.schedule.next_in()

    def close(self) -> None:
        self.stop()
        self._pool.shutdown(wait=True)
        self.client.close()


class AttemptRecorder:
    """One pass's outcomes, saved in batches; delivered events leave the outbox only after their save."""

    def __init__(self, worker: WebhookWorker, state: DeliveryState) -> None:
        self.worker = worker
        self.state = state
        self.pending: list[DeliveryAttempt] = []
        self.delivered = 0

    def add(self, attempt: DeliveryAttempt) -> bool:
        """Keep an outcome; False when it failed (then everything so far is saved at once)."""
        self.pending.append(attempt)
        schedule = self.worker.schedule
        if attempt.succeeded:
            self.delivered += 1
            schedule.delivered(self.state.id, attempt.position)
            if len(self.pending) >= RECORD_BATCH:
                self.flush()
            return True
        schedule.failed(
            self.state.id, attempt.position, attempts=self.state.attempts.get(attempt.position, 0) + 1,
            consecutive_failures=self.state.consecutive_failures + 1,
        )
        self.flush()
        return False

    def flush(self) -> None:
        if not self.pending:
            return
        attempts, self.pending = self.pending, []
        try:
            self.worker.application.record_webhook_attempts(self.state.id, attempts)
        except DomainError as refusal:
            # Removed meanwhile: the next pass clears its outbox. Nothing delivered leaves it unrecorded.
            log.warning("webhook %s: attempts not recorded: %s", self.state.id, refusal.message)
            return
        drop_delivered(self.worker.db, self.state.id, [a.position for a in attempts if a.succeeded])

    def finish(self) -> int:
        self.flush()
        return self.delivered


def _start_of(response: httpx.Response) -> str:
    """The first bytes of an error response, enough to say what went wrong, never the whole body."""
    for part in response.iter_bytes(MAX_ERROR_BODY):
        return part[:MAX_ERROR_BODY].decode("utf-8", "replace").strip()
    return ""
