"""The audit tests drive the API of tests/api and reach into the store as an attacker with database access would."""

from __future__ import annotations

from tests.api.conftest import api, make_api, shop_api  # noqa: F401  (fixtures)
