"""The hardening tests drive the real API of tests/api, and break its surroundings on purpose."""

from __future__ import annotations

from tests.api.conftest import api, make_api, shop_api  # noqa: F401  (fixtures)
