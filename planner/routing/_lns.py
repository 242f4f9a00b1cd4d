"""Ruin and recreate over the routing model's data: the engine's large-neighbourhood search.

OR-Tools' local search moves one or two nodes at a time; on orienteering days (which
leads, not only in what order) it stalls far from the best days. This search removes a
related set of visits (ruin) and greedily re-inserts whatever fits best (recreate),
accepting worse days early (simulated annealing on the same integer objective the
routing model minimizes), then hands its best routes back to OR-Tools to polish.

Feasibility is exact on the model's data (``planner.routing._lns_state``). Pure, and repeatable
for a seed and a number of rounds.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner.routing._lns_state import LUNCH, Gaps, Instance, State, customer_gaps, insertion_gaps
from planner.routing._model import END, RoutingData


@dataclass(frozen=True, slots=True, kw_only=True)
class LnsParams:
    """Ruin sizes and acceptance of the search (all defaults measured on TOPTW)."""

    max_ruin_share: float = 0.3
    """At most this share of the visits is removed in one ruin."""
    max_ruin: int = 40
    min_ruin: int = 10
    """A ruin may always remove up to this many visits (short routes need whole rebuilds)."""
    start_temperature: float = 2.0
    """Simulated annealing's start temperature, in typical node penalties."""
    blink: float = 0.01
    """Chance of skipping an insertion (SISR's blinks): diversifies the recreate."""
    random_ruin: float = 0.2
    """Share of ruins that remove visits at random (the rest: related, then strings)."""
    related_ruin: float = 0.4
    restart_after: int = 300
    """Go back to the best day after this many rounds without a new best (0: never)."""


def _insert_lunch(state: State, r: int) -> bool:
    """Put the lunch marker where it delays the rest of the route least."""
    inst = state.inst
    assert inst.lunch is not None
    earliest, latest, length_s = inst.lunch
    route = state.routes[r]
    best, best_gap = None, -1
    for gap in range(len(route.seq) + 1):
        leave = route.dep[gap]
        s = max(leave, earliest)
        if s > latest:
            continue
        nxt = route.seq[gap] if gap < len(route.seq) else END
        here = route.frm[gap]
        t_out = int(inst.travel[here, nxt]) if nxt != LUNCH else 0
        arrive_next = s + length_s + t_out
        if arrive_next > route.zarr[gap + 1]:
            continue
        delay = arrive_next - (leave + t_out)
        if best is None or delay < best:
            best, best_gap = delay, gap
    if best is None:
        return False
    state.insert(r, best_gap, LUNCH)
    return True


def _recreate(state: State, rng: random.Random, alpha: float, blink: float) -> None:
    """Insert the best-ranked feasible node until nothing fits with a positive gain.

    The rank is the objective's gain over the delay it causes raised to ``alpha`` (0: the
    gain alone). Only nodes that fit somewhere when the recreate starts are considered.
    """
    inst = state.inst
    rows = np.flatnonzero(state.available())
    if not rows.size:
        return
    gaps: dict[int, Gaps] = {}
    for r, route in enumerate(state.routes):
        gaps[r] = customer_gaps(inst, route, rows)
    keep = np.zeros(rows.size, dtype=bool)
    for g in gaps.values():
        keep |= g.ok.any(axis=1)
    if not keep.all():
        rows = rows[keep]
        gaps = {r: g.take(keep) for r, g in gaps.items()}
    skipped = np.zeros(rows.size, dtype=bool)
    scores: dict[int, np.ndarray] = {}
    soft_key: tuple[bool, bool, bool] | None = None
    while rows.size:
        key = (
            state.visits < inst.min_visits,
            state.eff < inst.min_eff,
            state.eff < inst.target_eff,
        )
        if key != soft_key:
            soft_key, scores = key, {}
            gain_rows = (inst.node_pen + state.soft_gain())[rows]
        avail = state.available()[rows] & ~skipped
        if not avail.any():
            return
        best_score, best = -math.inf, None
        for r in range(len(state.routes)):
            if r not in gaps:
                gaps[r] = insertion_gaps(inst, state.routes[r], rows)
            if r not in scores:
                g = gaps[r]
                gain = gain_rows[:, None] - g.dcost
                rank = gain / np.power(g.shift + 1.0, alpha) if alpha else gain.astype(float)
                scores[r] = np.where(g.ok & (gain > 0), rank, -math.inf)
            score = scores[r]
            score[~avail] = -math.inf
            flat = int(np.argmax(score))
            i, gap = divmod(flat, score.shape[1])
            if score[i, gap] > best_score:
                best_score, best = float(score[i, gap]), (r, gap, i)
        if best is None:
            return
        r, gap, i = best
        if blink and rng.random() < blink:
            skipped[i] = True
            continue
        state.insert(r, gap, int(rows[i]))
        del gaps[r]
        scores.pop(r, None)


