"""The projections the runner follows and a rebuild replays, unless told otherwise."""

from __future__ import annotations

from projections.access import AccessProjector
from projections.aftersales import AfterSalesProjector
from projections.alerts import AlertsProjector
from projections.analytics import AnalyticsProjector
from projections.cases import CasesProjector
from projections.catalogue import CatalogueProjector
from projections.couriers import CouriersProjector
from projections.locations import LocationsProjector
from projections.notifications import NotificationsProjector
from projections.orders import OrdersProjector
from projections.performance import PerformanceProjector
from projections.projector import Projector
from projections.ratings import RatingsProjector
from projections.routes import RoutesProjector
from projections.staffing_plans import StaffingPlansProjector
from projections.situations import SituationsProjector
from projections.stock import StockProjector
from projections.tracking import TrackingProjector
from projections.vehicles import VehiclesProjector
from projections.webhooks import WebhooksProjector
from projections.zones import ZonesProjector

ALL: tuple[Projector, ...] = (
    OrdersProjector(), StockProjector(), AlertsProjector(), CatalogueProjector(), WebhooksProjector(),
    AccessProjector(), CouriersProjector(), VehiclesProjector(), ZonesProjector(), LocationsProjector(),
    PerformanceProjector(), RoutesProjector(), NotificationsProjector(), CasesProjector(), RatingsProjector(),
    AfterSalesProjector(), SituationsProjector(), TrackingProjector(), AnalyticsProjector(), StaffingPlansProjector(),
)
