"""The read models' shapes as the API sees them: plain frozen records, never domain objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor-paginated list; `end_cursor` is passed back as `after`."""

    items: list[T]
    end_cursor: str | None
    has_next_page: bool
    total_count: int


@dataclass(frozen=True)
class OrderLineView:
    sku: str
    quantity: int
    warehouse: str
    unit_price: Decimal
    weight_kg: Decimal
    volume_l: Decimal


@dataclass(frozen=True)
class TimelineEntry:
    status: str
    at: datetime
    position: int
    event_type: str
    detail: str


@dataclass(frozen=True)
class OrderView:
    id: str
    number: str
    customer: str
    status: str
    warehouses: list[str]
    warehouse_rule: str
    address_text: str
    lat: float
    lon: float
    window_start: datetime
    window_end: datetime
    weight_kg: Decimal
    volume_l: Decimal
    courier_id: str | None
    delivery_code_required: bool
    placed_at: datetime
    updated_at: datetime
    lines: list[OrderLineView]
    timeline: list[TimelineEntry]
    zone: str | None = None


@dataclass(frozen=True)
class StockView:
    warehouse: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    threshold: int
    last_counted_at: datetime | None
    last_count: int | None
    last_variance: int | None
    updated_at: datetime


@dataclass(frozen=True)
class LowStockAlertView:
    warehouse: str
    sku: str
    available: int
    threshold: int
    raised_at: datetime
    replenishment_requested: int | None
    purchasing_contact: str
    cleared_at: datetime | None = None


@dataclass(frozen=True)
class ShortageView:
    warehouse: str
    sku: str
    shortfall: int
    orders: list[str]
    found_at: datetime


@dataclass(frozen=True)
class OverdueCountView:
    warehouse: str
    sku: str
    last_counted_at: datetime | None
    due_at: datetime


@dataclass(frozen=True)
class ProductView:
    sku: str
    name: str
    weight_kg: Decimal
    volume_l: Decimal
    price: Decimal
    category: str
    discontinued: bool


@dataclass(frozen=True)
class WarehouseView:
    code: str
    name: str
    lat: float
    lon: float
    opens: str
    closes: str
    stock_take_interval_days: int
    purchasing_contact: str


@dataclass(frozen=True)
class CustomerView:
    reference: str
    name: str
    phone: str
    language: str
    channels: list[str]
    opted_out: list[str]
    addresses: list[dict[str, object]]


@dataclass(frozen=True)
class ProjectionLag:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return self.head - self.position


@dataclass(frozen=True)
class RevocationsView:
    """Revoked token ids, and per subject the Unix second up to which its tokens are revoked."""

    token_ids: frozenset[str]
    subjects: dict[str, int]


@dataclass(frozen=True)
class EventRecord:
    """One stored event in log order, decoded to plain data (history, feeds, subscriptions)."""

    position: int
    aggregate_id: str
    aggregate_type: str
    version: int
    event_type: str
    timestamp: datetime
    data: dict[str, object]
    # Audit metadata (domain/audit.py); None for events stored before it was recorded.
    actor: str | None = None
    command: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None


# -- couriers, vehicles, zones and live locations -------------------------------------------


@dataclass(frozen=True)
class CourierView:
    reference: str
    name: str
    phone: str
    driving_years: int
    licence_class: str
    status: str
    status_reason: str
    certified: bool
    grade: str | None
    skills: list[str]
    home_zone: str | None
    on_shift: bool
    on_break: bool
    current_shift: str | None
    retraining_due: bool
    consecutive_flags: int
    last_flagged_period: str | None
    offboarding_proposed: bool
    applied_at: datetime
    activated_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class ShiftView:
    shift: str
    courier: str
    start: datetime
    end: datetime
    zone: str
    vehicle: str | None
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    breaks: int
    break_seconds: int
    end_reason: str


@dataclass(frozen=True)
class TrainingView:
    course: str
    hours: Decimal
    score: int
    pass_mark: int
    passed: bool
    at: datetime


@dataclass(frozen=True)
class CourierAssessmentView:
    period: str
    outcome: str
    failed_thresholds: list[str]
    consecutive_flags: int
    offboarding_proposed: bool
    promoted_to: str | None
    assessed_at: datetime


