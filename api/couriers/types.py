"""GraphQL views of couriers, their shifts, courses, verdicts, KPIs and awards, and the inputs that change them.

A courier's own fields, shifts, courses, assessments and history honour `asOf`/`version` (rebuilt
from the courier's events); KPIs, awards, zones, position and tracks are other aggregates' facts
and always read as they are now.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import Annotated, Any, Callable, TypeVar

import strawberry
from strawberry.types import Info

from api.audit.time_travel import read_as_of
from api.context import Context
from api.couriers.periods import day_range, span_of, this_month
from api.locations.types import CourierPosition, LocationAlert, TrackDay
from api.recorded import Recorded
from api.views import thin
from domain.couriers import GRADES, LICENCE_CLASSES, SKILLS, STATUSES, Courier as CourierAggregate
from projections.couriers import (
    FLAGGED, PASSED, SHIFT_STATUSES, CouriersProjector, courier_assessments_of, courier_history,
    courier_shift_list, courier_trainings_of,
)
from projections.locations import latest_positions, location_alerts_list, track_day
from projections.performance import courier_awards, courier_kpis, daily_kpis
from projections.views import (
    CourierAssessmentView, CourierKpisView, CourierView, IncentiveAwardView, IncentiveMonthView, ShiftView,
    TimelineEntry, TrainingView,
)
from projections.zones import courier_zones

T = TypeVar("T")

# Generated from the domain's own lists, so a new status, skill or grade can never be missing here.
CourierStatus = strawberry.enum(
    Enum("CourierStatus", {status: status for status in STATUSES}),  # type: ignore[misc]
    description="Where a courier is in their working life, from APPLIED to OFFBOARDED.",
)
Skill = strawberry.enum(Enum("Skill", {skill.upper(): skill for skill in SKILLS}))  # type: ignore[misc]
Grade = strawberry.enum(Enum("Grade", {grade.upper(): grade for grade in GRADES}))  # type: ignore[misc]
LicenceClass = strawberry.enum(
    Enum("LicenceClass", {licence.upper(): licence for licence in LICENCE_CLASSES}),  # type: ignore[misc]
    description="Chinese driving licence classes; NONE for riders of e-bikes.",
)
ShiftStatus = strawberry.enum(Enum("ShiftStatus", {s: s for s in SHIFT_STATUSES}))  # type: ignore[misc]
AssessmentOutcome = strawberry.enum(Enum("AssessmentOutcome", {PASSED: PASSED, FLAGGED: FLAGGED}))  # type: ignore[misc]

COURIERS_PROJECTOR = CouriersProjector()

FromDay = Annotated[date | None, strawberry.argument(name="from", description="First business day, included.")]
ToDay = Annotated[date | None, strawberry.argument(name="to", description="Last business day, included.")]


@strawberry.type
class Shift:
    shift: str
    courier: str
    start: datetime
    end: datetime
    zone: str
    vehicle: str | None
    status: ShiftStatus  # type: ignore[valid-type]
    started_at: datetime | None
    ended_at: datetime | None
    breaks: int
    break_seconds: int
    end_reason: str = strawberry.field(description="Why it ended or was cancelled.")

    @classmethod
    def from_view(cls, view: ShiftView) -> "Shift":
        return thin(cls, view, status=ShiftStatus(view.status))


@strawberry.type(description="A course taken and its exam.")
class Training:
    course: str
    hours: Decimal
    score: int
    pass_mark: int
    passed: bool
    at: datetime

    @classmethod
    def from_view(cls, view: TrainingView) -> "Training":
        return thin(cls, view)


@strawberry.type(description="One period's verdict: a FLAGGED courier must pass retraining before the next shift.")
class CourierAssessment:
    period: str
    outcome: AssessmentOutcome  # type: ignore[valid-type]
    failed_thresholds: list[str]
    consecutive_flags: int
    offboarding_proposed: bool = strawberry.field(description="Repeated flags: a supervisor is to confirm or dismiss.")
    promoted_to: Grade | None  # type: ignore[valid-type]
    assessed_at: datetime

    @classmethod
    def from_view(cls, view: CourierAssessmentView) -> "CourierAssessment":
        return thin(
            cls, view, outcome=AssessmentOutcome(view.outcome), failed_thresholds=list(view.failed_thresholds),
            promoted_to=Grade(view.promoted_to) if view.promoted_to else None,
        )


@strawberry.type(description="One thing that happened to a courier, in log order.")
class CourierEvent:
    status: CourierStatus  # type: ignore[valid-type]
    at: datetime
    position: int
    event_type: str
    detail: str

    @classmethod
    def from_view(cls, view: TimelineEntry) -> "CourierEvent":
        return thin(cls, view, status=CourierStatus(view.status))


@strawberry.type(description="A courier's figures over whole business days [start, end), from delivery events and "
                 "accepted pings. Rating and complaints come from customers' feedback.")
class CourierKpis:
    courier: str
    period: str = strawberry.field(description="The month (YYYY-MM) or day (YYYY-MM-DD) the figures cover.")
    start: datetime
    end: datetime
    deliveries: int
    on_time: int = strawberry.field(description="Delivered inside the promised window.")
    early: int
    late: int
    on_time_rate: Decimal | None = strawberry.field(description="On time / deliveries; null without deliveries.")
    average_lateness_minutes: Decimal = strawberry.field(description="Mean minutes past the window, of late ones.")
    failed_attempts: int
    distance_km: Decimal
    rating: Decimal | None
    ratings: int
    complaints: int

    @classmethod
    def from_view(cls, view: CourierKpisView) -> "CourierKpis":
        return thin(cls, view)


@strawberry.type(description="A courier's award for a closed month, itemised.")
class IncentiveAward:
    period: str
    courier: str
    grade: Grade  # type: ignore[valid-type]
    deliveries: int
    commission_per_delivery: Decimal
    commission: Decimal
    on_time_rate: Decimal
    rating: Decimal | None
    bonus_eligible: bool
    bonus_tier: int | None = strawberry.field(description="Index of the on-time tier reached, from 0.")
    bonus: Decimal
    complaints: int
    deductions: Decimal
    gross: Decimal
    total: Decimal
    currency: str
    awarded_at: datetime

    @classmethod
    def from_view(cls, view: IncentiveAwardView) -> "IncentiveAward":
        return thin(cls, view, grade=Grade(view.grade))


@strawberry.type
class RankedAward(IncentiveAward):
    rank: int

    @classmethod
    def ranked(cls, view: IncentiveAwardView, rank: int) -> "RankedAward":
        return thin(cls, view, grade=Grade(view.grade), rank=rank)


@strawberry.type(
    description="A month's incentive close; while the month is open `closed` is false and nothing is awarded.")
class IncentiveResults:
    period: str
    closed: bool
    closed_at: datetime | None
    couriers: int
    total: Decimal
    currency: str | None
    awards: list[IncentiveAward]

    @classmethod
    def from_view(cls, period: str, view: IncentiveMonthView | None) -> "IncentiveResults":
        if view is None:
            return cls(period=period, closed=False, closed_at=None, couriers=0, total=Decimal("0.00"),
                       currency=None, awards=[])
        return cls(period=period, closed=True, closed_at=view.closed_at, couriers=view.couriers, total=view.total,
                   currency=view.currency, awards=[IncentiveAward.from_view(a) for a in view.awards])


@strawberry.type
class Courier:
    reference: str
    name: str
    phone: str
    driving_years: int
    licence_class: LicenceClass  # type: ignore[valid-type]
    status: CourierStatus  # type: ignore[valid-type]
    status_reason: str = strawberry.field(description="Why suspended, rejected or offboarded.")
    certified: bool
    grade: Grade | None  # type: ignore[valid-type]
    skills: list[Skill]  # type: ignore[valid-type]
    home_zone: str | None
    on_shift: bool
    on_break: bool
    current_shift: str | None
    retraining_due: bool = strawberry.field(description="Flagged: no shift starts until retraining is passed.")
    consecutive_flags: int
    last_flagged_period: str | None
    offboarding_proposed: bool
    applied_at: datetime
    activated_at: datetime | None
    updated_at: datetime
    as_of: strawberry.Private[datetime | None] = None
    version: strawberry.Private[int | None] = None

    @classmethod
    def from_view(cls, view: CourierView, as_of: datetime | None = None, version: int | None = None) -> "Courier":
        return thin(
            cls, view, licence_class=LicenceClass(view.licence_class), status=CourierStatus(view.status),
            grade=Grade(view.grade) if view.grade else None, skills=[Skill(s) for s in view.skills],
            as_of=as_of, version=version,
        )

    async def _as_it_stood(self, context: Context, query: Callable[..., list[T]]) -> list[T]:
        """The courier's own read models at the same cut-off as the courier."""
        found = await read_as_of(
            context, query, self.reference, aggregate_id=CourierAggregate.create_id(self.reference),
            projector=COURIERS_PROJECTOR, as_of=self.as_of, version=self.version,
        )
        return found or []

    @strawberry.field(description="Shifts by start time.")
    async def shifts(
        self, info: Info[Context, None], status: ShiftStatus | None = None,  # type: ignore[valid-type]
        starting_from: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        starting_before: Annotated[datetime | None, strawberry.argument(name="to")] = None,
    ) -> list[Shift]:
        query = partial(courier_shift_list, status=status.value if status else None, starting_from=starting_from,
                        starting_before=starting_before)
        return [Shift.from_view(v) for v in await self._as_it_stood(info.context, query)]

    @strawberry.field
    async def trainings(self, info: Info[Context, None]) -> list[Training]:
        return [Training.from_view(v) for v in await self._as_it_stood(info.context, courier_trainings_of)]

    @strawberry.field(description="Each assessed period's verdict: the flags and what came of them.")
    async def assessments(self, info: Info[Context, None]) -> list[CourierAssessment]:
        return [CourierAssessment.from_view(v) for v in await self._as_it_stood(info.context, courier_assessments_of)]

    @strawberry.field(description="Everything that happened to the courier, in log order.")
    async def history(self, info: Info[Context, None]) -> list[CourierEvent]:
        return [CourierEvent.from_view(v) for v in await self._as_it_stood(info.context, courier_history)]

    @strawberry.field(description="Zones the courier is assigned to now.")
    async def zones(self, info: Info[Context, None]) -> list[str]:
        return await info.context.read(courier_zones, self.reference)

    @strawberry.field(description="Figures for a month (YYYY-MM, default this month, or the month of `asOf`) "
                      "or a day (YYYY-MM-DD).")
    async def kpis(self, info: Info[Context, None], period: str | None = None) -> CourierKpis:
        span = span_of(period or this_month(info.context, self.as_of))
        return CourierKpis.from_view(await info.context.read(courier_kpis, self.reference, span))

    @strawberry.field(description="Figures for each business day in a range (default the last 7 days).")
    async def daily_kpis(
        self, info: Info[Context, None], first: FromDay = None, last: ToDay = None,
    ) -> list[CourierKpis]:
        start, end = day_range(info.context, first, last, default_days=7)
        return [CourierKpis.from_view(v) for v in await info.context.read(daily_kpis, self.reference, start, end)]

    @strawberry.field(description="Monthly incentive awards, oldest first.")
    async def incentives(self, info: Info[Context, None]) -> list[IncentiveAward]:
        return [IncentiveAward.from_view(v) for v in await info.context.read(courier_awards, self.reference)]

    @strawberry.field(description="The latest accepted position, if any.")
    async def position(self, info: Info[Context, None]) -> CourierPosition | None:
        found = await info.context.read(latest_positions, couriers=[self.reference])
        return CourierPosition.from_view(found[0]) if found else None

    @strawberry.field(description="How a business day's pings went (default today).")
    async def track(self, info: Info[Context, None], day: date | None = None) -> TrackDay | None:
        first, _ = day_range(info.context, day, day)
        view = await info.context.read(track_day, self.reference, first.isoformat())
        return TrackDay.from_view(view) if view is not None else None

    @strawberry.field(description="Location alerts about the courier, oldest first.")
    async def alerts(self, info: Info[Context, None], open_only: bool = True) -> list[LocationAlert]:
        views = await info.context.read(location_alerts_list, open_only=open_only, courier=self.reference)
        return [LocationAlert.from_view(v) for v in views]


