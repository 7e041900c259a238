"""The API under test: the real Starlette app over the real store, driven through HTTP and websockets."""

from __future__ import annotations

import warnings
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Callable, Iterator

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from starlette.applications import Starlette  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from api.auth import issue_token  # noqa: E402
from domain.app import Peisong  # noqa: E402
from domain.clock import ManualClock  # noqa: E402
from domain.settings import Settings  # noqa: E402
from tests.conftest import EAST_HOME, START, stock_shop  # noqa: E402
from tests.domain_couriers.conftest import hire  # noqa: E402

PLACE_ORDER = """
mutation Place($input: PlaceOrderInput!, $key: String) {
  placeOrder(input: $input, idempotencyKey: $key) { position repeated number deliveryCode }
}
"""

ORDER = """
query Order($number: String!, $atLeast: Int) {
  order(number: $number, atLeast: $atLeast) {
    number customer status courierId warehouses
    lines { sku quantity warehouse }
    timeline { status position }
  }
}
"""

ANONYMOUS = object()
START_ISO = START.isoformat()


@dataclass
class Api:
    client: TestClient
    app: Starlette
    settings: Settings
    clock: ManualClock

    @property
    def application(self) -> Peisong:
        return self.app.state.application

    def head(self) -> int:
        return self.application.head_position()

    def settle(self) -> int:
        """Let projections and policies finish reacting (a policy may record more), then the head."""
        # The outbox worker records send results too: run both until neither has anything left.
        while True:
            self.app.state.runner.catch_up()
            if not self.app.state.outbox.drain():
                break
        self.app.state.runner.catch_up()
        return self.head()

    def token(self, role: str, subject: str | None = None) -> str:
        return issue_token(self.settings, role, subject)

    def headers(self, role: Any = "admin", subject: str | None = None, token: str | None = None) -> dict[str, str]:
        if token is None and role is ANONYMOUS:
            return {}
        return {"Authorization": f"Bearer {token or self.token(role, subject)}"}

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, role: Any = "admin",
        subject: str | None = None, token: str | None = None,
    ) -> dict[str, Any]:
        response = self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}},
            headers=self.headers(role, subject, token),
        )
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables: dict[str, Any] | None = None, **who: Any) -> dict[str, Any]:
        """The result's data, failing the test on any error."""
        result = self.gql(query, variables, **who)
        assert "errors" not in result, result["errors"]
        return result["data"]

    def order_input(self, customer: str | None = "CUST-1", lines: list[tuple[str, int]] | None = None, **extra: Any) -> dict[str, Any]:
        start = self.clock.now() + timedelta(hours=1)
        fields: dict[str, Any] = {
            "lines": [{"sku": sku, "quantity": qty} for sku, qty in (lines or [("RICE-5KG", 2)])],
            "address": dict(EAST_HOME),
            "windowStart": start.isoformat(),
            "windowEnd": (start + timedelta(hours=2)).isoformat(),
            **extra,
        }
        if customer is not None:
            fields["customer"] = customer
        return fields

    def place_order(self, customer: str = "CUST-1", *, role: str = "dispatcher", subject: str | None = None, **extra: Any) -> dict[str, Any]:
        return self.data(PLACE_ORDER, {"input": self.order_input(customer, **extra)}, role=role, subject=subject)["placeOrder"]


def error_of(result: dict[str, Any]) -> dict[str, Any]:
    """The one error a refused request answers with."""
    assert result.get("errors"), result
    assert len(result["errors"]) == 1, result["errors"]
    return result["errors"][0]


def code_of(result: dict[str, Any]) -> str:
    return error_of(result)["extensions"]["code"]


@pytest.fixture
def make_api(settings: Settings, clock: ManualClock) -> Iterator[Callable[..., Api]]:
    """Another API process over the same store, e.g. with different settings or without its worker."""
    with ExitStack() as stack:

        def make(run_worker: bool = True, **overrides: Any) -> Api:
            configured = replace(settings, **overrides)
            app = create_app(configured, clock=clock, run_worker=run_worker)
            client = stack.enter_context(TestClient(app))
            return Api(client, app, configured, clock)

        yield make


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


COURIERS = ("C-1", "C-2")


@pytest.fixture
def shop_api(api: Api) -> Api:
    """The stocked shop of tests/conftest.py, two couriers ready for work, everything projected."""
    stock_shop(api.application)
    for courier in COURIERS:
        hire(api.application, courier)
    api.settle()
    return api
