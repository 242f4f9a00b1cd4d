"""Quick tours for the workload estimate: from the base through every stop and back,
built nearest-neighbour first and improved by 2-opt on off-peak travel minutes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geo import LatLon, TravelTimeProvider

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Tour:
    """A closed tour from the base (node 0) through ``order`` (matrix nodes) and back."""

    order: tuple[int, ...]
    minutes: float
    km: float


def tour_length(m: Matrix, order: Sequence[int]) -> float:
    """The closed tour 0 → order → 0 on matrix ``m``."""
    if not order:
        return 0.0
    path = [0, *order, 0]
    return float(sum(m[a, b] for a, b in zip(path, path[1:], strict=False)))


def solve_tour(m: Matrix) -> tuple[int, ...]:
    """Nodes 1..k-1 of ``m`` in a short closed tour from node 0 (nearest neighbour + 2-opt)."""
    k = m.shape[0]
    if k <= 2:
        return tuple(range(1, k))
    left = set(range(1, k))
    order: list[int] = []
    here = 0
    while left:
        here = min(left, key=lambda j: (m[here, j], j))
        order.append(here)
        left.remove(here)
    path = [0, *order, 0]
    improved = True
    while improved:
        improved = False
        for a in range(len(path) - 3):
            pa, pa1 = path[a], path[a + 1]
            for b in range(a + 2, len(path) - 1):
                pb, pb1 = path[b], path[b + 1]
                delta = m[pa, pb] + m[pa1, pb1] - m[pa, pa1] - m[pb, pb1]
                if delta < -1e-9:
                    path[a + 1 : b + 1] = path[a + 1 : b + 1][::-1]
                    pa1 = path[a + 1]
                    improved = True
    return tuple(path[1:-1])


def rep_tour(model: TravelTimeProvider, base: LatLon, stops: Sequence[LatLon], mode: str) -> Tour:
    """The quick tour of one rep through ``stops`` (off-peak, the rep's mode)."""
    if not stops:
        return Tour(order=(), minutes=0.0, km=0.0)
    matrix = model.matrix([base, *stops], mode)
    order = solve_tour(matrix.minutes)
    return Tour(
        order=order,
        minutes=tour_length(matrix.minutes, order),
        km=tour_length(matrix.km, order),
    )