# -- inputs and payloads --------------------------------------------------------------------


@strawberry.input
class ReceiveCourierApplicationInput:
    reference: str
    name: str
    phone: str
    id_document: str
    driving_years: int
    licence_class: LicenceClass  # type: ignore[valid-type]


@strawberry.input(description="The background check; an applicant who fails the hiring rules is rejected by it.")
class ScreenCourierInput:
    reference: str
    background_check_passed: bool
    note: str = ""
    checked_by: str = ""


@strawberry.input
class RecordCourierTrainingInput:
    reference: str
    course: str
    hours: Decimal
    score: int = strawberry.field(description="Exam score out of 100.")


@strawberry.input
class CourierReferenceInput:
    reference: str


@strawberry.input
class CourierReasonInput:
    reference: str
    reason: str


@strawberry.input
class CourierNoteInput:
    reference: str
    note: str = ""


@strawberry.input
class CourierSkillInput:
    reference: str
    skill: Skill  # type: ignore[valid-type]


@strawberry.input
class SetCourierHomeZoneInput:
    reference: str
    zone: str


@strawberry.input
class PlanShiftInput:
    courier: str
    start: datetime
    end: datetime
    zone: str
    vehicle: str | None = strawberry.field(default=None, description="Plate of the vehicle the shift takes out.")


