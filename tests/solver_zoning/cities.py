"""Generated cities for the partitioning specifications: dense districts in a sparse hinterland."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CENTRE = (31.20, 121.45)


@dataclass(frozen=True)
class City:
    lats: np.ndarray
    lons: np.ndarray
    service_minutes: np.ndarray

    @property
    def addresses(self) -> list[tuple[float, float, float]]:
        return [(float(a), float(b), float(c)) for a, b, c in zip(self.lats, self.lons, self.service_minutes)]


def generated_city(seed: int, addresses: int = 1500, spread: float = 0.12) -> City:
    """Two to four dense districts (70% of the addresses, a kilometre or two across) and a sparse
    hinterland about 25 km square; service takes 3 to 8 minutes."""
    rng = np.random.default_rng(seed)
    districts = int(rng.integers(2, 5))
    parts = []
    for _ in range(districts):
        centre = rng.uniform(-spread * 0.7, spread * 0.7, size=2)
        parts.append(centre + rng.normal(0.0, rng.uniform(0.005, 0.015), size=(addresses * 7 // 10 // districts, 2)))
    dense = sum(len(p) for p in parts)
    parts.append(rng.uniform(-spread, spread, size=(addresses - dense, 2)))
    offsets = np.concatenate(parts)
    return City(
        lats=CENTRE[0] + offsets[:, 0], lons=CENTRE[1] + offsets[:, 1],
        service_minutes=rng.uniform(3.0, 8.0, size=len(offsets)),
    )
