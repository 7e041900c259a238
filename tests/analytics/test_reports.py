"""The charts: PNG or SVG drawn from the projections, for the readers of the query each one draws, and nobody else."""

from __future__ import annotations

import pytest

from tests.analytics.conftest import TOMORROW, Api, staffed_zone
from tests.api.conftest import ANONYMOUS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHARTS = [
    "/reports/orders-per-hour.png?zone=Z1&days=2",
    "/reports/peak-heatmap.png?threshold=0.5",
    "/reports/zone-heat-grid.png?cellSizeM=250",
    f"/reports/couriers-needed.png?date={TOMORROW}&zone=Z1",
]


@pytest.fixture
def staffed_api(api: Api) -> Api:
    staffed_zone(api.application, api.clock)
    api.settle()
    return api


def test_every_chart_is_a_real_picture(staffed_api: Api) -> None:
    for path in CHARTS:
        response = staffed_api.client.get(path, headers=staffed_api.headers("dispatcher"))
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(PNG_SIGNATURE) and len(response.content) > 10_000, path
    svg = staffed_api.client.get("/reports/orders-per-hour.svg", headers=staffed_api.headers("auditor"))
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.content.startswith(b"<?xml") and b"<svg" in svg.content and len(svg.content) > 10_000


def test_a_chart_is_refused_to_anyone_who_may_not_read_its_query(staffed_api: Api) -> None:
    path = "/reports/peak-heatmap.png"
    anonymous = staffed_api.client.get(path, headers=staffed_api.headers(ANONYMOUS))
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for role, subject in (("courier", "C-1"), ("customer", "CUST-A"), ("warehouse", None), ("integrator", None)):
        refused = staffed_api.client.get(path, headers=staffed_api.headers(role, subject))
        assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("path, status, code, field", [
    ("/reports/peak-heatmap.png?from=yesterday", 400, "BAD_INPUT", "from"),
    ("/reports/zone-heat-grid.png?cellSizeM=333", 400, "BAD_INPUT", "cellSizeM"),
    ("/reports/peak-heatmap.gif", 400, "BAD_INPUT", "format"),
    ("/reports/pie-chart.png", 404, "NOT_FOUND", "chart"),
])
def test_bad_parameters_are_named(api: Api, path: str, status: int, code: str, field: str) -> None:
    response = api.client.get(path, headers=api.headers("admin"))
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"] == {"code": code, "field": field}
