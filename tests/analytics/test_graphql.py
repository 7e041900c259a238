"""The analysis, forecasts and staffing through GraphQL: figures for the range asked, typed refusals that write
nothing, and who may ask."""

from __future__ import annotations

from datetime import timedelta
import pytest

from tests.analytics.conftest import TOMORROW, Api, local, open_corner_shop, place_orders_at, staffed_zone
from tests.api.conftest import ANONYMOUS, code_of, error_of

ANALYSIS = """
query Analysis($from: Date, $to: Date, $zone: String, $warehouse: String) {
  orderAnalysis(from: $from, to: $to, zone: $zone, warehouse: $warehouse) {
    from to zone
    total { orders units weightKg volumeL cancelled delivered onTimeShare }
    byDate { date figures { orders } }
    byHourOfWeek { weekday hour occurrences ordersPerHour }
    byZone { zone figures { orders } }
    byWarehouse { warehouse figures { orders units } }
    byCategory { category figures { orders units weightKg } }
  }
}
"""

QUERIES = {
    "orderAnalysis": "{ orderAnalysis { total { orders } } }",
    "peakHours": "{ peakHours { meanOrdersPerHour } }",
    "heatGrid": "{ heatGrid { orders } }",
    "orderSizeDistribution": "{ orderSizeDistribution { orders } }",
    "demandForecast": "{ demandForecast { ready } }",
    "stockForecast": '{ stockForecast(warehouse: "WH-CORNER") { sku } }',
    "staffingRecommendation": "{ staffingRecommendation { ready } }",
}


def small_shop(api: Api) -> None:
    open_corner_shop(api.application, api.clock, local(2026, 11, 1, 8))
    place_orders_at(api.application, api.clock, [local(2026, 11, 2, 10), local(2026, 11, 2, 11)],
                    lines=[("SOY-1L", 2), ("TEA-250G", 1)])
    place_orders_at(api.application, api.clock, [local(2026, 11, 3, 12)], lines=[("PAN-28", 1)])
    api.settle()


def test_the_order_analysis_answers_for_the_days_and_filters_asked(api: Api) -> None:
    small_shop(api)
    monday = api.data(ANALYSIS, {"from": "2026-11-02", "to": "2026-11-02"}, role="auditor")["orderAnalysis"]
    assert (monday["from"], monday["to"]) == ("2026-11-02", "2026-11-02")
    assert monday["total"] == {"orders": 2, "units": 6, "weightKg": "7.2", "volumeL": "9", "cancelled": 0,
                               "delivered": 0, "onTimeShare": None}
    assert monday["byDate"] == [{"date": "2026-11-02", "figures": {"orders": 2}}]
    assert [(c["weekday"], c["hour"], c["occurrences"], c["ordersPerHour"]) for c in monday["byHourOfWeek"]
            if c["ordersPerHour"]] == [("MONDAY", 10, 1, 1.0), ("MONDAY", 11, 1, 1.0)]
    assert monday["byZone"] == [{"zone": "Z1", "figures": {"orders": 2}}]
    assert monday["byWarehouse"] == [{"warehouse": "WH-CORNER", "figures": {"orders": 2, "units": 6}}]
    assert monday["byCategory"] == [
        {"category": "drinks", "figures": {"orders": 2, "units": 2, "weightKg": "2.4"}},
        {"category": "grocery", "figures": {"orders": 2, "units": 4, "weightKg": "4.8"}},
    ]
    everything = api.data(ANALYSIS, {}, role="dispatcher")["orderAnalysis"]  # four weeks up to today
    assert everything["to"] == "2026-11-03" and everything["total"]["orders"] == 3
    assert len(everything["byDate"]) == 28
    elsewhere = api.data(ANALYSIS, {"zone": "Z9"})["orderAnalysis"]
    assert elsewhere["total"]["orders"] == 0 and elsewhere["byZone"] == []


@pytest.mark.parametrize("query, field", [
    ('{ orderAnalysis(from: "2026-11-05", to: "2026-11-01") { total { orders } } }', "to"),
    ('{ heatGrid(cellSizeM: 300) { orders } }', "cellSizeM"),
    ('{ peakHours(threshold: 0) { meanOrdersPerHour } }', "threshold"),
    ('{ demandForecast(days: 15) { ready } }', "days"),
    ('{ stockForecast(warehouse: "WH-CORNER", serviceLevel: 1.5) { sku } }', "serviceLevel"),
    ('{ staffingRecommendation(date: "2020-01-01") { ready } }', "date"),
])
def test_bad_input_is_refused_with_a_code_and_the_field(api: Api, query: str, field: str) -> None:
    small_shop(api)
    error = error_of(api.gql(query))
    assert error["extensions"]["code"] == "BAD_INPUT" and error["extensions"]["field"] == field


def test_what_is_not_there_is_named_and_a_recommendation_needs_history(api: Api) -> None:
    small_shop(api)
    assert error_of(api.gql('{ demandForecast(zone: "Z9") { ready } }'))["extensions"] == {
        "code": "NOT_FOUND", "field": "zone", "ids": {"zone": "Z9"}}
    assert code_of(api.gql('{ stockForecast(warehouse: "WH-NOPE") { sku } }')) == "NOT_FOUND"
    forecast = api.data("{ demandForecast { ready note historyDays zones { zone } } }")["demandForecast"]
    assert forecast == {"ready": False, "historyDays": 1, "zones": [],  # 2 November; the 3rd is today
                        "note": "a forecast needs 14 whole days of orders before today; there are 1"}
    head = api.head()
    refused = api.gql('mutation { adoptStaffingPlan(input: {digest: "x"}) { version } }', role="dispatcher")
    assert code_of(refused) == "PRECONDITION_FAILED" and api.head() == head


