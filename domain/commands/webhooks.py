"""Commands on webhooks: integrators register and steer them, the delivery worker records its attempts."""

from __future__ import annotations

import secrets
from typing import Sequence
from uuid import UUID

from domain import validation as v
from domain.errors import InvalidInput, NotFound
from domain.execution import CommandResult, CommandRunner
from domain.settings import Settings
from domain.webhooks import DeliveryAttempt, DeliveryState, WebhookSubscription, clean_event_types, clean_url

SECRET_BYTES = 32


def webhook_uuid(webhook_id: str | UUID) -> UUID:
    if isinstance(webhook_id, UUID):
        return webhook_id
    try:
        return UUID(str(webhook_id))
    except ValueError:
        raise InvalidInput("not a webhook id", field="id", id=webhook_id) from None


class WebhookCommands(CommandRunner):
    settings: Settings

    def register_webhook(
        self,
        owner: str,
        url: str,
        event_types: Sequence[str],
        description: str = "",
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """The answer carries no secret: it is kept with the idempotency key, in the log, where a secret must not be."""
        def body():  # type: ignore[no-untyped-def]
            webhook = WebhookSubscription(
                owner=v.text(owner, "owner", max_length=120), url=clean_url(url),
                event_types=clean_event_types(list(event_types)), secret=secrets.token_hex(SECRET_BYTES),
                description=v.text(description or "", "description", required=False),
            )
            return [webhook], {"id": str(webhook.id), "status": webhook.status}

        return self.run_command("registerWebhook", body, idempotency_key)

    def pause_webhook(
        self, webhook_id: str | UUID, reason: str = "", by: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            webhook = self._webhook(webhook_id, by)
            webhook.pause(v.text(reason or "", "reason", required=False))
            return [webhook], {"id": str(webhook.id), "status": webhook.status}

        return self.run_command("pauseWebhook", body, idempotency_key)

    def resume_webhook(self, webhook_id: str | UUID, by: str | None = None, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            webhook = self._webhook(webhook_id, by)
            webhook.resume()
            return [webhook], {"id": str(webhook.id), "status": webhook.status}

        return self.run_command("resumeWebhook", body, idempotency_key)

    def remove_webhook(self, webhook_id: str | UUID, by: str | None = None, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            webhook = self._webhook(webhook_id, by)
            webhook.remove()
            return [webhook], {"id": str(webhook.id), "status": webhook.status}

        return self.run_command("removeWebhook", body, idempotency_key)

    def retry_webhook_delivery(
        self, webhook_id: str | UUID, position: int, by: str | None = None, idempotency_key: str | None = None,
    ) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            webhook = self._webhook(webhook_id, by)
            webhook.retry_delivery(v.positive_int(position, "position"))
            return [webhook], {"id": str(webhook.id), "status": webhook.status}

        return self.run_command("retryWebhookDelivery", body, idempotency_key)

    def record_webhook_attempts(self, webhook_id: str | UUID, attempts: Sequence[DeliveryAttempt]) -> CommandResult:
        """The worker's outcomes, in the order it made them, saved in one go with what they decide."""
        def body():  # type: ignore[no-untyped-def]
            webhook = self._webhook(webhook_id, None)
            for attempt in attempts:
                webhook.record_attempt(
                    attempt, max_attempts=self.settings.webhook_max_attempts,
                    pause_after=self.settings.webhook_pause_after_failures,
                )
            return [webhook], {"id": str(webhook.id), "status": webhook.status}

        return self.run_command("recordWebhookAttempts", body)

    # -- what the edges may read of a webhook ------------------------------------------------

    def webhook_secret(self, webhook_id: str | UUID, by: str | None = None) -> str:
        """The signing secret, for the answer to the registration that created it and for signing."""
        with self._command_lock:
            return self._webhook(webhook_id, by).secret

    def webhook_delivery_state(self, webhook_id: str | UUID) -> DeliveryState | None:
        # Under the command lock a read gets its own copy, never the object a command is changing.
        with self._command_lock:
            webhook = self.get_or_none(webhook_uuid(webhook_id))
            return webhook.delivery_state() if isinstance(webhook, WebhookSubscription) else None

    def _webhook(self, webhook_id: str | UUID, by: str | None) -> WebhookSubscription:
        webhook = self.get_or_none(webhook_uuid(webhook_id))
        if not isinstance(webhook, WebhookSubscription):
            raise NotFound(f"webhook {webhook_id} not found", field="id", id=str(webhook_id))
        webhook.check_owned_by(by)
        return webhook
