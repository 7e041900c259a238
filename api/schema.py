"""The GraphQL schema: every feature's queries, mutations and subscriptions, guarded by role and limited in size."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from api.access.mutations import AccessMutations
from api.analytics.mutations import AnalyticsMutations
from api.analytics.queries import AnalyticsQueries
from api.audit.queries import AuditQueries
from api.catalogue.mutations import CatalogueMutations
from api.catalogue.queries import CatalogueQueries
from api.couriers.assessment import AssessmentMutations
from api.couriers.mutations import CourierMutations
from api.couriers.queries import CourierQueries
from api.customer_care.aftersales import AfterSalesMutations
from api.customer_care.mutations import CaseMutations
from api.customer_care.queries import CustomerCareQueries
from api.customer_care.situations import SituationMutations
from api.customer_care.subscriptions import CustomerCareSubscriptions
from api.customers.mutations import CustomerMutations
from api.customers.queries import CustomerQueries
from api.errors import ErrorCodes
from api.events.queries import EventQueries
from api.events.subscriptions import EventSubscriptions
from api.extensions import limits
from api.locations.mutations import LocationMutations
from api.locations.queries import LocationQueries
from api.locations.subscriptions import LocationSubscriptions
from api.orders.mutations import OrderMutations
from api.orders.queries import OrderQueries
from api.orders.subscriptions import OrderSubscriptions
from api.permissions import guard_operations
from api.routing.mutations import RoutingMutations
from api.routing.queries import RoutingQueries
from api.routing.subscriptions import RoutingSubscriptions
from api.stock.mutations import StockMutations
from api.stock.queries import StockQueries
from api.vehicles.mutations import VehicleMutations
from api.vehicles.queries import VehicleQueries
from api.webhooks.mutations import WebhookMutations
from api.webhooks.queries import WebhookQueries
from api.zones.mutations import ZoneMutations
from api.zones.queries import ZoneQueries
from domain.settings import Settings


@strawberry.type
class Query(OrderQueries, StockQueries, CatalogueQueries, CustomerQueries, EventQueries, AuditQueries, WebhookQueries,
            CourierQueries, VehicleQueries, ZoneQueries, LocationQueries, CustomerCareQueries, RoutingQueries,
            AnalyticsQueries):
    pass


@strawberry.type
class Mutation(CatalogueMutations, CustomerMutations, StockMutations, OrderMutations, AccessMutations, WebhookMutations,
               CourierMutations, AssessmentMutations, VehicleMutations, ZoneMutations, LocationMutations,
               CaseMutations, AfterSalesMutations, SituationMutations, RoutingMutations, AnalyticsMutations):
    pass


@strawberry.type
class Subscription(EventSubscriptions, OrderSubscriptions, LocationSubscriptions, CustomerCareSubscriptions,
                   RoutingSubscriptions):
    pass


guard_operations(Query, Mutation, Subscription)


class PeisongSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Strawberry would log every refusal with a traceback; `api.errors` logs only the unexpected."""


def build_schema(settings: Settings) -> strawberry.Schema:
    extensions: list[Any] = [*limits(settings), ErrorCodes]
    return PeisongSchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
