"""Delivery ratings as customers gave them, by order and by courier."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import Column, Connection, Index, Integer, String, Table, Text, select
from sqlalchemy.engine import RowMapping

from domain.ratings import DeliveryRating
from projections.columns import Instant
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import check_aware
from projections.projector import Projector
from projections.views import RatingView

delivery_ratings = Table(
    "delivery_ratings",
    metadata,
    Column("order_number", String(64), primary_key=True),
    Column("courier", String(64), nullable=False),
    Column("customer", String(64), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("comment", Text, nullable=False),
    Column("zone", String(40)),
    Column("rated_at", Instant, nullable=False),
    Index("ix_delivery_ratings_courier_rated_at", "courier", "rated_at"),
)

RATED: type = DeliveryRating.DeliveryRated  # type: ignore[attr-defined]


class RatingsProjector(Projector):
    name = "ratings"
    tables = (delivery_ratings,)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({RATED})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        conn.execute(delivery_ratings.insert(), [
            {"order_number": e.order, "courier": e.courier, "customer": e.customer, "stars": e.stars,
             "comment": e.comment, "zone": e.zone, "rated_at": e.timestamp}
            for _, e in changes
        ])


def rating_of_order(db: ReadDatabase, number: str) -> RatingView | None:
    with db.read() as conn:
        row = conn.execute(select(delivery_ratings).where(delivery_ratings.c.order_number == number)).mappings().first()
    return _view(row) if row is not None else None


def ratings_of_courier(
    db: ReadDatabase, courier: str, since: datetime | None = None, until: datetime | None = None,
) -> list[RatingView]:
    """A courier's ratings, newest first; `since` inclusive, `until` exclusive."""
    check_aware(since, "since")
    check_aware(until, "until")
    r = delivery_ratings.c
    criteria = [r.courier == courier]
    if since is not None:
        criteria.append(r.rated_at >= since)
    if until is not None:
        criteria.append(r.rated_at < until)
    with db.read() as conn:
        rows = conn.execute(select(delivery_ratings).where(*criteria).order_by(r.rated_at.desc())).mappings().all()
    return [_view(row) for row in rows]


def _view(row: RowMapping) -> RatingView:
    return RatingView(order=row["order_number"], courier=row["courier"], customer=row["customer"],
                      stars=row["stars"], comment=row["comment"], zone=row["zone"], rated_at=row["rated_at"])
