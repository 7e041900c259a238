"""GraphQL views of the order analysis, the forecasts and the staffing recommendation, and the input adopting it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
import strawberry
from strawberry.types import Info

from api.context import Context
from api.recorded import Recorded
from api.views import thin
from projections import order_analysis as analysis
from projections.forecasts import DemandForecastView, StockForecastView, ZoneForecastView
from projections.forecasts import ForecastHour as ForecastHourView
from projections.order_analysis import DayRange, OrderFigures as OrderFiguresView
from projections.staffing import RateView, StaffingGapView, StaffingHourView, StaffingRecommendationView
from projections.staffing_plans import AdoptedPlanView, adopted_plan


@strawberry.enum
class Weekday(Enum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@strawberry.type(description="What a set of orders adds up to. Deliveries and cancellations count with the hour "
                 "or day the order was placed in (of these orders, how many arrived on time).")
class OrderFigures:
    orders: int
    units: int
    weight_kg: Decimal
    volume_l: Decimal
    cancelled: int
    delivered: int
    delivered_on_time: int = strawberry.field(description="Delivered inside the promised window.")
    on_time_share: float | None = strawberry.field(description="Delivered on time over delivered; null before any "
                                                   "delivery.")
    average_lead_time_minutes: float | None = strawberry.field(description="From placing to delivery.")

    @classmethod
    def from_view(cls, view: OrderFiguresView) -> "OrderFigures":
        return thin(cls, view)


@strawberry.type
class DayOrders:
    date: date
    figures: OrderFigures


@strawberry.type
class HourOfWeekOrders:
    weekday: Weekday
    hour: int = strawberry.field(description="Local hour of the day, 0 to 23.")
    occurrences: int = strawberry.field(description="How many such hours the range holds.")
    orders_per_hour: float
    figures: OrderFigures


@strawberry.type
class ZoneOrders:
    zone: str | None = strawberry.field(description="Null: orders outside every zone.")
    figures: OrderFigures


@strawberry.type
class WarehouseOrders:
    warehouse: str
    figures: OrderFigures = strawberry.field(description="Orders with a line from this warehouse; units, weight "
                                             "and volume of those lines.")


@strawberry.type
class CategoryOrders:
    category: str
    figures: OrderFigures = strawberry.field(description="Orders holding this category; units, weight and volume "
                                             "of its lines.")


@strawberry.type(description="Orders of a range of business days, from pre-aggregated counters; each breakdown is "
                 "read only when asked for.")
class OrderAnalysis:
    from_: date = strawberry.field(name="from")
    to: date
    zone: str | None
    warehouse: str | None

    @strawberry.field
    async def total(self, info: Info[Context, None]) -> OrderFigures:
        return OrderFigures.from_view(await info.context.read(analysis.order_totals, self._range, self.zone,
                                                              self.warehouse))

    @strawberry.field(description="Every day of the range, quiet days included.")
    async def by_date(self, info: Info[Context, None]) -> list[DayOrders]:
        days = await info.context.read(analysis.orders_by_date, self._range, self.zone, self.warehouse)
        return [DayOrders(date=d.day, figures=OrderFigures.from_view(d.figures)) for d in days]

    @strawberry.field(description="The 168 hours of the week, Monday 00:00 first.")
    async def by_hour_of_week(self, info: Info[Context, None]) -> list[HourOfWeekOrders]:
        cells = await info.context.read(analysis.orders_by_hour_of_week, self._range, self.zone, self.warehouse)
        return [
            HourOfWeekOrders(weekday=Weekday(c.weekday), hour=c.hour, occurrences=c.occurrences,
                             orders_per_hour=c.orders_per_hour, figures=OrderFigures.from_view(c.figures))
            for c in cells
        ]

    @strawberry.field(description="Busiest first.")
    async def by_zone(self, info: Info[Context, None]) -> list[ZoneOrders]:
        members = await info.context.read(analysis.orders_by_zone, self._range, self.warehouse)
        return [ZoneOrders(zone=m.member, figures=OrderFigures.from_view(m.figures))
                for m in members if self.zone is None or m.member == self.zone]

    @strawberry.field(description="Busiest first.")
    async def by_warehouse(self, info: Info[Context, None]) -> list[WarehouseOrders]:
        members = await info.context.read(analysis.orders_by_warehouse, self._range, self.zone)
        return [WarehouseOrders(warehouse=str(m.member), figures=OrderFigures.from_view(m.figures))
                for m in members if self.warehouse is None or m.member == self.warehouse]

    @strawberry.field(description="Busiest first.")
    async def by_category(self, info: Info[Context, None]) -> list[CategoryOrders]:
        members = await info.context.read(analysis.orders_by_category, self._range, self.zone, self.warehouse)
        return [CategoryOrders(category=str(m.member), figures=OrderFigures.from_view(m.figures)) for m in members]

    @property
    def _range(self) -> DayRange:
        return DayRange(self.from_, self.to)


@strawberry.type(description="A run of peak hours on one weekday: `startHour` to `endHour` (exclusive).")
class OrderPeak:
    weekday: Weekday
    start_hour: int
    end_hour: int
    orders_per_hour: float
    lift: float = strawberry.field(description="Share above the mean hour: 0.3 is +30%.")
    label: str = strawberry.field(description='E.g. "Saturday afternoon +30%".')


@strawberry.type
class PeakHourCell:
    weekday: Weekday
    hour: int
    orders_per_hour: float
    lift: float
    peak: bool


@strawberry.type
class PeakHours:
    from_: date = strawberry.field(name="from")
    to: date
    zone: str | None
    threshold: float
    mean_orders_per_hour: float
    peaks: list[OrderPeak] = strawberry.field(description="Largest lift first.")
    grid: list[PeakHourCell] = strawberry.field(description="The 168 hours of the week, Monday 00:00 first.")

    @classmethod
    def from_view(cls, view: analysis.PeakHoursView) -> "PeakHours":
        return cls(
            from_=view.first, to=view.last, zone=view.zone, threshold=view.threshold,
            mean_orders_per_hour=view.mean_orders_per_hour,
            peaks=[OrderPeak(weekday=Weekday(b.weekday), start_hour=b.start_hour, end_hour=b.end_hour,
                             orders_per_hour=b.orders_per_hour, lift=b.lift, label=b.label) for b in view.blocks],
            grid=[PeakHourCell(weekday=Weekday(c.weekday), hour=c.hour, orders_per_hour=c.orders_per_hour,
                               lift=c.lift, peak=c.peak) for c in view.cells],
        )


@strawberry.type(description="One square of the grid and the deliveries addressed inside it.")
class HeatGridCell:
    lat: float = strawberry.field(description="The cell's centre.")
    lon: float
    south: float
    west: float
    north: float
    east: float
    orders: int


@strawberry.type
class HeatGrid:
    from_: date = strawberry.field(name="from")
    to: date
    zone: str | None
    cell_size_m: int
    orders: int
    busiest: int = strawberry.field(description="Orders of the busiest cell.")
    cells: list[HeatGridCell] = strawberry.field(description="Cells with orders, busiest first.")

    @classmethod
    def from_view(cls, view: analysis.HeatGridView) -> "HeatGrid":
        return cls(
            from_=view.first, to=view.last, zone=view.zone, cell_size_m=view.cell_size_m, orders=view.orders,
            busiest=view.busiest,
            cells=[HeatGridCell(lat=c.lat, lon=c.lon, south=c.south, west=c.west, north=c.north, east=c.east,
                                orders=c.orders) for c in view.cells],
        )


@strawberry.type(description="Orders from `low` up to `high` (null: no upper end).")
class OrderSizeBin:
    low: float
    high: float | None
    orders: int
    share: float

    @classmethod
    def from_view(cls, view: analysis.SizeBin) -> "OrderSizeBin":
        return thin(cls, view)


@strawberry.type
class OrderSizeDistribution:
    from_: date = strawberry.field(name="from")
    to: date
    zone: str | None
    orders: int
    weight_kg: list[OrderSizeBin]
    volume_l: list[OrderSizeBin]

    @classmethod
    def from_view(cls, view: analysis.SizeDistributionView) -> "OrderSizeDistribution":
        return cls(from_=view.first, to=view.last, zone=view.zone, orders=view.orders,
                   weight_kg=[OrderSizeBin.from_view(b) for b in view.weight_kg],
                   volume_l=[OrderSizeBin.from_view(b) for b in view.volume_l])


@strawberry.type(description="Expected orders in one hour and the 80% and 95% prediction bands around them.")
class ForecastHour:
    hour: datetime
    expected: float
    lower80: float
    upper80: float
    lower95: float
    upper95: float

    @classmethod
    def from_view(cls, view: ForecastHourView) -> "ForecastHour":
        return thin(cls, view)


@strawberry.type
class ZoneDemandForecast:
    zone: str | None = strawberry.field(description="Null: orders outside every zone.")
    expected_orders: float
    hours: list[ForecastHour]

    @classmethod
    def from_view(cls, view: ZoneForecastView) -> "ZoneDemandForecast":
        return cls(zone=view.zone, expected_orders=view.expected_orders,
                   hours=[ForecastHour.from_view(h) for h in view.hours])


@strawberry.type(description="A holiday or promotion in the forecast's days; its effect is learnt from past ones.")
class ForecastSpecialDay:
    date: date
    name: str
    kind: str


@strawberry.type
class DemandForecast:
    start: datetime = strawberry.field(description="Local midnight of today: the forecast's first hour.")
    days: int
    history_from: date | None
    history_days: int = strawberry.field(description="Whole days of orders the forecast learnt from.")
    ready: bool = strawberry.field(description="False until there are two weeks of orders; then `zones` is empty.")
    note: str | None
    zones: list[ZoneDemandForecast]
    special_days: list[ForecastSpecialDay]

    @classmethod
    def from_view(cls, view: DemandForecastView) -> "DemandForecast":
        return cls(
            start=view.start, days=view.days, history_from=view.history_from, history_days=view.history_days,
            ready=view.ready, note=view.note, zones=[ZoneDemandForecast.from_view(z) for z in view.zones],
            special_days=[ForecastSpecialDay(date=d.day, name=d.name, kind=d.kind) for d in view.special_days],
        )


@strawberry.type(description="One SKU in one warehouse: demand, cover, and when and how much to reorder.")
class StockForecast:
    warehouse: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    threshold: int = strawberry.field(description="The reorder threshold in force: the low-stock warning fires at it.")
    history_from: date | None
    history_days: int = strawberry.field(description="Whole days of demand the figures come from (at most the "
                                         "policy's window).")
    daily_demand: float = strawberry.field(description="Expected units a day.")
    daily_demand_std: float
    lead_time_days: float
    service_level: float
    lead_time_demand: float = strawberry.field(description="Expected units asked for while a replenishment is on "
                                               "its way.")
    safety_stock: float
    reorder_point: float = strawberry.field(description="Reorder when available stock is at or below this.")
    forecast_threshold: int = strawberry.field(description="The threshold the reorder review sets: the reorder "
                                               "point rounded up.")
    order_quantity: int = strawberry.field(description="What to order now (0: not yet).")
    reorder_now: bool
    days_of_cover: float | None = strawberry.field(description="Days the available stock lasts; null: nothing "
                                                   "is asked for.")
    policy: str

    @classmethod
    def from_view(cls, view: StockForecastView) -> "StockForecast":
        return thin(cls, view, forecast_threshold=view.forecast_threshold)


@strawberry.type
class VehicleCouriers:
    vehicle_type: str
    couriers: int


@strawberry.type
class StaffingHour:
    zone: str | None
    hour: datetime
    demand: float = strawberry.field(description="Orders to cover: the upper end of the forecast's 80% band.")
    couriers: list[VehicleCouriers]
    total_couriers: int
    capacity: float = strawberry.field(description="Orders an hour the recommended couriers deliver.")
    cost: float
    shortfall: float = strawberry.field(description="Orders no available courier or vehicle could take.")
    planned_couriers: float = strawberry.field(description="Couriers on the roster this hour (a part-hour counts "
                                               "for its part).")

    @classmethod
    def from_view(cls, view: StaffingHourView) -> "StaffingHour":
        return thin(cls, view, couriers=[VehicleCouriers(vehicle_type=c.vehicle_type, couriers=c.couriers)
                                         for c in view.couriers])


@strawberry.enum
class StaffingGapStatus(Enum):
    SHORT = "SHORT"
    OVER = "OVER"


@strawberry.type(description="An hour where the roster is short of the demand, or over it by at least a courier.")
class StaffingGap:
    zone: str | None
    hour: datetime
    status: StaffingGapStatus
    demand: float
    planned_capacity: float
    planned_couriers: float
    recommended_couriers: int
    orders: float = strawberry.field(description="Orders uncovered (SHORT) or of spare capacity (OVER).")

    @classmethod
    def from_view(cls, view: StaffingGapView) -> "StaffingGap":
        return thin(cls, view, status=StaffingGapStatus(view.status))


@strawberry.type(description="Deliveries an hour a courier makes on a vehicle type in a zone.")
class DeliveryRate:
    zone: str
    vehicle_type: str
    deliveries_per_hour: float
    measured: bool = strawberry.field(description="False: borrowed from the type's pace in other zones.")

    @classmethod
    def from_view(cls, view: RateView) -> "DeliveryRate":
        return thin(cls, view)


@strawberry.type(description="The plan a supervisor adopted for a day, and who did.")
class AdoptedStaffingPlan:
    date: date
    zone: str | None
    digest: str
    demand_band: str
    courier_hours: int
    shortfall: float
    version: int
    adopted_at: datetime
    adopted_by: str

    @classmethod
    def from_view(cls, view: AdoptedPlanView) -> "AdoptedStaffingPlan":
        return thin(cls, view, date=view.day)


@strawberry.type(description="Couriers and vehicles per zone and hour for one day, and the roster's gaps.")
class StaffingRecommendation:
    date: date
    zone: str | None
    ready: bool = strawberry.field(description="False until the order forecast has two weeks of history.")
    note: str | None
    demand_band: str
    proven_cheapest: bool
    cost: float
    courier_hours: int
    shortfall: float
    digest: str = strawberry.field(description="Pass to `adoptStaffingPlan` to adopt exactly this recommendation.")
    planned_shifts: int
    hours: list[StaffingHour]
    gaps: list[StaffingGap]
    rates: list[DeliveryRate]

    @strawberry.field(description="The plan adopted for this day and zone, if any.")
    async def adopted(self, info: Info[Context, None]) -> AdoptedStaffingPlan | None:
        view = await info.context.read(adopted_plan, self.date, self.zone)
        return AdoptedStaffingPlan.from_view(view) if view is not None else None

    @classmethod
    def from_view(cls, view: StaffingRecommendationView) -> "StaffingRecommendation":
        return thin(
            cls, view, date=view.day, hours=[StaffingHour.from_view(h) for h in view.hours],
            gaps=[StaffingGap.from_view(g) for g in view.gaps], rates=[DeliveryRate.from_view(r) for r in view.rates],
        )


@strawberry.input
class AdoptStaffingPlanInput:
    date: date | None = strawberry.field(default=None, description="Default: today.")
    zone: str | None = strawberry.field(default=None, description="Null: the plan of every zone.")
    digest: str = strawberry.field(description="The `digest` of the recommendation being adopted.")


@strawberry.type
class AdoptStaffingPlanPayload(Recorded):
    date: date
    zone: str | None
    digest: str
    version: int = strawberry.field(description="1 for the first adoption of the day; higher for revisions.")
    courier_hours: int


@strawberry.type
class ReorderPointChange:
    warehouse: str
    sku: str
    previous: int
    threshold: int
    reorder_point: float
    daily_demand: float


@strawberry.type
class ReviewReorderPointsPayload:
    position: int = strawberry.field(description="Log position after the changes (pass as `atLeast`).")
    reviewed: int = strawberry.field(description="Stock items looked at.")
    changed: list[ReorderPointChange]
