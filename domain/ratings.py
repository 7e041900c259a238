"""A customer's rating of one delivery: 1 to 5 stars and a comment, once, for the courier who brought it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import PeisongAggregate, natural_id
from domain.errors import InvalidInput

MIN_STARS, MAX_STARS = 1, 5


def check_stars(stars: int) -> int:
    if isinstance(stars, bool) or not isinstance(stars, int) or not MIN_STARS <= stars <= MAX_STARS:
        raise InvalidInput(f"stars is a whole number from {MIN_STARS} to {MAX_STARS}", field="stars", value=stars)
    return stars


class DeliveryRating(PeisongAggregate):
    """Keyed by the order, so a second rating of the same delivery is refused rather than counted twice."""

    @staticmethod
    def create_id(order: str) -> UUID:
        return natural_id("delivery-rating", order)

    @event("DeliveryRated")
    def __init__(
        self, order: str, courier: str, customer: str, stars: int, comment: str, delivered_at: datetime,
        zone: str | None,
    ) -> None:
        self.order = order
        self.courier = courier
        self.customer = customer
        self.stars = stars
        self.comment = comment