def test_each_figure_is_for_the_roles_of_its_row(api: Api) -> None:
    small_shop(api)
    for operation, query in QUERIES.items():
        for role in ("admin", "dispatcher", "auditor"):
            assert "errors" not in api.gql(query, role=role), (operation, role)
        assert code_of(api.gql(query, role=ANONYMOUS)) == "UNAUTHENTICATED"
        assert code_of(api.gql(query, role="customer", subject="CUST-A")) == "FORBIDDEN"
        assert code_of(api.gql(query, role="integrator")) == "FORBIDDEN"
        if operation == "stockForecast":  # the warehouse reads its own stock's forecast, not the shop's figures
            assert "errors" not in api.gql(query, role="warehouse")
        else:
            assert code_of(api.gql(query, role="warehouse")) == "FORBIDDEN", operation
    adopt = 'mutation { adoptStaffingPlan(input: {digest: "x"}) { version } }'
    review = "mutation { reviewReorderPoints { reviewed } }"
    assert code_of(api.gql(adopt, role="auditor")) == "FORBIDDEN"
    assert code_of(api.gql(adopt, role="warehouse")) == "FORBIDDEN"
    assert code_of(api.gql(review, role="auditor")) == "FORBIDDEN"
    assert api.data(review, role="warehouse")["reviewReorderPoints"]["reviewed"] == 3


STAFFING = """
query Staffing($date: Date!, $atLeast: Int) {
  staffingRecommendation(date: $date, zone: "Z1", atLeast: $atLeast) {
    ready digest courierHours plannedShifts
    hours { hour demand totalCouriers plannedCouriers couriers { vehicleType couriers } }
    gaps { hour status plannedCouriers recommendedCouriers orders }
    rates { zone vehicleType deliveriesPerHour measured }
    adopted { version digest courierHours adoptedBy }
  }
}
"""

ADOPT = """
mutation Adopt($date: Date!, $digest: String!) {
  adoptStaffingPlan(input: {date: $date, zone: "Z1", digest: $digest}) { position repeated version courierHours digest }
}
"""


def test_a_dispatcher_reads_the_recommendation_and_adopts_it(api: Api) -> None:
    staffed_zone(api.application, api.clock)
    api.settle()
    day = TOMORROW.isoformat()
    plan = api.data(STAFFING, {"date": day}, role="dispatcher")["staffingRecommendation"]
    assert plan["ready"] and plan["plannedShifts"] == 1 and plan["adopted"] is None
    assert plan["rates"] == [{"zone": "Z1", "vehicleType": "e-bike", "deliveriesPerHour": 2.0, "measured": True}]
    ten = next(g for g in plan["gaps"] if g["hour"] == f"{day}T10:00:00+08:00")
    assert ten["status"] == "SHORT" and ten["plannedCouriers"] == 1.0 and ten["recommendedCouriers"] >= 2

    head = api.head()
    stale = error_of(api.gql(ADOPT, {"date": day, "digest": "0" * 32}, role="dispatcher"))
    assert stale["extensions"]["code"] == "PRECONDITION_FAILED" and stale["extensions"]["field"] == "digest"
    assert api.head() == head
    adopted = api.data(ADOPT, {"date": day, "digest": plan["digest"]}, role="dispatcher")["adoptStaffingPlan"]
    assert adopted["version"] == 1 and adopted["courierHours"] == plan["courierHours"] and not adopted["repeated"]
    again = api.data(STAFFING, {"date": day, "atLeast": adopted["position"]}, role="auditor")["staffingRecommendation"]
    assert again["adopted"] == {"version": 1, "digest": plan["digest"], "courierHours": plan["courierHours"],
                                "adoptedBy": "dispatcher"}

    forecast = api.data('{ demandForecast(zone: "Z1", days: 2) { ready zones { hours { expected lower80 upper80 '
                        'lower95 upper95 } } } }')["demandForecast"]
    tomorrow_ten = forecast["zones"][0]["hours"][34]
    assert forecast["ready"] and tomorrow_ten["lower95"] <= tomorrow_ten["expected"] <= tomorrow_ten["upper95"]


def test_a_reorder_review_moves_thresholds_to_the_forecast_reorder_points(api: Api) -> None:
    app = api.application
    open_corner_shop(app, api.clock, local(2026, 10, 1, 8), units=400, zone=None)
    place_orders_at(app, api.clock, [local(2026, 10, 2) + timedelta(days=d, hours=10 + i)
                                     for d in range(28) for i in range(10)])
    api.clock.set(local(2026, 10, 30, 8))
    api.settle()
    review = api.data("mutation { reviewReorderPoints(warehouse: \"WH-CORNER\") { position reviewed changed "
                           "{ sku previous threshold reorderPoint dailyDemand } } }", role="warehouse")
    changes = review["reviewReorderPoints"]
    assert changes["changed"] == [{"sku": "SOY-1L", "previous": 10, "threshold": 30, "reorderPoint": 30.0,
                                   "dailyDemand": 10.0}]
    soy = api.data('query($at: Int) { stockForecast(warehouse: "WH-CORNER", sku: "SOY-1L", atLeast: $at) '
                   '{ threshold forecastThreshold daysOfCover orderQuantity reorderNow } }',
                   {"at": changes["position"]}, role="warehouse")["stockForecast"]
    assert soy == [{"threshold": 30, "forecastThreshold": 30, "daysOfCover": 12.0, "orderQuantity": 0,
                    "reorderNow": False}]