@dataclass(frozen=True)
class CourierKpisView:
    """A courier's figures over whole business days [start, end) in the shop's timezone."""

    courier: str
    period: str
    start: datetime
    end: datetime
    deliveries: int
    on_time: int
    early: int
    late: int
    on_time_rate: Decimal | None
    average_lateness_minutes: Decimal
    failed_attempts: int
    distance_km: Decimal
    rating: Decimal | None
    ratings: int
    complaints: int


@dataclass(frozen=True)
class IncentiveAwardView:
    period: str
    courier: str
    grade: str
    deliveries: int
    commission_per_delivery: Decimal
    commission: Decimal
    on_time_rate: Decimal
    rating: Decimal | None
    bonus_eligible: bool
    bonus_tier: int | None
    bonus: Decimal
    complaints: int
    deductions: Decimal
    gross: Decimal
    total: Decimal
    currency: str
    awarded_at: datetime


@dataclass(frozen=True)
class IncentiveMonthView:
    period: str
    closed_at: datetime
    couriers: int
    total: Decimal
    currency: str
    awards: list[IncentiveAwardView]


@dataclass(frozen=True)
class SpeedBandView:
    start: str
    end: str
    kmh: Decimal


@dataclass(frozen=True)
class VehicleTypeView:
    name: str
    capacity_kg: Decimal
    capacity_l: Decimal
    cruise_kmh: Decimal
    max_kmh: Decimal
    speed_bands: list[SpeedBandView]
    cost_per_km: Decimal
    cost_per_hour: Decimal
    fixed_daily_cost: Decimal
    skills: list[str]
    vehicles: int
    vehicles_available: int
    updated_at: datetime


@dataclass(frozen=True)
class VehicleView:
    plate: str
    vehicle_type: str
    status: str
    in_service: bool
    out_of_service_reason: str | None
    courier: str | None
    shift: str | None
    registered_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ZoneView:
    code: str
    name: str
    kind: str
    boundary: dict[str, object]
    area_km2: float
    retired: bool
    retired_reason: str
    couriers: list[str]
    proposal: str | None
    defined_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ZoneWorkloadView:
    zone: str
    window_from: datetime
    window_to: datetime
    orders: int
    service_minutes: Decimal
    workload_minutes: Decimal


@dataclass(frozen=True)
class ZoneOrderView:
    number: str
    zone: str | None
    lat: float
    lon: float
    window_start: datetime
    placed_at: datetime
    closed_as: str | None


@dataclass(frozen=True)
class UnzonedOrderView:
    number: str
    lat: float
    lon: float
    window_start: datetime
    placed_at: datetime
    found_at: datetime
    zones_on_map: int
    closed_as: str | None


@dataclass(frozen=True)
class ProposedZoneView:
    code: str
    name: str
    kind: str
    boundary: dict[str, object]
    addresses: int
    service_minutes: float
    travel_minutes: float
    workload_minutes: float
    area_km2: float
    centre_lat: float
    centre_lon: float


@dataclass(frozen=True)
class ZoneProposalView:
    proposal: str
    proposed_at: datetime
    requested_zones: int
    addresses: int
    service_minutes: float
    speed_kmh: float
    days: float
    tolerance: float
    seed: int
    mean_workload_minutes: float
    max_workload_minutes: float
    imbalance: float
    repair_moves: int
    accepted_at: datetime | None
    defined: list[str]
    redrawn: list[str]
    retired: list[str]
    zones: list[ProposedZoneView]


@dataclass(frozen=True)
class CourierPositionView:
    courier: str
    lat: float
    lon: float
    at: datetime
    speed_kmh: float | None
    accuracy_m: float | None
    position: int


@dataclass(frozen=True)
class LocationAlertView:
    alert: str
    courier: str
    kind: str
    raised_at: datetime
    ended_at: datetime | None
    lat: float | None
    lon: float | None
    measure: float | None
    limit: float | None
    detail: str
    end_detail: str


@dataclass(frozen=True)
class TrackDayView:
    courier: str
    day: str
    received: int
    accepted: int
    rejected: dict[str, int]
    last_ping_at: datetime | None

# -- customer care: notifications, cases, ratings, after-sales, situations, tracking --------------


