"""GraphQL views of tracking, notifications, cases, ratings, returns and situations, and the inputs that change them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from api.locations.types import CourierPosition
from api.recorded import Recorded
from api.views import thin
from domain.aftersales import INSPECTION_RESULTS, SERVICES, STATUSES as AFTERSALES_STATUSES
from domain.cases import CATEGORIES, CONTACT_CHANNELS, KINDS, ROOT_CAUSES, STATUSES as CASE_STATUSES
from domain.notifications import CHANNELS, MESSAGE_STATUSES
from domain.orders import STATUSES as ORDER_STATUSES
from domain.situations import KINDS as SITUATION_KINDS
from projections.cases import ANALYSIS_KEYS
from projections.views import (
    AfterSalesLineView, AfterSalesStepView, AfterSalesView, BoardItemView, CaseCountView, CaseView, EscalationView,
    NotificationMessageView, NotificationView, PickupView, RatingView, SituationView, SlaView, TrackingStepView,
    TrackingView,
)


def enum_of(name: str, values: tuple[str, ...], description: str) -> Any:
    """A GraphQL enum generated from the domain's own list, so a new value can never be missing here."""
    return strawberry.enum(Enum(name, {v.upper(): v for v in values}), description=description)  # type: ignore[misc]


CaseKind = enum_of("CaseKind", KINDS, "A complaint (counts against the courier), feedback or an enquiry.")
CaseCategory = enum_of("CaseCategory", CATEGORIES, "What the case is about.")
ContactChannel = enum_of("ContactChannel", CONTACT_CHANNELS, "How the customer reached the shop.")
RootCause = enum_of("RootCause", ROOT_CAUSES, "What really went wrong, found while resolving.")
CaseStatus = enum_of("CaseStatus", CASE_STATUSES, "Where a case stands.")
SlaState = enum_of("SlaState", ("NONE", "ON_TRACK", "AT_RISK", "MET", "BREACHED"),
                   "A promise at the moment asked: none made, on track, due within 30 minutes, kept, or broken.")
AfterSalesService = enum_of("AfterSalesService", SERVICES, "Return (no reason needed), exchange or repair.")
AfterSalesStatus = enum_of("AfterSalesStatus", AFTERSALES_STATUSES, "Where a request and its goods are.")
InspectionResult = enum_of("InspectionResult", INSPECTION_RESULTS, "What the warehouse found.")
SituationKind = enum_of("SituationKind", SITUATION_KINDS, "Why the dispatcher declared a special situation.")
MessageStatus = enum_of("MessageStatus", MESSAGE_STATUSES, "Where one channel's message is.")
Channel = enum_of("Channel", CHANNELS, "The way a message travels.")
AnalysisKey = enum_of("AnalysisKey", ANALYSIS_KEYS, "What to count cases by (weeks in the shop's timezone).")
OrderState = enum_of("OrderState", ORDER_STATUSES, "Where an order is in its life.")


# -- tracking ----------------------------------------------------------------------------------------


@strawberry.type(description="One step of the order's life, in plain words.")
class TrackingStep:
    status: str
    at: datetime
    text: str

    @classmethod
    def from_view(cls, view: TrackingStepView) -> "TrackingStep":
        return thin(cls, view)


@strawberry.type(description="What a tracking link shows: the timeline in plain words, the courier while out for "
                 "delivery, a live ETA; no customer data, no address, no goods.")
class OrderTracking:
    number: str
    status: OrderState  # type: ignore[valid-type]
    language: str
    window_start: datetime
    window_end: datetime
    courier_id: str | None
    headline: str = strawberry.field(description="Where things stand in one line, e.g. '3 stops away · Arriving "
                                     "around 14:35'.")
    timeline: list[TrackingStep]
    eta: datetime | None = strawberry.field(description="Recomputed from the live route and the courier's position.")
    eta_live: bool = strawberry.field(description="True when the courier's position corrected the plan's time.")
    planned_arrival: datetime | None
    stops_away: int | None = strawberry.field(description="Stops the courier makes before this one (0: next).")
    courier_position: CourierPosition | None = strawberry.field(description="Only while out for delivery.")
    delayed: bool
    delay_reason: str | None
    situation: str | None = strawberry.field(description="A special situation slowing this delivery, in words.")
    as_of: datetime

    @classmethod
    def from_view(cls, view: TrackingView) -> "OrderTracking":
        return thin(
            cls, view, status=OrderState(view.status), timeline=[TrackingStep.from_view(s) for s in view.steps],
            courier_position=CourierPosition.from_view(view.courier_position) if view.courier_position else None,
        )


