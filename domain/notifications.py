"""The outbox: one Notification per (subject, event), so a message is queued once however often its cause replays.

Each channel's message lives on its own: pending, maybe held through the customer's quiet
hours, sent, delivered; or failed (tried again with backoff unless the gateway refused it
for good), or suppressed when the customer opted out after it was queued. Every attempt is
a fact in the log, so "did the customer hear about it, and when" has a recorded answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any, Iterable
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidInput, InvalidTransition

SMS = "sms"
WECHAT = "wechat"
WEBHOOK = "webhook"  # the shop's own endpoint, which shows the message in the mini-program
EMAIL = "email"  # the shop's own people (purchasing), never customers
CHANNELS = (SMS, WECHAT, WEBHOOK, EMAIL)

PENDING = "PENDING"
HELD = "HELD"
SENT = "SENT"
DELIVERED = "DELIVERED"
FAILED = "FAILED"
SUPPRESSED = "SUPPRESSED"
MESSAGE_STATUSES = (PENDING, HELD, SENT, DELIVERED, FAILED, SUPPRESSED)
# Nothing more will be sent for a message in these.
FINISHED = (SENT, DELIVERED, SUPPRESSED)

MAX_ERROR = 500


@dataclass(frozen=True)
class OutboxMessage:
    """One channel's message as the sending worker needs it, copied out of the aggregate."""

    notification_id: str
    message_id: str  # the same on every attempt: a gateway drops repeats by it
    channel: str
    to: str
    title: str
    text: str
    kind: str
    language: str
    subject: str
    order: str | None
    urgent: bool
    timezone: str
    attempts: int
    params: dict[str, str] = field(default_factory=dict)
    opted_out: bool = False  # the customer has opted out of this channel since it was queued


@dataclass(frozen=True)
class SendOutcome:
    """What became of one attempt (or one hold) as the worker saw it."""

    notification_id: str
    channel: str
    result: str  # SENT, DELIVERED, FAILED, SUPPRESSED or HELD
    error: str = ""
    will_retry: bool = True
    reference: str = ""
    until: datetime | None = None


def message_id(notification_id: str | UUID, channel: str) -> str:
    return f"{notification_id}:{channel}"


