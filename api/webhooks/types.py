"""GraphQL views of webhooks, their deliveries and attempts, and the inputs that steer them. The secret is not here."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.recorded import Recorded
from api.views import thin
from domain.webhooks import FAILED, STATUSES, SUCCEEDED
from projections.webhooks import DELIVERY_STATUSES, WebhookAttemptView, WebhookDeliveryView, WebhookView

# Generated from the domain's and the projection's own lists, so a new status can never be missing here.
WebhookStatus = strawberry.enum(Enum("WebhookStatus", {s: s for s in STATUSES}))  # type: ignore[misc]
DeliveryStatus = strawberry.enum(  # type: ignore[misc]
    Enum("DeliveryStatus", {s: s for s in DELIVERY_STATUSES}),
    description="PENDING: tried, not through yet, tried again; FAILED: out of attempts, retry it by hand.",
)
AttemptStatus = strawberry.enum(Enum("AttemptStatus", {s: s for s in (SUCCEEDED, FAILED)}))  # type: ignore[misc]


@strawberry.type(description="An integrator's endpoint and the event types it is sent.")
class Webhook:
    id: str
    owner: str
    url: str
    event_types: list[str]
    description: str
    status: WebhookStatus  # type: ignore[valid-type]
    paused_reason: str
    consecutive_failures: int = strawberry.field(description="Failed attempts in a row; the webhook pauses at the limit.")
    delivered: int = strawberry.field(description="Events delivered so far.")
    failing: int = strawberry.field(description="Deliveries out of attempts, waiting for retryWebhookDelivery.")
    backlog: int = strawberry.field(description="Events taken in and not yet delivered.")
    registered_at: datetime
    registered_position: int = strawberry.field(description="Events after this log position are delivered.")

    @classmethod
    def from_view(cls, view: WebhookView) -> "Webhook":
        return thin(cls, view, status=WebhookStatus(view.status), event_types=list(view.event_types))


@strawberry.type(description="One HTTP request to the endpoint.")
class WebhookAttempt:
    attempt: int = strawberry.field(description="1 for the first try (again 1 after a retry by hand).")
    status: AttemptStatus  # type: ignore[valid-type]
    response_code: int | None = strawberry.field(description="None when no response came (refused, timed out).")
    duration_ms: int
    error: str
    at: datetime
    recorded_at: int = strawberry.field(description="Log position of the attempt's own record.")

    @classmethod
    def from_view(cls, view: WebhookAttemptView) -> "WebhookAttempt":
        return thin(cls, view, status=AttemptStatus(view.status))


@strawberry.type(description="One event on its way to one webhook, with every attempt made.")
class WebhookDelivery:
    webhook_id: str
    position: int = strawberry.field(description="The event's log position; retryWebhookDelivery takes it.")
    event_id: str = strawberry.field(description="<aggregateId>:<version>, as in the payload.")
    event_type: str
    aggregate_id: str
    status: DeliveryStatus  # type: ignore[valid-type]
    attempts: int
    last_response_code: int | None
    last_error: str
    last_attempt_at: datetime
    delivered_at: datetime | None
    attempt_log: list[WebhookAttempt]

    @classmethod
    def from_view(cls, view: WebhookDeliveryView) -> "WebhookDelivery":
        return thin(
            cls, view, status=DeliveryStatus(view.status),
            attempt_log=[WebhookAttempt.from_view(a) for a in view.attempt_log],
        )


@strawberry.input
class RegisterWebhookInput:
    url: str = strawberry.field(description="http(s) endpoint that answers 2xx once it has the event.")
    event_types: list[str] = strawberry.field(description="e.g. [\"OrderPlaced\", \"OrderDelivered\"].")
    description: str = ""


@strawberry.type(description="The registered webhook's id and signing secret; the secret is shown here only.")
class RegisteredWebhook(Recorded):
    id: str
    secret: str = strawberry.field(
        description="HMAC-SHA256 key of the Peisong-Signature header. Keep it: no query shows it again."
    )


@strawberry.type
class WebhookPayload(Recorded):
    id: str
    status: WebhookStatus  # type: ignore[valid-type]