@strawberry.type(description="A tracking link: send `token` as a bearer token to read this one order's tracking page.")
class TrackingLink:
    number: str
    token: str
    expires_at: datetime = strawberry.field(description="Real time, like every token's expiry.")


# -- notifications ----------------------------------------------------------------------------------------


@strawberry.type
class NotificationMessage:
    channel: Channel  # type: ignore[valid-type]
    to: str
    status: MessageStatus  # type: ignore[valid-type]
    attempts: int
    last_error: str
    sent_at: datetime | None
    delivered_at: datetime | None
    updated_at: datetime

    @classmethod
    def from_view(cls, view: NotificationMessageView) -> "NotificationMessage":
        return thin(cls, view, channel=Channel(view.channel), status=MessageStatus(view.status))


@strawberry.type(description="One message the outbox holds, with each channel's fate.")
class Notification:
    id: str
    subject: str
    topic: str = strawberry.field(description="The event it tells of: one notification per subject and topic.")
    kind: str
    order: str | None
    recipient: str
    language: str
    title: str
    text: str
    urgent: bool = strawberry.field(description="Delivery news: sent in quiet hours too.")
    queued_at: datetime
    position: int
    held_until: datetime | None = strawberry.field(description="Held through the recipient's quiet hours until then.")
    status: MessageStatus  # type: ignore[valid-type]
    suppressed: list[str] = strawberry.field(description="Channels the customer had opted out of when it was queued.")
    messages: list[NotificationMessage]

    @classmethod
    def from_view(cls, view: NotificationView) -> "Notification":
        return thin(cls, view, status=MessageStatus(view.status), suppressed=list(view.suppressed),
                    messages=[NotificationMessage.from_view(m) for m in view.messages])


# -- cases and ratings ----------------------------------------------------------------------------------------


@strawberry.type(description="One promise of a case or request and where it stands at the moment asked.")
class Sla:
    sla: str
    due: datetime | None
    met_at: datetime | None
    state: SlaState  # type: ignore[valid-type]

    @classmethod
    def from_view(cls, view: SlaView) -> "Sla":
        return thin(cls, view, state=SlaState(view.state))


@strawberry.type
class Escalation:
    sla: str
    due: datetime
    at: datetime
    round: int
    overdue_minutes: int

    @classmethod
    def from_view(cls, view: EscalationView) -> "Escalation":
        return thin(cls, view)


@strawberry.type
class Case:
    number: str
    customer: str
    kind: CaseKind  # type: ignore[valid-type]
    channel: ContactChannel  # type: ignore[valid-type]
    category: CaseCategory  # type: ignore[valid-type]
    description: str
    order: str | None
    courier: str | None
    zone: str | None
    status: CaseStatus  # type: ignore[valid-type]
    round: int = strawberry.field(description="1, and one more each time the case is reopened.")
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
    slas: list[Sla]
    escalations: list[Escalation]

    @classmethod
    def from_view(cls, view: CaseView) -> "Case":
        return thin(
            cls, view, kind=CaseKind(view.kind), channel=ContactChannel(view.channel),
            category=CaseCategory(view.category), status=CaseStatus(view.status),
            slas=[Sla.from_view(s) for s in view.slas], escalations=[Escalation.from_view(e) for e in view.escalations],
        )


@strawberry.type
class CaseCount:
    key: str
    count: int

    @classmethod
    def from_view(cls, view: CaseCountView) -> "CaseCount":
        return thin(cls, view)


@strawberry.type(description="An escalated case or request still open: the supervisor's board.")
class BoardItem:
    kind: str = strawberry.field(description="case or aftersales.")
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

    @classmethod
    def from_view(cls, view: BoardItemView) -> "BoardItem":
        return thin(cls, view)


