"""Who may call what: one table of roles per operation, enforced on every root field.

The table is the single source of truth. `guard_operations` attaches it to each query,
mutation and subscription field when the schema is assembled (and refuses to build a
schema with an operation the table does not list), and each field advertises its roles
as an `@allowedRoles` directive and a closing "Roles: …." line of its description, so
the role x operation matrix can be read back from the schema, even by plain introspection. Ownership (a customer's own orders, a courier's own deliveries) is a
second check made where the record is known: see `api/orders/permissions.py`.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location
from strawberry.types import Info

from api.auth import ADMIN, AUDITOR, COURIER, CUSTOMER, DISPATCHER, INTEGRATOR, TRACKING, WAREHOUSE
from api.errors import forbidden, unauthenticated

STAFF = frozenset({ADMIN, DISPATCHER, WAREHOUSE})
# Integrators see the change feeds and their webhooks, nothing of the read models' business data.
READERS = STAFF | {AUDITOR}
HISTORY = frozenset({ADMIN, AUDITOR})
# Couriers, zones and positions: dispatch and the administrator manage them, auditors read them.
MANAGERS = frozenset({ADMIN, DISPATCHER})
COURIER_READERS = MANAGERS | {AUDITOR}
# Order analysis, forecasts and staffing (and the /reports/ charts, which answer to the row of the query they draw).
ANALYSTS = frozenset({ADMIN, DISPATCHER, AUDITOR})
# Webhooks belong to the integrators that register them (and an administrator sees to all of them).
WEBHOOKS = frozenset({ADMIN, INTEGRATOR})

OPERATION_ROLES: dict[str, frozenset[str]] = {
    # -- queries -------------------------------------------------------------------
    "order": READERS | {CUSTOMER, COURIER},
    # Couriers find their orders one by one until the orders projection can filter by courier.
    "orders": READERS | {CUSTOMER},
    "orderTracking": frozenset({ADMIN, DISPATCHER, CUSTOMER, COURIER, TRACKING}),
    "orderHistory": HISTORY,
    "stockItem": READERS,
    "stockItems": READERS,
    "lowStockAlerts": STAFF | {AUDITOR},
    "shortages": STAFF | {AUDITOR},
    "overdueStockCounts": STAFF | {AUDITOR},
    "stockHistory": HISTORY,
    "product": READERS | {CUSTOMER, COURIER},
    "products": READERS | {CUSTOMER, COURIER},
    "warehouses": READERS | {COURIER},
    "customer": frozenset({ADMIN, DISPATCHER, AUDITOR, CUSTOMER}),
    "customers": frozenset({ADMIN, DISPATCHER, AUDITOR}),
    "history": HISTORY,
    "projectionLag": READERS | {INTEGRATOR},  # how far behind the read models are: no business data
    "webhooks": WEBHOOKS,
    "webhookDeliveries": WEBHOOKS,
    # -- mutations: catalogue and warehouses -----------------------------------------
    "registerWarehouse": frozenset({ADMIN}),
    "setStockTakeInterval": frozenset({ADMIN, WAREHOUSE}),
    "addProduct": frozenset({ADMIN}),
    "updateProduct": frozenset({ADMIN}),
    "discontinueProduct": frozenset({ADMIN}),
    # -- mutations: customers (a customer acts on their own record only) -------------
    "registerCustomer": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    "addCustomerAddress": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    "changeCustomerContact": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    "setCustomerOptOut": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    # -- mutations: stock ------------------------------------------------------------
    "receiveStock": frozenset({ADMIN, WAREHOUSE}),
    "countStock": frozenset({ADMIN, WAREHOUSE}),
    "adjustStock": frozenset({ADMIN, WAREHOUSE}),
    "setReorderThreshold": frozenset({ADMIN, WAREHOUSE, DISPATCHER}),
    # -- mutations: orders (customers their own, couriers the ones handed to them) ---
    "placeOrder": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    "cancelOrder": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    "pickOrder": frozenset({ADMIN, WAREHOUSE}),
    "packOrder": frozenset({ADMIN, WAREHOUSE}),
    "handOrderToCourier": frozenset({ADMIN, WAREHOUSE, DISPATCHER}),
    "sendOrderOutForDelivery": frozenset({ADMIN, DISPATCHER, COURIER}),
    "deliverOrder": frozenset({ADMIN, DISPATCHER, COURIER}),
    "failDelivery": frozenset({ADMIN, DISPATCHER, COURIER}),
    "returnOrderToWarehouse": frozenset({ADMIN, WAREHOUSE, DISPATCHER}),
    # -- mutations: access -----------------------------------------------------------
    "revokeToken": frozenset({ADMIN}),
    "revokeTokensOf": frozenset({ADMIN}),
    # -- mutations: webhooks (an integrator its own) -----------------------------------
    "registerWebhook": WEBHOOKS,
    "pauseWebhook": WEBHOOKS,
    "resumeWebhook": WEBHOOKS,
    "removeWebhook": WEBHOOKS,
    "retryWebhookDelivery": WEBHOOKS,
    # -- couriers (a courier reads their own record and figures, and steps through their own shifts) --
    "couriers": COURIER_READERS,
    "courier": COURIER_READERS | {COURIER},
    "courierKpis": COURIER_READERS | {COURIER},
    "incentiveResults": COURIER_READERS,
    "incentiveRanking": COURIER_READERS,
    "receiveCourierApplication": MANAGERS,
    "screenCourier": MANAGERS,
    "recordCourierTraining": MANAGERS,
    "certifyCourier": MANAGERS,
    "activateCourier": MANAGERS,
    "suspendCourier": MANAGERS,
    "reinstateCourier": MANAGERS,
    "offboardCourier": MANAGERS,
    "dismissOffboardingProposal": MANAGERS,
    "grantCourierSkill": MANAGERS,
    "revokeCourierSkill": MANAGERS,
    "setCourierHomeZone": MANAGERS,
    "planShift": MANAGERS,
    "cancelShift": MANAGERS,
    "startShift": MANAGERS | {COURIER},
    "startBreak": MANAGERS | {COURIER},
    "endBreak": MANAGERS | {COURIER},
    "endShift": MANAGERS | {COURIER},
    "runCourierAssessment": MANAGERS,
    "closeIncentiveMonth": frozenset({ADMIN}),  # pay: the administrator alone
    # -- vehicles (the warehouse reads the fleet) ----------------------------------------
    "vehicles": COURIER_READERS | {WAREHOUSE},
    "vehicleTypes": COURIER_READERS | {WAREHOUSE},
    "defineVehicleType": MANAGERS,
    "changeVehicleTypeSpeeds": MANAGERS,
    "changeVehicleTypeCosts": MANAGERS,
    "registerVehicle": MANAGERS,
    "assignVehicleToShift": MANAGERS,
    "returnVehicle": MANAGERS,
    "takeVehicleOutOfService": MANAGERS,
    "returnVehicleToService": MANAGERS,
    # -- zones -------------------------------------------------------------------------
    "zones": COURIER_READERS,
    "zone": COURIER_READERS,
    "unzonedOrders": COURIER_READERS,
    "zoneProposals": COURIER_READERS,
    "defineZone": MANAGERS,
    "redrawZone": MANAGERS,
    "assignCourierToZone": MANAGERS,
    "unassignCourierFromZone": MANAGERS,
    "retireZone": MANAGERS,
    "proposeZones": MANAGERS,
    "acceptZoneProposal": MANAGERS,
    # -- live locations (a courier reports and follows only their own) -------------------
    "locationAlerts": COURIER_READERS,
    "courierPositionAt": COURIER_READERS | {COURIER},
    "reportPositions": frozenset({ADMIN, COURIER}),
    "reportPositionsBatch": frozenset({ADMIN}),
    "setPlannedRoute": MANAGERS,
    "checkStalePositions": MANAGERS,
    # -- customer care: notifications, cases, ratings, after-sales, situations -----------
    # (a customer reads and opens only their own; `orderTracking` above is also the tracking link's page)
    "orderTrackingLink": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    "orderNotifications": READERS | {CUSTOMER},
    "case": READERS | {CUSTOMER},
    "cases": READERS | {CUSTOMER},
    "supervisorBoard": frozenset({ADMIN, DISPATCHER, AUDITOR}),
    "caseAnalysis": frozenset({ADMIN, DISPATCHER, AUDITOR}),
    "deliveryRating": READERS | {CUSTOMER},
    "courierRatings": frozenset({ADMIN, DISPATCHER, AUDITOR, COURIER}),
    "afterSalesRequest": READERS | {CUSTOMER},
    "afterSalesRequests": READERS | {CUSTOMER},
    "pendingPickups": READERS,
    "specialSituations": READERS | {COURIER},
    "openCase": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    "acknowledgeCase": frozenset({ADMIN, DISPATCHER}),
    "proposeCaseSolution": frozenset({ADMIN, DISPATCHER}),
    "resolveCase": frozenset({ADMIN, DISPATCHER}),
    "reopenCase": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    "closeCase": frozenset({ADMIN, DISPATCHER}),
    "checkCaseSlas": frozenset({ADMIN, DISPATCHER}),
    "rateDelivery": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    "setAfterSalesPolicy": frozenset({ADMIN}),
    "requestAfterSales": frozenset({ADMIN, DISPATCHER, CUSTOMER}),
    "approveAfterSales": frozenset({ADMIN, DISPATCHER}),
    "rejectAfterSales": frozenset({ADMIN, DISPATCHER}),
    "scheduleReturnPickup": frozenset({ADMIN, DISPATCHER}),
    "recordReturnPickup": frozenset({ADMIN, DISPATCHER, COURIER}),
    "receiveReturn": frozenset({ADMIN, WAREHOUSE}),
    "inspectReturn": frozenset({ADMIN, WAREHOUSE}),
    "refundAfterSales": frozenset({ADMIN, DISPATCHER}),
    "exchangeAfterSales": frozenset({ADMIN, DISPATCHER}),
    "restockReturn": frozenset({ADMIN, WAREHOUSE}),
    "writeOffReturn": frozenset({ADMIN, WAREHOUSE}),
    "sendToRepair": frozenset({ADMIN, WAREHOUSE}),
    "markRepaired": frozenset({ADMIN, WAREHOUSE}),
    "returnRepairedGoods": frozenset({ADMIN, DISPATCHER, COURIER}),
    "declareSpecialSituation": frozenset({ADMIN, DISPATCHER}),
    "endSpecialSituation": frozenset({ADMIN, DISPATCHER}),
    "checkSpecialSituations": frozenset({ADMIN, DISPATCHER}),
    "checkDeliveryDelays": frozenset({ADMIN, DISPATCHER}),
    "confirmNotificationDelivery": frozenset({ADMIN, INTEGRATOR}),
    "retryNotification": frozenset({ADMIN, DISPATCHER}),
    "orderTrackingUpdates": frozenset({ADMIN, DISPATCHER, CUSTOMER, COURIER, TRACKING}),
    # -- route planning and dispatch (a courier reaches only their own stops) ------------------
    "routePlan": READERS,
    "routePlans": READERS,
    "verifyPlan": frozenset({ADMIN, DISPATCHER, AUDITOR}),
    "fleetRecommendation": frozenset({ADMIN, DISPATCHER, AUDITOR}),
    "requestRoutePlan": frozenset({ADMIN, DISPATCHER}),
    "replanRoutes": frozenset({ADMIN, DISPATCHER}),
    "acceptRoutePlan": frozenset({ADMIN, DISPATCHER}),
    "discardRoutePlan": frozenset({ADMIN, DISPATCHER}),
    "dispatchRoutePlan": frozenset({ADMIN, DISPATCHER}),
    "reportTraffic": frozenset({ADMIN, DISPATCHER, COURIER}),
    "reachStop": frozenset({ADMIN, DISPATCHER, COURIER}),
    "routePlanProgress": frozenset({ADMIN, DISPATCHER, AUDITOR}),
    # -- order analysis, demand and stock forecasts, staffing -----------------------------
    "orderAnalysis": ANALYSTS,
    "peakHours": ANALYSTS,
    "heatGrid": ANALYSTS,
    "orderSizeDistribution": ANALYSTS,
    "demandForecast": ANALYSTS,
    "stockForecast": ANALYSTS | {WAREHOUSE},
    "staffingRecommendation": ANALYSTS,
    "adoptStaffingPlan": MANAGERS,  # the supervisor's decision
    "reviewReorderPoints": frozenset({ADMIN, WAREHOUSE, DISPATCHER}),  # as setReorderThreshold
    # -- subscriptions (and the query of the same name) --------------------------------
    "livePositions": COURIER_READERS | {COURIER},
    # The change feed, paged (query) or live (subscription); GET /feed, /feed/stream and /events/schema too.
    "events": frozenset({ADMIN, DISPATCHER, AUDITOR, INTEGRATOR}),
    "orderStatus": frozenset({ADMIN, DISPATCHER, WAREHOUSE, CUSTOMER, COURIER}),
}

# Fields below the root that only some of an operation's callers may read.
DELIVERY_CODE_READERS = frozenset({ADMIN, DISPATCHER, CUSTOMER})  # a customer: their own orders only


@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION], name="allowedRoles")
class AllowedRoles:
    roles: list[str]


class RoleAllowed(BasePermission):
    """Signed in, and in one of the roles the table lists for this operation."""

    def __init__(self, operation: str, roles: frozenset[str]) -> None:
        self.operation = operation
        self.roles = roles
        self._schema_directive = AllowedRoles(roles=sorted(roles))

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal()
        if principal is None:
            problem = info.context.authentication_problem
            raise unauthenticated(problem) if problem else unauthenticated()
        if principal.role not in self.roles:
            raise forbidden(f"a {principal.role} may not use {self.operation}")
        return True


def guard_operations(*root_types: type) -> None:
    """Attach the table's roles to every root field; an unlisted operation is a build error."""
    seen: set[str] = set()
    for root in root_types:
        for field in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            name = field.graphql_name or strawberry_name(field.python_name)
            if name not in OPERATION_ROLES:
                raise LookupError(f"{root.__name__}.{name} is not in api.permissions.OPERATION_ROLES")
            seen.add(name)
            if not any(isinstance(e, PermissionExtension) for e in field.extensions):
                roles = OPERATION_ROLES[name]
                field.extensions.append(PermissionExtension([RoleAllowed(name, roles)]))
                # Also in the description, so GraphiQL and plain introspection show who may call it.
                field.description = "\n\n".join(filter(None, [field.description, roles_line(roles)]))
    if stale := sorted(set(OPERATION_ROLES) - seen):
        raise LookupError(f"api.permissions.OPERATION_ROLES lists operations the schema lacks: {stale}")


def roles_line(roles: frozenset[str]) -> str:
    return f"Roles: {', '.join(sorted(roles))}."


def strawberry_name(python_name: str) -> str:
    head, *rest = python_name.split("_")
    return head + "".join(part.title() for part in rest)
