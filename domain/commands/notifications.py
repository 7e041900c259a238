"""Commands on the outbox: queue a message once per (subject, event), and record what sending it came to."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, Sequence
from uuid import UUID

from domain import validation as v
from domain.customers import Customer
from domain.errors import InvalidInput, NotFound
from domain.execution import CommandResult, CommandRunner
from domain.notifications import EMAIL, SMS, Notification, OutboxMessage, SendOutcome
from domain.templates import DEFAULT_LANGUAGE, URGENT_KINDS, language_or_default, render


def notification_uuid(value: str | UUID, field: str = "id") -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidInput("not a notification id", field=field, id=value) from None


class NotificationCommands(CommandRunner):
    def queue_notification(
        self,
        subject: str,
        topic: str,
        kind: str,
        params: Mapping[str, str],
        *,
        customer: str | None = None,
        contact: str | None = None,
        order: str | None = None,
        language: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """A message about `topic` of `subject` to a customer (on each channel they have not opted out of) or to
        one of the shop's contacts by e-mail. Queued once: the same subject and topic again queues nothing."""

        def body():  # type: ignore[no-untyped-def]
            notification_id = Notification.create_id(subject, topic)
            if self.get_or_none(notification_id) is not None:
                return [], {"id": str(notification_id), "queued": False}
            if (customer is None) == (contact is None):
                raise InvalidInput("a notification goes to a customer or to a contact", field="customer")
            if customer is not None:
                person = self.get_or_none(Customer.create_id(customer))
                if person is None:
                    raise NotFound(f"customer {customer} not found", field="customer", customer=customer)
                tongue = language_or_default(person.language)
                wanted = list(person.channels)
                addresses = {channel: person.phone if channel == SMS else person.reference for channel in wanted}
                off = set(person.opted_out)
                recipient = person.reference
            else:
                tongue = language_or_default(language or DEFAULT_LANGUAGE)
                recipient = v.text(contact, "contact", max_length=200)  # type: ignore[arg-type]
                wanted, addresses, off = [EMAIL], {EMAIL: recipient}, set()
            words = {str(k): str(value) for k, value in params.items()}
            message = render(kind, tongue, words)
            notification = Notification(
                subject=subject, topic=topic, kind=kind, recipient=recipient, language=tongue,
                timezone=self.settings.business_timezone, urgent=kind in URGENT_KINDS, order=order,
                title=message.title, text=message.text, params=words,
                messages=tuple({"channel": c, "to": addresses[c]} for c in wanted if c not in off),
                suppressed=tuple(c for c in wanted if c in off),
            )
            return [notification], {
                "id": str(notification.id), "queued": True, "channels": list(notification.messages),
            }

        return self.run_command("queueNotification", body, idempotency_key)

    def record_notification_outcomes(self, outcomes: Sequence[SendOutcome]) -> CommandResult:
        """The sending worker's outcomes, saved in one go; an outcome that repeats what is known records nothing."""

        def body():  # type: ignore[no-untyped-def]
            touched: dict[UUID, Notification] = {}
            recorded = 0
            for outcome in outcomes:
                notification_id = notification_uuid(outcome.notification_id)
                notification = touched.get(notification_id) or self._notification(notification_id)
                touched[notification_id] = notification
                recorded += notification.record(outcome)
            return list(touched.values()), {"recorded": recorded}

        return self.run_command("recordNotificationOutcomes", body)

    def confirm_notification_delivery(
        self, message_id: str, delivered: bool, error: str = "", idempotency_key: str | None = None
    ) -> CommandResult:
        """A gateway's receipt: the message reached the phone (or never will)."""

        def body():  # type: ignore[no-untyped-def]
            raw_id, _, channel = v.text(message_id, "messageId", max_length=120).rpartition(":")
            notification = self._notification(notification_uuid(raw_id, "messageId"))
            changed = notification.confirm(channel, delivered, v.text(error, "error", required=False,
                                                                      max_length=v.MAX_LONG_TEXT))
            return [notification], {"id": str(notification.id), "channel": channel, "changed": changed}

        return self.run_command("confirmNotificationDelivery", body, idempotency_key)

    def retry_notification(self, notification_id: str, idempotency_key: str | None = None) -> CommandResult:
        def body():  # type: ignore[no-untyped-def]
            notification = self._notification(notification_uuid(notification_id))
            channels = notification.retry()
            return [notification], {"id": str(notification.id), "channels": channels}

        return self.run_command("retryNotification", body, idempotency_key)

    # -- what the sending worker reads ------------------------------------------------------------

    def outbox_messages(self, notification_ids: Sequence[str | UUID], now: datetime) -> list[OutboxMessage]:
        """The messages of these notifications still to send, as the log has them now (the read model may trail),
        each knowing whether its customer has opted out of its channel since."""
        with self._command_lock:
            self.repository.follow()
            found: list[OutboxMessage] = []
            for raw in notification_ids:
                notification = self.get_or_none(notification_uuid(raw))
                if not isinstance(notification, Notification):
                    continue
                person = self.get_or_none(Customer.create_id(notification.recipient))
                found.extend(notification.outbox(now, person.opted_out if isinstance(person, Customer) else ()))
            return found

    def _notification(self, notification_id: UUID) -> Notification:
        notification = self.get_or_none(notification_id)
        if not isinstance(notification, Notification):
            raise NotFound("notification not found", field="id", id=str(notification_id))
        return notification


def subject_of(kind: str, *parts: Any) -> str:
    """How a notification names what it is about: `order:DEMO-0001`, `case:CASE-1A2B`, `stock:WH-EAST:TEA`."""
    return ":".join((kind, *map(str, parts)))