@strawberry.type
class DeliveryRating:
    order: str
    courier: str
    customer: str
    stars: int
    comment: str
    zone: str | None
    rated_at: datetime

    @classmethod
    def from_view(cls, view: RatingView) -> "DeliveryRating":
        return thin(cls, view)


# -- after-sales ----------------------------------------------------------------------------------------------


@strawberry.type
class AfterSalesLine:
    sku: str
    quantity: int
    warehouse: str
    unit_price: Decimal
    category: str

    @classmethod
    def from_view(cls, view: AfterSalesLineView) -> "AfterSalesLine":
        return thin(cls, view)


@strawberry.type
class AfterSalesStep:
    step: str
    at: datetime
    detail: str

    @classmethod
    def from_view(cls, view: AfterSalesStepView) -> "AfterSalesStep":
        return thin(cls, view)


@strawberry.type
class AfterSalesRequest:
    number: str
    service: AfterSalesService  # type: ignore[valid-type]
    order: str
    customer: str
    zone: str | None
    status: AfterSalesStatus  # type: ignore[valid-type]
    reason: str
    lines: list[AfterSalesLine]
    requested_at: datetime
    updated_at: datetime
    answer: Sla = strawberry.field(description="Approved or rejected within 24 hours.")
    escalations: list[Escalation]
    rejection_reason: str | None
    pickup_start: datetime | None
    pickup_end: datetime | None
    warehouse: str | None
    inspection: str | None
    refund: Decimal | None
    exchange_order: str | None = strawberry.field(description="The new order that sends the goods again.")
    disposition: str | None = strawberry.field(description="restocked or written_off.")
    completed_at: datetime | None
    steps: list[AfterSalesStep]

    @classmethod
    def from_view(cls, view: AfterSalesView) -> "AfterSalesRequest":
        return thin(
            cls, view, service=AfterSalesService(view.service), status=AfterSalesStatus(view.status),
            lines=[AfterSalesLine.from_view(line) for line in view.lines], answer=Sla.from_view(view.answer),
            escalations=[Escalation.from_view(e) for e in view.escalations],
            steps=[AfterSalesStep.from_view(s) for s in view.steps],
        )


@strawberry.type(description="A booked return pickup not yet collected: a pickup stop for the next route plan.")
class Pickup:
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
    warehouse: str = strawberry.field(description="Where the goods ride back to.")

    @classmethod
    def from_view(cls, view: PickupView) -> "Pickup":
        return thin(cls, view)


@strawberry.type
class SpecialSituation:
    code: str
    kind: SituationKind  # type: ignore[valid-type]
    description: str
    zones: list[str]
    factor: float = strawberry.field(description="How much longer travel takes in its zones while it runs.")
    starts_at: datetime
    ends_at: datetime
    declared_at: datetime
    ended_at: datetime | None
    status: str

    @classmethod
    def from_view(cls, view: SituationView) -> "SpecialSituation":
        return thin(cls, view, kind=SituationKind(view.kind), zones=list(view.zones))


# -- inputs -----------------------------------------------------------------------------------------------------


@strawberry.input
class OpenCaseInput:
    customer: str | None = strawberry.field(default=None, description="Defaults to the signed-in customer.")
    kind: CaseKind  # type: ignore[valid-type]
    channel: ContactChannel  # type: ignore[valid-type]
    category: CaseCategory  # type: ignore[valid-type]
    description: str
    order: str | None = None
    number: str | None = strawberry.field(default=None, description="Leave out to have one generated.")


@strawberry.input
class AcknowledgeCaseInput:
    number: str
    by: str = ""


@strawberry.input
class ProposeCaseSolutionInput:
    number: str
    solution: str
    by: str = ""


@strawberry.input
class ResolveCaseInput:
    number: str
    resolution: str
    compensation: Decimal = Decimal("0")
    root_cause: RootCause = RootCause.OTHER  # type: ignore[valid-type]
    by: str = ""


@strawberry.input
class ReopenCaseInput:
    number: str
    reason: str


@strawberry.input
class CloseCaseInput:
    number: str
    satisfaction: int = strawberry.field(description="The customer's score in the follow-up call, 1 to 5.")
    notes: str = ""
    by: str = ""