@strawberry.input
class CancelShiftInput:
    courier: str
    shift: str
    reason: str


@strawberry.input
class StartShiftInput:
    courier: str | None = strawberry.field(default=None, description="Defaults to the signed-in courier.")
    shift: str


@strawberry.input
class ShiftStepInput:
    courier: str | None = strawberry.field(default=None, description="Defaults to the signed-in courier.")


@strawberry.input(description="Thresholds for this run; each left out comes from the shop's rules.")
class AssessmentThresholdsInput:
    min_on_time_rate: Decimal | None = None
    min_rating: Decimal | None = None
    max_complaints: int | None = None
    max_failed_attempts: int | None = None
    min_deliveries: int | None = None

    def given(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if value is not None}


@strawberry.input
class GradeCommissionInput:
    grade: Grade  # type: ignore[valid-type]
    per_delivery: Decimal


@strawberry.input
class BonusTierInput:
    min_on_time_rate: Decimal
    bonus: Decimal


@strawberry.input(description="The month's pay rules; each left out keeps the standard rule. Recorded with the month.")
class IncentiveRulesInput:
    commission_by_grade: list[GradeCommissionInput] | None = None
    bonus_tiers: list[BonusTierInput] | None = None
    bonus_min_rating: Decimal | None = None
    bonus_min_deliveries: int | None = None
    complaint_deduction: Decimal | None = None
    currency: str | None = None


@strawberry.type
class CourierPayload(Recorded):
    reference: str
    status: CourierStatus  # type: ignore[valid-type]


@strawberry.type
class TrainingPayload(Recorded):
    reference: str
    status: CourierStatus  # type: ignore[valid-type]
    passed: bool
    retraining_due: bool


@strawberry.type
class ShiftPayload(Recorded):
    courier: str
    shift: str | None
    vehicle: str | None = None


@strawberry.type
class Promotion:
    courier: str
    grade: Grade  # type: ignore[valid-type]


@strawberry.type
class AssessmentPayload(Recorded):
    period: str
    assessed: int = strawberry.field(description="Couriers judged (others were gone, or had too few deliveries).")
    flagged: list[str]
    offboarding_proposed: list[str]
    promoted: list[Promotion]


@strawberry.type
class IncentiveClosePayload(Recorded):
    period: str
    couriers: int
    total: Decimal
    currency: str
