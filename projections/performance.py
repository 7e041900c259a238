"""How each courier performs, per business day and month, computed from what happened rather than typed in:
deliveries and whether they landed inside the promised window, failed attempts, distance ridden (from
accepted pings), customers' ratings and complaints (counted when given); and the monthly incentive
awards and their ranking.

Facts are kept one row per delivery attempt (and per track day for distance), so any business day or
month is summed on demand in the shop's timezone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger, Boolean, Column, Connection, Float, Index, Integer, String, Table, case, func, select,
)
from sqlalchemy.engine import RowMapping

from domain.cases import CustomerCase
from domain.incentives import IncentiveMonth
from domain.locations import CourierTrack
from domain.orders import Order
from domain.ratings import DeliveryRating
from projections.columns import Instant, Money
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import check_aware
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import CourierKpisView, IncentiveAwardView, IncentiveMonthView
from solver.geo import haversine_m

RATE = Decimal("0.0001")
HUNDREDTH = Decimal("0.01")

performance_orders = Table(
    "performance_orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(64), nullable=False),
    Column("courier", String(64)),
    Column("window_start", Instant, nullable=False),
    Column("window_end", Instant, nullable=False),
)

performance_attempts = Table(
    "performance_attempts",
    metadata,
    Column("key", String(60), primary_key=True),  # "<order id>:<event version>"
    Column("order_number", String(64), nullable=False),
    Column("courier", String(64), nullable=False),
    Column("at", Instant, nullable=False),
    Column("delivered", Boolean, nullable=False),
    Column("on_time", Boolean, nullable=False),
    Column("early", Boolean, nullable=False),
    Column("late", Boolean, nullable=False),
    Column("lateness_seconds", Float, nullable=False),
    Index("ix_performance_attempts_courier_at", "courier", "at"),
    Index("ix_performance_attempts_at", "at"),
)

performance_tracks = Table(
    "performance_tracks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("courier", String(64), nullable=False),
    Column("day", String(10), nullable=False),
    Column("distance_m", Float, nullable=False),
    # The last fix distance was counted to: movement within the fixes' accuracy of it is GPS jitter.
    Column("anchor_lat", Float),
    Column("anchor_lon", Float),
    Column("anchor_accuracy", Float),
    Index("ix_performance_tracks_courier_day", "courier", "day"),
    Index("ix_performance_tracks_day", "day"),
)

# One row per delivery rating (stars) or complaint that names a courier, counted when given.
performance_feedback = Table(
    "performance_feedback",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("courier", String(64), nullable=False),
    Column("at", Instant, nullable=False),
    Column("rating", Float),
    Column("complaint", Boolean, nullable=False),
    Index("ix_performance_feedback_courier_at", "courier", "at"),
)

incentive_months = Table(
    "incentive_months",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("period", String(7), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("closed_at", Instant),
    Column("couriers", Integer, nullable=False),
    Column("total", Money, nullable=False),
)

incentive_awards = Table(
    "incentive_awards",
    metadata,
    Column("key", String(80), primary_key=True),  # "<period>:<courier>"
    Column("period", String(7), nullable=False),
    Column("courier", String(64), nullable=False, index=True),
    Column("grade", String(16), nullable=False),
    Column("deliveries", Integer, nullable=False),
    Column("commission_per_delivery", Money, nullable=False),
    Column("commission", Money, nullable=False),
    Column("on_time_rate", Money, nullable=False),
    Column("rating", Money),
    Column("bonus_eligible", Boolean, nullable=False),
    Column("bonus_tier", Integer),
    Column("bonus", Money, nullable=False),
    Column("complaints", Integer, nullable=False),
    Column("deductions", Money, nullable=False),
    Column("gross", Money, nullable=False),
    Column("total", Money, nullable=False),
    # The total again as a number, so a month's ranking sorts in the database.
    Column("total_cents", BigInteger, nullable=False),
    Column("on_time_rate_bp", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("awarded_at", Instant, nullable=False),
    Index("ix_incentive_awards_ranking", "period", "total_cents", "on_time_rate_bp"),
)

PLACED: type = Order.OrderPlaced  # type: ignore[attr-defined]
HANDED: type = Order.OrderHandedToCourier  # type: ignore[attr-defined]
DELIVERED: type = Order.OrderDelivered  # type: ignore[attr-defined]
FAILED: type = Order.DeliveryFailed  # type: ignore[attr-defined]
TRACK_OPENED: type = CourierTrack.CourierTrackOpened  # type: ignore[attr-defined]
REPORTED: type = CourierTrack.PositionsReported  # type: ignore[attr-defined]
MONTH_OPENED: type = IncentiveMonth.IncentiveRulesAdopted  # type: ignore[attr-defined]
AWARDED: type = IncentiveMonth.IncentiveAwarded  # type: ignore[attr-defined]
MONTH_CLOSED: type = IncentiveMonth.IncentiveMonthClosed  # type: ignore[attr-defined]
RATED: type = DeliveryRating.DeliveryRated  # type: ignore[attr-defined]
COMPLAINED: type = CustomerCase.ComplaintOpened


class PerformanceProjector(Projector):
    name = "performance"
    tables = (performance_orders, performance_attempts, performance_tracks, performance_feedback,
              incentive_months, incentive_awards)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({PLACED, HANDED, DELIVERED, FAILED, TRACK_OPENED, REPORTED, MONTH_OPENED, AWARDED,
                          MONTH_CLOSED, RATED, COMPLAINED})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        orders = RowBatch(performance_orders, "id")
        tracks = RowBatch(performance_tracks, "id")
        months = RowBatch(incentive_months, "id")
        def keys(*kinds: type) -> Iterable[str]:
            return (str(c.event.originator_id) for c in changes if isinstance(c.event, kinds))

        orders.load(conn, keys(HANDED, DELIVERED, FAILED))
        tracks.load(conn, keys(REPORTED))
        months.load(conn, keys(AWARDED, MONTH_CLOSED))
        attempts: list[dict[str, Any]] = []
        awards: list[dict[str, Any]] = []
        feedback: list[dict[str, Any]] = []
        for position, event in changes:
            key = str(event.originator_id)
            kind = type(event)
            if kind is RATED:
                feedback.append({"key": f"rating:{event.order}", "courier": event.courier, "at": event.timestamp,
                                 "rating": float(event.stars), "complaint": False})
            elif kind is COMPLAINED:
                if event.courier is not None:  # a complaint about no delivery in particular is no courier's
                    feedback.append({"key": f"complaint:{event.number}", "courier": event.courier,
                                     "at": event.timestamp, "rating": None, "complaint": True})
            elif kind is PLACED:
                orders.add({"id": key, "number": event.number, "courier": None, "window_start": event.window_start,
                            "window_end": event.window_end})
            elif kind is TRACK_OPENED:
                tracks.add({"id": key, "courier": event.courier, "day": event.day, "distance_m": 0.0,
                            "anchor_lat": None, "anchor_lon": None, "anchor_accuracy": None})
            elif kind is MONTH_OPENED:
                months.add({"id": key, "period": event.period, "currency": event.rules["currency"],
                            "closed_at": None, "couriers": 0, "total": Decimal("0.00")})
            else:
                rows = tracks if kind is REPORTED else months if kind in (AWARDED, MONTH_CLOSED) else orders
                row = rows.change(key)
                if row is None:
                    raise LookupError(f"{kind.__name__} at position {position} names {key}, which is unknown here")
                if kind is HANDED:
                    row["courier"] = event.courier_id
                elif kind is REPORTED:
                    _ride(row, event.accepted)
                elif kind is AWARDED:
                    awards.append(award_row(row["period"], event))
                elif kind is MONTH_CLOSED:
                    row.update(closed_at=event.timestamp, couriers=event.couriers, total=event.total)
                else:
                    attempts.append(attempt_row(row, event))
        orders.flush(conn)
        tracks.flush(conn)
        months.flush(conn)
        if attempts:
            conn.execute(performance_attempts.insert(), attempts)
        if awards:
            conn.execute(incentive_awards.insert(), awards)
        if feedback:
            conn.execute(performance_feedback.insert(), feedback)


def attempt_row(order: dict[str, Any], event: Any) -> dict[str, Any]:
    """One delivery attempt judged against the promised window: inside it is on time."""
    at = event.timestamp
    delivered = isinstance(event, DELIVERED)
    late_by = (at - order["window_end"]).total_seconds()
    early = delivered and at < order["window_start"]
    late = delivered and late_by > 0
    if order["courier"] is None:
        raise LookupError(f"order {order['number']} was attempted before it was handed to a courier")
    return {
        "key": f"{order['id']}:{event.originator_version}", "order_number": order["number"],
        "courier": order["courier"], "at": at, "delivered": delivered, "on_time": delivered and not early and not late,
        "early": early, "late": late, "lateness_seconds": late_by if late else 0.0,
    }


def _ride(track: dict[str, Any], pings: Sequence[dict[str, Any]]) -> None:
    """Add the distance between accepted pings, counting a move only once it leaves the fixes' own error."""
    lat, lon, accuracy = track["anchor_lat"], track["anchor_lon"], track["anchor_accuracy"]
    distance = track["distance_m"]
    for ping in pings:
        fix_accuracy = ping.get("accuracy") or 0.0
        if lat is not None:
            metres = float(haversine_m(lat, lon, ping["lat"], ping["lon"]))
            if metres <= max(accuracy, fix_accuracy):
                continue
            distance += metres
        lat, lon, accuracy = ping["lat"], ping["lon"], fix_accuracy
    track.update(distance_m=distance, anchor_lat=lat, anchor_lon=lon, anchor_accuracy=accuracy)