def _ruin(state: State, rng: random.Random, k: int, params: LnsParams) -> None:
    """Remove about ``k`` visits: a random set, a related cluster, or strings of routes."""
    inst = state.inst
    where = {
        v: (r, p) for r, route in enumerate(state.routes) for p, v in enumerate(route.seq) if v >= 0
    }
    if not where:
        return
    kind = rng.random()
    chosen: set[int] = set()
    if kind < params.random_ruin:
        chosen = set(rng.sample(sorted(where), min(k, len(where))))
    elif kind < params.random_ruin + params.related_ruin:
        seed = rng.choice(sorted(where))
        row = int(np.searchsorted(inst.customers, seed))
        for v in inst.near[row]:
            if int(v) in where:
                chosen.add(int(v))
                if len(chosen) >= k:
                    break
    else:
        seed = rng.choice(sorted(where))
        row = int(np.searchsorted(inst.customers, seed))
        seen_routes: set[int] = set()
        max_routes = rng.randint(1, max(1, len(state.routes)))
        per_route = max(1, k // max_routes)
        for v in inst.near[row]:
            if len(seen_routes) >= max_routes:
                break
            if int(v) not in where:
                continue
            r, p = where[int(v)]
            if r in seen_routes:
                continue
            seen_routes.add(r)
            seq = state.routes[r].seq
            length = min(per_route, len(seq))
            lo = max(0, min(p - rng.randrange(length), len(seq) - length))
            chosen.update(u for u in seq[lo : lo + length] if u >= 0)
    by_route: dict[int, list[int]] = {}
    for v in chosen:
        r, p = where[v]
        by_route.setdefault(r, []).append(p)
    for r, positions in by_route.items():
        state.remove(r, positions)


def _move_lunch(state: State) -> bool:
    if state.inst.lunch is None:
        return True
    route = state.routes[0]
    state.remove(0, [route.seq.index(LUNCH)])
    return _insert_lunch(state, 0)


def lns(
    data: RoutingData,
    initial: list[list[int]] | None,
    *,
    seconds: float,
    iterations: int | None,
    seed: int,
    params: LnsParams | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[list[list[int]], int, int]:
    """Search from ``initial`` routes (or from scratch); the best routes, objective, rounds.

    Stops after ``iterations`` rounds when given (repeatable), else after ``seconds``.
    Routes are node lists without start, end or lunch marker, feasible on ``data``.
    """
    params = params or LnsParams()
    inst = Instance(data)
    rng = random.Random(seed)
    began = clock()
    routes = [list(r) for r in (initial or [[] for _ in range(inst.m)])]
    state = State(inst, routes)
    if not state.feasible():
        state.restore()  # a warm start the day no longer holds: drop what breaks it
    if not state.feasible():
        state = State(inst, [[] for _ in range(inst.m)])
    if inst.lunch is not None and not _insert_lunch(state, 0):
        return [[] for _ in range(inst.m)], state.objective(), 0
    _recreate(state, rng, alpha=1.0, blink=0.0)
    current, cur_obj = state, state.objective()
    best, best_obj = current.copy(), cur_obj
    t0 = params.start_temperature * inst.typical_penalty
    rounds = since_best = 0
    while True:
        if params.restart_after and since_best >= params.restart_after:
            current, cur_obj, since_best = best, best_obj, 0
        if iterations is not None:
            if rounds >= iterations:
                break
            progress = rounds / max(1, iterations)
        else:
            elapsed = clock() - began
            if elapsed >= seconds:
                break
            progress = elapsed / seconds
        rounds += 1
        since_best += 1
        trial = current.copy()
        served = sum(1 for r in trial.routes for v in r.seq if v >= 0)
        share = max(params.min_ruin, int(params.max_ruin_share * served))
        k_max = max(1, min(served, params.max_ruin, share))
        _ruin(trial, rng, rng.randint(1, k_max), params)
        trial.restore()
        if not trial.feasible() or not _move_lunch(trial):
            continue
        _recreate(trial, rng, alpha=rng.choice((0.0, 0.5, 1.0, 1.5)), blink=params.blink)
        obj = trial.objective()
        temperature = t0 * (1.0 - progress) + 1e-9
        if obj < cur_obj or rng.random() < math.exp(-(obj - cur_obj) / temperature):
            current, cur_obj = trial, obj
            if obj < best_obj:
                best, best_obj, since_best = trial, obj, 0
    out = [[v for v in r.seq if v != LUNCH] for r in best.routes]
    return out, best_obj, rounds