@dataclass(frozen=True)
class NotificationMessageView:
    channel: str
    to: str
    status: str
    attempts: int
    last_error: str
    sent_at: datetime | None
    delivered_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class NotificationView:
    id: str
    subject: str
    topic: str
    kind: str
    order: str | None
    recipient: str
    language: str
    title: str
    text: str
    urgent: bool
    queued_at: datetime
    position: int
    held_until: datetime | None
    status: str
    suppressed: list[str]
    messages: list[NotificationMessageView]


@dataclass(frozen=True)
class DueMessage:
    """A message the sending worker may try now: which notification, which channel, and its queue position."""

    notification_id: str
    channel: str
    position: int


@dataclass(frozen=True)
class EscalationView:
    sla: str
    due: datetime
    at: datetime
    round: int
    overdue_minutes: int


@dataclass(frozen=True)
class SlaView:
    """One promise of a case or request: when it is due and where it stands at the moment asked."""

    sla: str
    due: datetime | None
    met_at: datetime | None
    state: str  # NONE, ON_TRACK, AT_RISK, MET, BREACHED


@dataclass(frozen=True)
class CaseView:
    number: str
    id: str
    customer: str
    kind: str
    channel: str
    category: str
    description: str
    order: str | None
    courier: str | None
    zone: str | None
    status: str
    round: int
    opened_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    solution: str | None
    resolution: str | None
    compensation: Decimal
    root_cause: str | None
    resolved_at: datetime | None
    satisfaction: int | None
    closed_at: datetime | None
    slas: list[SlaView]
    escalations: list[EscalationView]


@dataclass(frozen=True)
class CaseCountView:
    key: str
    count: int


@dataclass(frozen=True)
class RatingView:
    order: str
    courier: str
    customer: str
    stars: int
    comment: str
    zone: str | None
    rated_at: datetime


@dataclass(frozen=True)
class AfterSalesLineView:
    sku: str
    quantity: int
    warehouse: str
    unit_price: Decimal
    category: str


@dataclass(frozen=True)
class AfterSalesStepView:
    step: str
    at: datetime
    detail: str


@dataclass(frozen=True)
class AfterSalesView:
    number: str
    id: str
    service: str
    order: str
    customer: str
    zone: str | None
    status: str
    reason: str
    lines: list[AfterSalesLineView]
    requested_at: datetime
    updated_at: datetime
    answer: SlaView
    escalations: list[EscalationView]
    rejection_reason: str | None
    pickup_start: datetime | None
    pickup_end: datetime | None
    warehouse: str | None
    inspection: str | None
    refund: Decimal | None
    exchange_order: str | None
    disposition: str | None
    completed_at: datetime | None
    steps: list[AfterSalesStepView]


@dataclass(frozen=True)
class PickupView:
    """A return pickup waiting for a route: what the planner turns into a pickup stop."""

    request: str
    order: str
    customer: str
    lat: float
    lon: float
    zone: str | None
    window_start: datetime
    window_end: datetime
    weight_kg: Decimal
    volume_l: Decimal
    warehouse: str


@dataclass(frozen=True)
class BoardItemView:
    """One escalated case or request still open: what the supervisor's board lists, most overdue first."""

    kind: str
    number: str
    customer: str
    category: str
    status: str
    order: str | None
    courier: str | None
    zone: str | None
    sla: str
    due: datetime
    escalated_at: datetime
    overdue_minutes: int


@dataclass(frozen=True)
class SituationView:
    code: str
    kind: str
    description: str
    zones: list[str]
    factor: float
    starts_at: datetime
    ends_at: datetime
    declared_at: datetime
    ended_at: datetime | None
    status: str


@dataclass(frozen=True)
class PositionAtView:
    """Where a courier was at a moment, as the stored pings tell it."""

    courier: str
    at: datetime
    lat: float
    lon: float
    source: str
    ping_at: datetime
    next_ping_at: datetime | None
    accuracy_m: float | None


@dataclass(frozen=True)
class TrackingStepView:
    status: str
    at: datetime
    text: str


@dataclass(frozen=True)
class TrackingView:
    """An order's tracking page at one moment (`as_of`), in the customer's language."""

    number: str
    customer: str
    status: str
    language: str
    window_start: datetime
    window_end: datetime
    courier_id: str | None
    headline: str
    steps: list[TrackingStepView]
    eta: datetime | None
    eta_live: bool
    planned_arrival: datetime | None
    stops_away: int | None
    courier_position: CourierPositionView | None
    delayed: bool
    delay_reason: str | None
    situation: str | None
    as_of: datetime