def award_row(period: str, event: Any) -> dict[str, Any]:
    return {
        "key": f"{period}:{event.courier}", "period": period, "courier": event.courier, "grade": event.grade,
        "deliveries": event.deliveries, "commission_per_delivery": event.commission_per_delivery,
        "commission": event.commission, "on_time_rate": event.on_time_rate, "rating": event.rating,
        "bonus_eligible": event.bonus_eligible, "bonus_tier": event.bonus_tier, "bonus": event.bonus,
        "complaints": event.complaints, "deductions": event.deductions, "gross": event.gross, "total": event.total,
        "total_cents": int((event.total * 100).to_integral_value()),
        "on_time_rate_bp": int((event.on_time_rate * 10_000).to_integral_value()),
        "currency": event.currency, "awarded_at": event.timestamp,
    }


# -- business days and periods ----------------------------------------------------------------


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class Span:
    """Whole business days [first, end) and the instants they run between in the shop's timezone."""

    label: str
    first: date
    end: date

    def instants(self, timezone: str) -> tuple[datetime, datetime]:
        zone = _zone(timezone)
        return datetime.combine(self.first, time(), zone), datetime.combine(self.end, time(), zone)


def day_span(day: date) -> Span:
    return Span(day.isoformat(), day, day + timedelta(days=1))


