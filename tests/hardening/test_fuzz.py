"""Whatever arrives, the API answers with named errors, never a 500, and a refused mutation writes nothing.

Two generators: schemathesis (every query and mutation, literal arguments, random
selections) and our own strategies for every mutation's input types (as variables,
mixing the shop's real names with edge cases). Bounded: a few examples per run.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

import schemathesis  # noqa: E402
from schemathesis.graphql import nodes  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from api.auth import issue_token  # noqa: E402
from domain.app import Peisong  # noqa: E402
from domain.clock import ManualClock  # noqa: E402
from domain.settings import Settings  # noqa: E402
from tests.api.conftest import COURIERS  # noqa: E402
from tests.conftest import START, stock_shop  # noqa: E402
from tests.domain_couriers.conftest import hire  # noqa: E402
from tests.hardening.strategies import INTROSPECT_INPUTS, Variables, mutation_document  # noqa: E402

schemathesis.graphql.scalar("Decimal", st.decimals(-5, 10**6, allow_nan=False, places=3).map(str).map(nodes.String))
schemathesis.graphql.scalar("JSON", st.just(nodes.Object(fields=[])))

NAMED_CODES = {"BAD_INPUT", "NOT_FOUND", "CONFLICT", "OUT_OF_STOCK", "INVALID_TRANSITION", "PRECONDITION_FAILED",
               "FORBIDDEN"}
# Each example is a whole pass; the registered profile decides how many, scaled down to stay lean.
PASSES = max(2, hypothesis_settings.default.max_examples // 8)


class Fuzzed:
    """One shop behind the ASGI app for the whole module; nothing runs in the background."""

    def __init__(self, root: Path) -> None:
        self.settings = Settings(database_url=f"sqlite:///{root}/peisong.db", data_dir=root, secret_key="fuzz",
                                 rate_limit_per_second=0, read_wait_seconds=0.2)
        self.clock = ManualClock(START)
        self.application = stock_shop(Peisong(self.settings, self.clock))
        for courier in COURIERS:
            hire(self.application, courier)
        self.app: Starlette = create_app(self.settings, application=self.application, run_worker=False)
        self.app.state.runner.catch_up()
        self.headers = {"Authorization": f"Bearer {issue_token(self.settings, 'admin')}"}

    def head(self) -> int:
        return self.application.head_position()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    shop = Fuzzed(tmp_path_factory.mktemp("fuzz"))
    with TestClient(shop.app):
        yield shop
    shop.application.close()


def check_answer(status: int, body: dict[str, Any], head_before: int, head_after: int, what: str) -> None:
    assert status == 200, (what, status, body)
    errors = body.get("errors") or []
    for error in errors:
        extensions = error.get("extensions") or {}
        assert extensions.get("code") in NAMED_CODES, (what, error)
        assert "field" in extensions, (what, error)
    if errors:
        assert head_after == head_before, (what, "a refused request recorded something", errors)


def test_schemathesis_finds_no_unnamed_error_and_no_partial_write(fuzzed: Fuzzed) -> None:
    schema = schemathesis.graphql.from_asgi("/graphql", fuzzed.app)
    strategy = schema.as_strategy()

    @hypothesis_settings(max_examples=PASSES * 10)
    @given(case=strategy)
    def request(case: Any) -> None:
        before = fuzzed.head()
        response = case.call(headers=fuzzed.headers)
        check_answer(response.status_code, response.json(), before, fuzzed.head(), case.operation.label)

    request()


def test_every_mutation_refuses_bad_input_by_name_and_records_nothing(fuzzed: Fuzzed) -> None:
    with TestClient(fuzzed.app) as client:
        schema = client.post("/graphql", json={"query": INTROSPECT_INPUTS}, headers=fuzzed.headers).json()["data"]["__schema"]
        mutations = schema["mutationType"]["fields"]
        variables = Variables(schema)
        inputs = st.tuples(*(variables.of(field["args"]) for field in mutations))

        @hypothesis_settings(max_examples=PASSES)
        @given(inputs=inputs)
        def one_pass(inputs: tuple[dict[str, Any], ...]) -> None:
            for field, values in zip(mutations, inputs):
                before = fuzzed.head()
                response = client.post("/graphql", json={"query": mutation_document(field), "variables": values},
                                       headers=fuzzed.headers)
                check_answer(response.status_code, response.json(), before, fuzzed.head(), f"{field['name']} {values}")

        one_pass()