class Notification(PeisongAggregate):
    @staticmethod
    def create_id(subject: str, topic: str) -> UUID:
        return natural_id("notification", subject, topic)

    @event("NotificationQueued")
    def __init__(
        self,
        subject: str,
        topic: str,
        kind: str,
        recipient: str,
        language: str,
        timezone: str,
        urgent: bool,
        order: str | None,
        title: str,
        text: str,
        params: dict[str, str],
        messages: tuple[dict[str, str], ...],
        suppressed: tuple[str, ...],
    ) -> None:
        self.subject = subject
        self.topic = topic
        self.kind = kind
        self.recipient = recipient
        self.language = language
        self.timezone = timezone
        self.urgent = urgent
        self.order = order
        self.title = title
        self.text = text
        self.params = dict(params)
        self.messages: dict[str, dict[str, Any]] = {
            m["channel"]: {"to": m["to"], "status": PENDING, "attempts": 0} for m in messages
        }
        self.suppressed = list(suppressed)
        self.held_until: datetime | None = None

    # -- reading ---------------------------------------------------------------------------

    def outbox(self, now: datetime, opted_out: Iterable[str] = ()) -> list[OutboxMessage]:
        """The messages to send at `now` (held ones once their hold is over); `opted_out` are the recipient's
        channels switched off by now."""
        off = set(opted_out)
        if self.held_until is not None and now < self.held_until:
            return []
        return [
            OutboxMessage(
                notification_id=str(self.id), message_id=message_id(self.id, channel), channel=channel,
                to=m["to"], title=self.title, text=self.text, kind=self.kind, language=self.language,
                subject=self.subject, order=self.order, urgent=self.urgent, timezone=self.timezone,
                attempts=m["attempts"], params=dict(self.params), opted_out=channel in off,
            )
            for channel, m in self.messages.items() if m["status"] in (PENDING, HELD, FAILED) and m.get("retry", True)
        ]

    # -- commands: check, then record ---------------------------------------------------------

    def record(self, outcome: SendOutcome) -> bool:
        """Record one outcome; False when it changes nothing (a repeat of what is already known)."""
        m = self._message(outcome.channel)
        status = m["status"]
        if outcome.result == HELD:
            if outcome.until is None:
                raise InvalidInput("a hold needs its end", field="until")
            if self.held_until == outcome.until or status in FINISHED:
                return False
            self._held(until=outcome.until)
            return True
        if status in FINISHED and not (outcome.result in (DELIVERED, FAILED) and status == SENT):
            return False  # an answer to a message already settled: the re-send of an unrecorded success
        if outcome.result == SUPPRESSED:
            self._suppressed(channel=outcome.channel, reason=outcome.error or "opted out")
        elif outcome.result in (SENT, DELIVERED):
            if status != SENT:
                self._sent(channel=outcome.channel, attempt=m["attempts"] + 1, reference=outcome.reference[:200])
            if outcome.result == DELIVERED:
                self._delivered(channel=outcome.channel)
        elif outcome.result == FAILED:
            will_retry = outcome.will_retry and status != SENT  # a carrier's "undeliverable" receipt is final
            attempt = m["attempts"] + (0 if status == SENT else 1)
            self._failed(channel=outcome.channel, attempt=attempt, error=outcome.error[:MAX_ERROR],
                         will_retry=will_retry)
        else:
            raise InvalidInput(f"unknown outcome {outcome.result!r}", field="result")
        return True

    def confirm(self, channel: str, delivered: bool, error: str = "") -> bool:
        """A gateway's delivery receipt for a sent message."""
        m = self._message(channel)
        if m["status"] == DELIVERED and delivered:
            return False
        if m["status"] != SENT:
            raise InvalidTransition(
                f"the {channel} message of {self.subject} is {m['status']}, not SENT",
                field="channel", channel=channel, status=m["status"],
            )
        return self.record(SendOutcome(str(self.id), channel, DELIVERED if delivered else FAILED, error=error,
                                       will_retry=False))

    def retry(self) -> list[str]:
        """Send again what failed for good (say, after the customer's phone number was fixed)."""
        channels = [c for c, m in self.messages.items() if m["status"] == FAILED and not m.get("retry", True)]
        if not channels:
            raise InvalidTransition(f"nothing of {self.subject} has failed for good", field="id")
        self._retry_requested(channels=tuple(channels))
        return channels

    def _message(self, channel: str) -> dict[str, Any]:
        try:
            return self.messages[channel]
        except KeyError:
            raise InvalidInput(f"{self.subject} has no {channel} message", field="channel", channel=channel) from None

    # -- events: the only way state changes ----------------------------------------------------

    @event("NotificationHeld")
    def _held(self, until: datetime) -> None:
        self.held_until = until
        for m in self.messages.values():
            if m["status"] == PENDING:
                m["status"] = HELD

    @event("NotificationSent")
    def _sent(self, channel: str, attempt: int, reference: str) -> None:
        self.messages[channel].update(status=SENT, attempts=attempt)

    @event("NotificationDelivered")
    def _delivered(self, channel: str) -> None:
        self.messages[channel]["status"] = DELIVERED

    @event("NotificationFailed")
    def _failed(self, channel: str, attempt: int, error: str, will_retry: bool) -> None:
        self.messages[channel].update(status=FAILED, attempts=attempt, retry=will_retry)

    @event("NotificationSuppressed")
    def _suppressed(self, channel: str, reason: str) -> None:
        self.messages[channel]["status"] = SUPPRESSED

    @event("NotificationRetryRequested")
    def _retry_requested(self, channels: tuple[str, ...]) -> None:
        for channel in channels:
            self.messages[channel].update(status=PENDING, retry=True)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def quiet_until(now: datetime, timezone: str, start: str, end: str) -> datetime | None:
    """The end of the quiet hours `now` falls in on the recipient's clock, or None outside them."""
    zone = _zone(timezone)
    local = now.astimezone(zone)
    begins, ends = time.fromisoformat(start), time.fromisoformat(end)
    moment = local.time()
    if begins == ends:
        return None
    if begins < ends:
        inside, day = begins <= moment < ends, local.date()
    else:  # across midnight, e.g. 22:00-08:00
        inside = moment >= begins or moment < ends
        day = local.date() + timedelta(days=1) if moment >= begins else local.date()
    return datetime.combine(day, ends, zone) if inside else None
