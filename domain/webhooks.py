"""An integrator's webhook: where to send which events, and every delivery attempt as a fact in the log.

The signing secret is recorded in the registration event because the worker must sign
with it after any restart; every reader of the log (feeds, history, time travel) redacts it.
Delivery bookkeeping lives here too, so an attempt and what it decides (delivered, given
up, endpoint paused) are saved together, exactly once per attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate
from domain.errors import InvalidInput, InvalidTransition, NotFound, PreconditionFailed

ACTIVE = "ACTIVE"
PAUSED = "PAUSED"
REMOVED = "REMOVED"
STATUSES = (ACTIVE, PAUSED, REMOVED)

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"

URL_SCHEMES = ("https", "http")
MAX_URL_LENGTH = 2000
MAX_EVENT_TYPES = 200
MAX_ERROR_LENGTH = 500



@dataclass(frozen=True)
class DeliveryAttempt:
    """What one HTTP request to the endpoint came to, as the worker saw it."""

    position: int
    event_id: str
    event_type: str
    aggregate_id: str
    succeeded: bool
    response_code: int | None
    duration_ms: int
    error: str = ""


@dataclass(frozen=True)
class DeliveryState:
    """A consistent copy of what the delivery worker needs, taken under the command lock."""

    id: str
    url: str
    secret: str
    event_types: tuple[str, ...]
    status: str
    consecutive_failures: int
    attempts: dict[int, int] = field(default_factory=dict)
    failed: frozenset[int] = frozenset()

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


def clean_url(url: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("a webhook needs a URL", field="url")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"url is longer than {MAX_URL_LENGTH} characters", field="url")
    parts = urlsplit(url)
    if parts.scheme not in URL_SCHEMES or not parts.hostname:
        raise InvalidInput("url must be an absolute http:// or https:// address", field="url", url=url)
    if parts.username or parts.password:
        raise InvalidInput("url must not carry credentials; verify the signature instead", field="url")
    return url


def clean_event_types(event_types: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(str(name).strip() for name in event_types))
    if not names or not all(names):
        raise InvalidInput("name at least one event type, e.g. OrderPlaced", field="eventTypes")
    if len(names) > MAX_EVENT_TYPES:
        raise InvalidInput(f"a webhook follows at most {MAX_EVENT_TYPES} event types", field="eventTypes")
    if own := sorted(OWN_EVENT_TYPES.intersection(names)):
        raise InvalidInput(
            f"a webhook cannot follow webhook delivery events: {', '.join(own)}", field="eventTypes", types=own,
        )
    return names


class WebhookSubscription(PeisongAggregate):
    @event("WebhookRegistered")
    def __init__(self, owner: str, url: str, event_types: tuple[str, ...], secret: str, description: str) -> None:
        self.owner = owner
        self.url = url
        self.event_types = tuple(event_types)
        self.secret = secret
        self.description = description
        self.status = ACTIVE
        self.paused_reason = ""
        self.consecutive_failures = 0
        # Positions tried and not yet delivered -> attempts so far (since the last manual retry).
        self.attempts: dict[int, int] = {}
        # Positions given up on: they hold back their aggregate's later events until retried by hand.
        self.failed: set[int] = set()

    # -- rules ----------------------------------------------------------------------------

    def check_owned_by(self, owner: str | None) -> None:
        """Another integrator's webhook reads as missing, so ids cannot be probed; None is an administrator."""
        if owner is not None and owner != self.owner:
            raise NotFound(f"webhook {self.id} not found", field="id", id=str(self.id))

    def check_not_removed(self) -> None:
        if self.status == REMOVED:
            raise InvalidTransition(f"webhook {self.id} has been removed", field="id", id=str(self.id))

    # -- commands -------------------------------------------------------------------------

    def pause(self, reason: str) -> None:
        if self.status != ACTIVE:
            raise InvalidTransition(
                f"webhook {self.id} is {self.status} and cannot be paused", field="id", id=str(self.id),
            )
        self._paused(reason=reason or "paused by hand", automatic=False)

    def resume(self) -> None:
        if self.status != PAUSED:
            raise InvalidTransition(
                f"webhook {self.id} is {self.status} and cannot be resumed", field="id", id=str(self.id),
            )
        self._resumed()

    def remove(self) -> None:
        self.check_not_removed()
        self._removed()

    def retry_delivery(self, position: int) -> None:
        """Give a delivery that was given up on a fresh round of attempts."""
        self.check_not_removed()
        if position not in self.failed:
            raise PreconditionFailed(
                f"the delivery of position {position} has not failed, so there is nothing to retry",
                field="position", id=str(self.id), position=position,
            )
        self._retry_requested(position=position)

    def record_attempt(self, attempt: DeliveryAttempt, *, max_attempts: int, pause_after: int) -> None:
        """An attempt is a fact even if the webhook was paused meanwhile; what it decides follows the rules."""
        self.check_not_removed()
        number = self.attempts.get(attempt.position, 0) + 1
        self._attempted(
            position=attempt.position, event_id=attempt.event_id, event_type=attempt.event_type,
            aggregate_id=attempt.aggregate_id, attempt=number, status=SUCCEEDED if attempt.succeeded else FAILED,
            response_code=attempt.response_code, duration_ms=attempt.duration_ms,
            error=attempt.error[:MAX_ERROR_LENGTH],
        )
        if attempt.succeeded:
            self._delivered(position=attempt.position, event_id=attempt.event_id, attempts=number)
            return
        if number >= max_attempts and attempt.position not in self.failed:
            self._delivery_failed(
                position=attempt.position, event_id=attempt.event_id, attempts=number,
                error=attempt.error[:MAX_ERROR_LENGTH],
            )
        if self.status == ACTIVE and self.consecutive_failures >= pause_after:
            self._paused(reason=f"{self.consecutive_failures} consecutive failed attempts", automatic=True)

    def delivery_state(self) -> DeliveryState:
        return DeliveryState(
            id=str(self.id), url=self.url, secret=self.secret, event_types=self.event_types, status=self.status,
            consecutive_failures=self.consecutive_failures, attempts=dict(self.attempts),
            failed=frozenset(self.failed),
        )

    # -- events ---------------------------------------------------------------------------

    @event("WebhookPaused")
    def _paused(self, reason: str, automatic: bool) -> None:
        self.status = PAUSED
        self.paused_reason = reason

    @event("WebhookResumed")
    def _resumed(self) -> None:
        self.status = ACTIVE
        self.paused_reason = ""
        self.consecutive_failures = 0

    @event("WebhookRemoved")
    def _removed(self) -> None:
        self.status = REMOVED
        self.attempts.clear()
        self.failed.clear()

    @event("WebhookDeliveryAttempted")
    def _attempted(
        self,
        position: int,
        event_id: str,
        event_type: str,
        aggregate_id: str,
        attempt: int,
        status: str,
        response_code: int | None,
        duration_ms: int,
        error: str,
    ) -> None:
        self.attempts[position] = attempt
        self.consecutive_failures = 0 if status == SUCCEEDED else self.consecutive_failures + 1

    @event("WebhookDelivered")
    def _delivered(self, position: int, event_id: str, attempts: int) -> None:
        self.attempts.pop(position, None)
        self.failed.discard(position)

    @event("WebhookDeliveryFailed")
    def _delivery_failed(self, position: int, event_id: str, attempts: int, error: str) -> None:
        self.failed.add(position)

    @event("WebhookDeliveryRetryRequested")
    def _retry_requested(self, position: int) -> None:
        self.failed.discard(position)
        self.attempts[position] = 0


# A webhook following its own delivery records would feed itself forever.
OWN_EVENT_TYPES = frozenset(
    name for name, value in vars(WebhookSubscription).items()
    if isinstance(value, type) and issubclass(value, WebhookSubscription.Event) and name not in ("Event", "Created")
)
