"""Named domain errors: each says what went wrong and carries the ids and field involved."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain makes; `field` names the offending input."""

    def __init__(self, message: str, *, field: str | None = None, **ids: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.ids = ids


class InvalidInput(DomainError):
    pass


class NotFound(DomainError):
    pass


class AlreadyExists(DomainError):
    pass


class OutOfStock(DomainError):
    pass


class InvalidTransition(DomainError):
    pass


class PreconditionFailed(DomainError):
    pass


class ConcurrencyConflict(DomainError):
    pass


class DeliveryCodeMismatch(PreconditionFailed):
    pass
