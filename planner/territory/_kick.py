"""Kicks for the balancer's iterated local search: when the search has settled with time to
spare, the most spread-out reps hand their far buildings to the rep nearest each one
(bands ignored), and the search runs again from there; the better answer is kept."""

from __future__ import annotations

import numpy as np

from planner.territory._state import Pieces, State

KICK_REPS = 0.1  # share of the reps (the most spread out first) a kick takes buildings from
_FAR = 2.0  # a building is far beyond this many times the team's median spread


def spreads(state: State) -> dict[int, float]:
    """Each pool-taking rep's mean metres from its pool leads to its centre."""
    pool = state.pool
    out: dict[int, float] = {}
    for j in range(pool.n_reps):
        held = state.held[j]
        if not pool.takes_pool[j] or not held:
            continue
        stops = np.array([pool.units[u].stop for u in held], dtype=np.intp)
        k = np.array(list(held.values()), dtype=np.float64)
        d = np.linalg.norm(pool.stop_xy[stops] - state.centres[j], axis=1)
        out[j] = float(d @ k / k.sum())
    return out


def kick(state: State, round_no: int) -> list[Pieces] | None:
    """Pieces after the ``round_no``-th kick (0, 1, …: each takes the next most spread-out
    reps), or None when there is nothing left to kick."""
    pool = state.pool
    spread = spreads(state)
    if not spread:
        return None
    ranked = sorted(spread, key=lambda j: (-spread[j], j))
    size = max(1, round(KICK_REPS * len(ranked)))
    chosen = ranked[round_no * size : (round_no + 1) * size]
    if not chosen:
        return None
    far = _FAR * float(np.median(list(spread.values())))
    takers = np.array(sorted(spread), dtype=np.intp)
    pieces = [dict(p) for p in state.pieces]
    count = [state.pool_count(j) for j in range(pool.n_reps)]
    moved = False
    for j in chosen:
        for u in sorted(state.held[j]):
            unit = pool.units[u]
            xy = pool.stop_xy[unit.stop]
            if np.linalg.norm(xy - state.centres[j]) <= far:
                continue
            k = pieces[u].get(j, 0)
            if count[j] - k < pool.lower[j]:
                continue  # never below its lower bound
            order = np.argsort(np.linalg.norm(state.centres[takers] - xy, axis=1), kind="stable")
            for q in (int(takers[i]) for i in order):
                if q != j and q not in unit.excluded and count[q] + k <= pool.upper[q]:
                    pieces[u][q] = pieces[u].get(q, 0) + k
                    del pieces[u][j]
                    count[q] += k
                    count[j] -= k
                    moved = True
                    break
    return pieces if moved else None
