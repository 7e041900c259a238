"""Peisong's pure route planner: PyVRP on numpy travel matrices, data in, plan out."""

from solver.fleet import (
    FleetRecommendation,
    FleetVehicleType,
    HourFleet,
    recommend_fleet,
)
from solver.requests import (
    NO_LIMIT,
    Depot,
    LeftOut,
    Plan,
    PlannedRoute,
    PlanProgress,
    PlanRequest,
    Point,
    Stop,
    Vehicle,
    Visit,
    canonical_json,
)
from solver.routing import build_model, plan_routes
from solver.travel import (
    EuclideanTravel,
    GreatCircleTravel,
    TrafficFactors,
    TravelProvider,
    haversine_m,
)

__all__ = [
    "NO_LIMIT",
    "Depot",
    "EuclideanTravel",
    "FleetRecommendation",
    "FleetVehicleType",
    "GreatCircleTravel",
    "HourFleet",
    "LeftOut",
    "Plan",
    "PlanProgress",
    "PlanRequest",
    "PlannedRoute",
    "Point",
    "Stop",
    "TrafficFactors",
    "TravelProvider",
    "Vehicle",
    "Visit",
    "build_model",
    "canonical_json",
    "haversine_m",
    "plan_routes",
    "recommend_fleet",
]
