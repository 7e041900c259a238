"""Which warehouse ships which line: nearest that fills everything, a named one, or a split."""

from __future__ import annotations

from typing import Callable

import numpy as np

from domain.errors import InvalidInput, OutOfStock
from solver.geo import haversine_m

# (warehouse code, sku) -> units available there now
Availability = Callable[[str, str], int]


def by_distance(sites: dict[str, tuple[float, float]], lat: float, lon: float) -> list[str]:
    """Warehouse codes nearest first (ties by code), measured in one vectorised call."""
    if not sites:
        return []
    codes = list(sites)
    where = np.array([sites[code] for code in codes], dtype=float)
    metres = haversine_m(lat, lon, where[:, 0], where[:, 1]).tolist()
    return [code for _, code in sorted(zip(metres, codes))]


def allocate(
    lines: list[tuple[str, int]],
    rule: str,
    sites: dict[str, tuple[float, float]],
    lat: float,
    lon: float,
    available: Availability,
    named: str | None = None,
) -> list[tuple[str, str, int]]:
    """Return (warehouse, sku, quantity) allocations covering every line, or refuse."""
    if rule == "named":
        if named is None or named not in sites:
            raise InvalidInput(f"unknown warehouse {named!r}", field="warehouse", warehouse=named)
        return _all_from(named, lines, available, raise_shortage=True)
    ordered = by_distance(sites, lat, lon)
    if not ordered:
        raise OutOfStock("the shop has no warehouse yet", field="lines")
    if rule == "nearest":
        for code in ordered:
            allocation = _all_from(code, lines, available, raise_shortage=False)
            if allocation:
                return allocation
        sku, wanted, best = max(
            ((sku, qty, max(available(code, sku) for code in ordered)) for sku, qty in lines),
            key=lambda t: t[1] - t[2],
        )
        raise OutOfStock(
            f"no single warehouse can fill every line (e.g. {sku}: {wanted} wanted, at most {best} in one place)",
            field="lines", sku=sku, wanted=wanted, available=best,
        )
    return _split(lines, ordered, available)


def _all_from(
    code: str, lines: list[tuple[str, int]], available: Availability, *, raise_shortage: bool
) -> list[tuple[str, str, int]]:
    for sku, quantity in lines:
        have = available(code, sku)
        if have < quantity:
            if raise_shortage:
                raise OutOfStock(
                    f"{sku} in {code}: {quantity} wanted, {max(have, 0)} available",
                    field="lines", sku=sku, warehouse=code, wanted=quantity, available=max(have, 0),
                )
            return []
    return [(code, sku, quantity) for sku, quantity in lines]


def _split(lines: list[tuple[str, int]], ordered: list[str], available: Availability) -> list[tuple[str, str, int]]:
    allocation: list[tuple[str, str, int]] = []
    for sku, quantity in lines:
        missing = quantity
        for code in ordered:
            take = min(missing, max(available(code, sku), 0))
            if take > 0:
                allocation.append((code, sku, take))
                missing -= take
            if missing == 0:
                break
        if missing:
            total = quantity - missing
            raise OutOfStock(
                f"{sku}: {quantity} wanted, {total} available across all warehouses",
                field="lines", sku=sku, wanted=quantity, available=total,
            )
    return allocation