def month_span(period: str, months: int = 1) -> Span:
    """A period named by its first month ("YYYY-MM", as the assessment names it) lasting `months`."""
    year, month = (int(part) for part in period.split("-"))
    index = year * 12 + month - 1 + months
    return Span(period, date(year, month, 1), date(index // 12, index % 12 + 1, 1))


def business_day(moment: datetime, timezone: str) -> date:
    check_aware(moment, "at")
    return moment.astimezone(_zone(timezone)).date()


# -- queries: the only way the API reads performance -------------------------------------------


@dataclass
class _Sums:
    deliveries: int = 0
    on_time: int = 0
    early: int = 0
    late: int = 0
    lateness_seconds: float = 0.0
    failed: int = 0
    distance_m: float = 0.0
    rating_total: float = 0.0
    ratings: int = 0
    complaints: int = 0

    def view(self, courier: str, span: Span, timezone: str) -> CourierKpisView:
        start, end = span.instants(timezone)
        return CourierKpisView(
            courier=courier, period=span.label, start=start, end=end, deliveries=self.deliveries,
            on_time=self.on_time, early=self.early, late=self.late,
            on_time_rate=(Decimal(self.on_time) / self.deliveries).quantize(RATE) if self.deliveries else None,
            average_lateness_minutes=(
                Decimal(str(self.lateness_seconds / self.late / 60)).quantize(HUNDREDTH)
                if self.late else Decimal("0.00")),
            failed_attempts=self.failed,
            distance_km=Decimal(str(self.distance_m / 1000)).quantize(HUNDREDTH),
            rating=(Decimal(str(self.rating_total / self.ratings)).quantize(HUNDREDTH) if self.ratings else None),
            ratings=self.ratings, complaints=self.complaints,
        )


def _sums(conn: Connection, span: Span, timezone: str, couriers: Sequence[str] | None) -> dict[str, _Sums]:
    """Each courier's figures over a span, summed in the database: attempts, distance, feedback."""
    start, end = span.instants(timezone)
    sums: dict[str, _Sums] = defaultdict(_Sums)
    a, t, f = performance_attempts.c, performance_tracks.c, performance_feedback.c

    def only(column: Any) -> list[Any]:
        return [] if couriers is None else [column.in_(list(couriers))]

    for row in conn.execute(
        select(
            a.courier,
            func.sum(case((a.delivered, 1), else_=0)), func.sum(case((a.on_time, 1), else_=0)),
            func.sum(case((a.early, 1), else_=0)), func.sum(case((a.late, 1), else_=0)),
            func.sum(a.lateness_seconds), func.sum(case((a.delivered, 0), else_=1)),
        ).where(a.at >= start, a.at < end, *only(a.courier)).group_by(a.courier)
    ):
        s = sums[row[0]]
        s.deliveries, s.on_time, s.early, s.late = (int(v or 0) for v in row[1:5])
        s.lateness_seconds, s.failed = float(row[5] or 0.0), int(row[6] or 0)
    for courier, metres in conn.execute(
        select(t.courier, func.sum(t.distance_m))
        .where(t.day >= span.first.isoformat(), t.day < span.end.isoformat(), *only(t.courier)).group_by(t.courier)
    ):
        sums[courier].distance_m = float(metres or 0.0)
    for courier, total, ratings, complaints in conn.execute(
        select(f.courier, func.sum(f.rating), func.count(f.rating), func.sum(case((f.complaint, 1), else_=0)))
        .where(f.at >= start, f.at < end, *only(f.courier)).group_by(f.courier)
    ):
        s = sums[courier]
        s.rating_total, s.ratings, s.complaints = float(total or 0.0), int(ratings or 0), int(complaints or 0)
    return sums


def courier_kpis(db: ReadDatabase, courier: str, span: Span) -> CourierKpisView:
    """One courier's figures over a business day or period (all zero when nothing happened)."""
    timezone = db.settings.business_timezone
    with db.read() as conn:
        sums = _sums(conn, span, timezone, [courier])
    return sums.get(courier, _Sums()).view(courier, span, timezone)


def period_kpis(db: ReadDatabase, span: Span, couriers: Iterable[str] = ()) -> list[CourierKpisView]:
    """Figures over a period for everyone who did anything in it, and for `couriers` even if they did
    nothing: what a month's assessment and pay are computed from."""
    timezone = db.settings.business_timezone
    with db.read() as conn:
        sums = _sums(conn, span, timezone, None)
    for courier in couriers:
        sums.setdefault(courier, _Sums())
    return [sums[courier].view(courier, span, timezone) for courier in sorted(sums)]


def daily_kpis(db: ReadDatabase, courier: str, first: date, last: date) -> list[CourierKpisView]:
    """One courier's figures for each business day from `first` to `last`, both included."""
    timezone = db.settings.business_timezone
    whole = Span(f"{first}/{last}", first, last + timedelta(days=1))
    start, end = whole.instants(timezone)
    days: dict[date, _Sums] = {first + timedelta(days=n): _Sums() for n in range((whole.end - first).days)}
    a, t, f = performance_attempts.c, performance_tracks.c, performance_feedback.c
    with db.read() as conn:
        attempts = select(performance_attempts).where(a.courier == courier, a.at >= start, a.at < end)
        for row in conn.execute(attempts).mappings():
            s = days[business_day(row["at"], timezone)]
            if row["delivered"]:
                s.deliveries += 1
                s.on_time += row["on_time"]
                s.early += row["early"]
                s.late += row["late"]
                s.lateness_seconds += row["lateness_seconds"]
            else:
                s.failed += 1
        for day, metres in conn.execute(
            select(t.day, t.distance_m).where(t.courier == courier, t.day >= first.isoformat(),
                                              t.day < whole.end.isoformat())
        ):
            days[date.fromisoformat(day)].distance_m += metres
        for at, rating, complaint in conn.execute(
            select(f.at, f.rating, f.complaint).where(f.courier == courier, f.at >= start, f.at < end)
        ):
            s = days[business_day(at, timezone)]
            if rating is not None:
                s.rating_total += rating
                s.ratings += 1
            s.complaints += int(complaint)
    return [sums.view(courier, day_span(day), timezone) for day, sums in days.items()]


def incentive_results(db: ReadDatabase, period: str) -> IncentiveMonthView | None:
    """A closed month's awards, by courier; None while the month is open."""
    with db.read() as conn:
        month = conn.execute(select(incentive_months).where(incentive_months.c.period == period)).mappings().first()
        if month is None or month["closed_at"] is None:
            return None
        rows = conn.execute(
            select(incentive_awards).where(incentive_awards.c.period == period).order_by(incentive_awards.c.courier)
        ).mappings().all()
    return IncentiveMonthView(
        period=period, closed_at=month["closed_at"], couriers=month["couriers"], total=month["total"],
        currency=month["currency"], awards=[award_view(row) for row in rows],
    )


def incentive_ranking(db: ReadDatabase, period: str, first: int = 10) -> list[IncentiveAwardView]:
    """The month's best couriers: highest total award, then best on-time rate, then by reference."""
    a = incentive_awards.c
    with db.read() as conn:
        closed = conn.execute(
            select(incentive_months.c.closed_at).where(incentive_months.c.period == period)
        ).scalar_one_or_none()
        if closed is None:
            return []
        rows = conn.execute(
            select(incentive_awards).where(a.period == period)
            .order_by(a.total_cents.desc(), a.on_time_rate_bp.desc(), a.courier).limit(first)
        ).mappings().all()
    return [award_view(row) for row in rows]


def courier_awards(db: ReadDatabase, courier: str) -> list[IncentiveAwardView]:
    """Every award a courier has had, month by month."""
    with db.read() as conn:
        rows = conn.execute(
            select(incentive_awards).where(incentive_awards.c.courier == courier).order_by(incentive_awards.c.period)
        ).mappings().all()
    return [award_view(row) for row in rows]


def award_view(row: RowMapping) -> IncentiveAwardView:
    return IncentiveAwardView(
        period=row["period"], courier=row["courier"], grade=row["grade"], deliveries=row["deliveries"],
        commission_per_delivery=row["commission_per_delivery"], commission=row["commission"],
        on_time_rate=row["on_time_rate"], rating=row["rating"], bonus_eligible=row["bonus_eligible"],
        bonus_tier=row["bonus_tier"], bonus=row["bonus"], complaints=row["complaints"],
        deductions=row["deductions"], gross=row["gross"], total=row["total"], currency=row["currency"],
        awarded_at=row["awarded_at"],
    )