@strawberry.input
class RateDeliveryInput:
    order: str
    stars: int = strawberry.field(description="1 to 5.")
    comment: str = ""


@strawberry.input
class SetAfterSalesPolicyInput:
    category: str
    return_days: int
    exchange_days: int
    repair_days: int


@strawberry.input
class AfterSalesLineInput:
    sku: str
    quantity: int


@strawberry.input
class RequestAfterSalesInput:
    order: str
    service: AfterSalesService  # type: ignore[valid-type]
    lines: list[AfterSalesLineInput] | None = strawberry.field(default=None, description="Default: every line.")
    reason: str = strawberry.field(default="", description="Needed for an exchange (the quality problem) or a repair.")


@strawberry.input
class AfterSalesNumberInput:
    number: str


@strawberry.input
class ApproveAfterSalesInput:
    number: str
    note: str = ""


@strawberry.input
class RejectAfterSalesInput:
    number: str
    reason: str


@strawberry.input
class ScheduleReturnPickupInput:
    number: str
    window_start: datetime
    window_end: datetime


@strawberry.input
class CourierStepInput:
    number: str
    courier: str | None = strawberry.field(default=None, description="Defaults to the signed-in courier.")


@strawberry.input
class ReceiveReturnInput:
    number: str
    warehouse: str | None = strawberry.field(default=None, description="Default: the warehouse that shipped it.")


@strawberry.input
class InspectReturnInput:
    number: str
    result: InspectionResult  # type: ignore[valid-type]
    notes: str = ""


@strawberry.input
class RefundAfterSalesInput:
    number: str
    amount: Decimal | None = strawberry.field(default=None, description="Default: the goods' full value.")


@strawberry.input
class ExchangeAfterSalesInput:
    number: str
    window_start: datetime | None = strawberry.field(
        default=None, description="Default: the original window, a day (or days) later.")
    window_end: datetime | None = None


@strawberry.input
class WriteOffReturnInput:
    number: str
    reason: str


@strawberry.input
class SendToRepairInput:
    number: str
    repairer: str


@strawberry.input
class MarkRepairedInput:
    number: str
    notes: str = ""


@strawberry.input
class DeclareSpecialSituationInput:
    kind: SituationKind  # type: ignore[valid-type]
    zones: list[str]
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    factor: float | None = strawberry.field(default=None, description="Default by kind: rain 1.5, closure 2, "
                                            "peak 1.3, other 1.5.")
    code: str | None = None


@strawberry.input
class EndSpecialSituationInput:
    code: str
    reason: str = ""


@strawberry.input
class ConfirmNotificationDeliveryInput:
    message_id: str = strawberry.field(description="As sent to the gateway: '<notification id>:<channel>'.")
    delivered: bool
    error: str = ""


@strawberry.input
class RetryNotificationInput:
    id: str


# -- payloads -----------------------------------------------------------------------------------------------------


@strawberry.type
class CasePayload(Recorded):
    number: str
    status: CaseStatus  # type: ignore[valid-type]


@strawberry.type
class RatingPayload(Recorded):
    order: str
    courier: str
    stars: int


@strawberry.type
class AfterSalesPayload(Recorded):
    number: str
    service: AfterSalesService  # type: ignore[valid-type]
    status: AfterSalesStatus  # type: ignore[valid-type]
    exchange_order: str | None = None


@strawberry.type
class AfterSalesPolicyPayload(Recorded):
    category: str
    return_days: int
    exchange_days: int
    repair_days: int


@strawberry.type
class SituationPayload(Recorded):
    code: str
    status: str


@strawberry.type
class NotificationPayload(Recorded):
    id: str


@strawberry.type
class EscalatedItem:
    kind: str
    number: str
    sla: str


@strawberry.type
class SlaCheckPayload(Recorded):
    escalated: list[EscalatedItem]


@strawberry.type
class DelayNotice:
    order: str
    notice: int
    eta: datetime
    reason: str


@strawberry.type
class DelayCheckPayload(Recorded):
    delayed: list[DelayNotice]


@strawberry.type
class SituationCheckPayload(Recorded):
    started: list[str]
    ended: list[str]
