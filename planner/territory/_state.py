"""The balancer's working assignment: pieces of units per rep, with each rep's totals,
its stops, its centre and its quick tour kept up to date as pieces move."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from geo import TravelTimeProvider
from planner.territory._pool import Pool
from planner.territory._tours import Tour, rep_tour

Pieces = dict[int, int]


class State:
    """Mutable, private to one balancing run."""

    def __init__(
        self, pool: Pool, model: TravelTimeProvider, pieces: list[Pieces], left: list[int]
    ):
        self.pool = pool
        self.model = model
        self.pieces = pieces
        self.unassigned = left
        n = pool.n_reps
        self.held: list[dict[int, int]] = [{} for _ in range(n)]  # rep -> unit -> leads
        self.stop_leads: list[dict[int, int]] = [{} for _ in range(n)]  # rep -> stop -> leads
        for j in range(n):
            for s in pool.private_stops[j]:
                self.stop_leads[j][s] = pool.stops[s].private[j]
        for u, piece in enumerate(pieces):
            for j, k in piece.items():
                self._add(u, j, k)
        self.tours: list[Tour] = [Tour(order=(), minutes=0.0, km=0.0)] * n
        self.centres: npt.NDArray[np.float64] = pool.base_xy.copy()
        self.refresh(range(n))

    def _add(self, u: int, j: int, k: int) -> None:
        if not k:
            return
        s = self.pool.units[u].stop
        self.held[j][u] = self.held[j].get(u, 0) + k
        self.stop_leads[j][s] = self.stop_leads[j].get(s, 0) + k
        for table, key in ((self.held[j], u), (self.stop_leads[j], s)):
            if table[key] == 0:
                del table[key]

    def set_pieces(self, u: int, piece: Pieces) -> set[int]:
        """Replace unit ``u``'s pieces; return the reps whose share changed."""
        old = self.pieces[u]
        changed = {j for j in set(old) | set(piece) if old.get(j, 0) != piece.get(j, 0)}
        for j in changed:
            self._add(u, j, piece.get(j, 0) - old.get(j, 0))
        self.pieces[u] = dict(piece)
        return changed

    def refresh(self, reps: Iterable[int]) -> None:
        """Recompute the tours and centres of ``reps`` after their pieces moved."""
        pool = self.pool
        for j in reps:
            stops = sorted(self.stop_leads[j])
            rep = pool.problem.reps[j]
            tour = rep_tour(
                self.model, pool.bases[j], [pool.stops[s].location for s in stops], rep.mode
            )
            self.tours[j] = Tour(
                order=tuple(stops[k - 1] for k in tour.order), minutes=tour.minutes, km=tour.km
            )
            if stops:
                weights = np.array([self.stop_leads[j][s] for s in stops], dtype=np.float64)
                self.centres[j] = weights @ pool.stop_xy[stops] / weights.sum()
            else:
                self.centres[j] = pool.base_xy[j]

    # -- per-rep figures ------------------------------------------------------------------
    def pool_count(self, j: int) -> int:
        return sum(self.held[j].values())

    def count(self, j: int) -> int:
        return self.pool.private_count[j] + self.pool_count(j)

    def effort(self, j: int) -> float:
        units = self.pool.units
        return self.pool.private_effort[j] + sum(
            k * units[u].effort_min / units[u].size for u, k in self.held[j].items()
        )

    def value(self, j: int) -> float:
        units = self.pool.units
        return self.pool.private_value[j] + sum(
            k * units[u].value / units[u].size for u, k in self.held[j].items()
        )

    def workload(self, j: int) -> float:
        return self.effort(j) + self.tours[j].minutes
