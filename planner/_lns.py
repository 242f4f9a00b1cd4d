"""Ruin and recreate over the routing model's data: the engine's large-neighbourhood search.

OR-Tools' local search moves one or two nodes at a time; on orienteering days (which
leads, not only in what order) it stalls far from the best days. This search removes a
related set of visits (ruin) and greedily re-inserts whatever fits best (recreate),
accepting worse days early (simulated annealing on the same integer objective the
routing model minimizes), then hands its best routes back to OR-Tools to polish.

Feasibility is exact on ``RoutingData``: windows (several per node), the route's return
limit and the lunch break, which is kept as a marker in the route (``LUNCH``) and taken
at the stop before it, as the plan does. Insertions are checked in O(1) per position
with each position's latest feasible arrival, vectorized over every node and position.
Pure and deterministic for a seed and an iteration budget.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner import weights as W
from planner._model import END, START, RoutingData

LUNCH = -1
"""The lunch break's place in a route: taken on leaving the stop before it."""

_NEG = np.iinfo(np.int64).min // 4
_BIG = np.iinfo(np.int64).max // 4


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


class _Instance:
    """RoutingData as flat numpy arrays for the search."""

    def __init__(self, data: RoutingData) -> None:
        n = data.n_nodes
        self.n = n
        self.m = data.n_vehicles
        self.svc = np.asarray(data.service_s, dtype=np.int64)
        self.travel = np.asarray(data.time_s, dtype=np.int64) - self.svc[:, None]
        self.cost = np.asarray(data.cost, dtype=np.int64)
        self.travel_t = np.ascontiguousarray(self.travel.T)
        self.cost_t = np.ascontiguousarray(self.cost.T)
        k = max(len(w) for w in data.windows_s)
        self.w_open = np.full((n, k), _BIG, dtype=np.int64)
        self.w_close = np.full((n, k), _NEG, dtype=np.int64)
        for node, wins in enumerate(data.windows_s):
            for j, (a, z) in enumerate(sorted(wins)):
                self.w_open[node, j], self.w_close[node, j] = a, z
        self.windows = [sorted(w) for w in data.windows_s]
        self.group = np.full(n, -1, dtype=np.int64)
        self.group_pen = np.zeros(len(data.disjunctions), dtype=np.int64)
        for g, (nodes, penalty) in enumerate(data.disjunctions):
            self.group_pen[g] = penalty
            for node in nodes:
                self.group[node] = g
        self.exclusive: list[list[int]] = [[] for _ in range(n)]
        for e, nodes in enumerate(data.exclusive):
            for node in nodes:
                self.exclusive[node].append(e)
        self.n_exclusive = len(data.exclusive)
        # the nodes each node shuts out when it is visited (same exclusive set)
        self.shuts: list[np.ndarray] = [
            np.asarray(
                sorted({u for e in self.exclusive[v] for u in data.exclusive[e]}), dtype=np.int64
            )
            for v in range(n)
        ]
        self.visit_unit = np.asarray(data.visit_unit, dtype=np.int64)
        self.eff_unit = np.asarray(data.effective_unit, dtype=np.int64)
        self.min_visits, self.min_eff = data.min_visits, data.min_effective
        self.target_eff = data.target_effective
        self.shift_start, self.return_by = data.shift_start_s, data.return_by_s
        self.lunch = data.lunch_s
        self.customers = np.array([v for v in range(2, n) if self.group[v] >= 0], dtype=np.int64)
        self.node_pen = np.where(self.group >= 0, self.group_pen[np.maximum(self.group, 0)], 0)
        pens = self.group_pen[self.group_pen > 0]
        self.typical_penalty = float(np.median(pens)) if len(pens) else 1.0
        # nearest customers of each customer, for related removals
        t = self.travel[np.ix_(self.customers, self.customers)]
        self.near = self.customers[np.argsort(t + t.T, axis=1)]

    def first_start(self, node: int, arrival: int) -> int | None:
        """Earliest start of service at or after ``arrival`` inside a window of ``node``."""
        for a, z in self.windows[node]:
            if arrival <= z:
                return max(arrival, a)
        return None

    def latest_start(self, node: int, bound: int) -> int | None:
        """Latest start of service at ``node`` inside a window and no later than ``bound``."""
        best = None
        for a, z in self.windows[node]:
            if a <= bound:
                best = min(z, bound)
        return best


class _Route:
    """One route's sequence and its schedule: earliest starts forward, latest arrivals back."""

    __slots__ = ("seq", "frm", "dep", "zarr", "feasible", "broken")

    def __init__(self, seq: list[int]) -> None:
        self.seq = seq
        self.frm: list[int] = []
        self.dep: list[int] = []
        self.zarr: list[int] = []
        self.feasible = True
        self.broken = -1


def _time_route(inst: _Instance, route: _Route) -> None:
    """Forward earliest departures and backward latest arrivals of each position.

    Positions are 0 (start), 1..L (the sequence), L+1 (end). ``frm[p]`` is the node the
    rep travels from on leaving position ``p`` (the stop before a lunch marker), ``dep[p]``
    the time of leaving it, ``zarr[p]`` the latest arrival at ``p`` that keeps the rest of
    the route feasible.
    """
    seq = route.seq
    length = len(seq)
    frm = [START] * (length + 2)
    dep = [0] * (length + 2)
    zarr = [0] * (length + 2)
    travel, svc = inst.travel, inst.svc
    feasible = True
    broken = -1  # the first position (in seq) that breaks a limit
    t = inst.shift_start
    dep[0] = t
    here = START
    for p, node in enumerate(seq, 1):
        if node == LUNCH:
            assert inst.lunch is not None
            earliest, latest, length_s = inst.lunch
            s = max(t, earliest)
            if s > latest and feasible:
                feasible, broken = False, p - 1
            t = s + length_s
        else:
            s_opt = inst.first_start(node, t + int(travel[here, node]))
            if s_opt is None:
                if feasible:
                    feasible, broken = False, p - 1
                s_opt = t + int(travel[here, node])
            t = s_opt + int(svc[node])
            here = node
        frm[p], dep[p] = here, t
    arrive_end = t + int(travel[here, END])
    if arrive_end > inst.return_by and feasible:
        feasible, broken = False, length
    frm[length + 1], dep[length + 1] = END, arrive_end
    # backward: latest arrival at each position
    z = inst.return_by
    zarr[length + 1] = z
    nxt_node = END
    for p in range(length, 0, -1):
        node = seq[p - 1]
        if node == LUNCH:
            assert inst.lunch is not None
            earliest, latest, length_s = inst.lunch
            travel_out = 0 if nxt_node == LUNCH else int(travel[frm[p], nxt_node])
            z = min(latest, z - length_s - travel_out)
        else:
            travel_out = 0 if nxt_node == LUNCH else int(travel[node, nxt_node])
            latest_s = inst.latest_start(node, z - int(svc[node]) - travel_out)
            z = latest_s if latest_s is not None else _NEG
        zarr[p] = z
        nxt_node = node
    route.frm, route.dep, route.zarr = frm, dep, zarr
    route.feasible, route.broken = feasible, broken


@dataclass(slots=True)
class _Gaps:
    """Insertion of some nodes (rows) into every gap of one route: feasible, cost delta,
    and the ranking's denominator (the delay it causes, raised to the recreate's power)."""

    ok: np.ndarray
    dcost: np.ndarray
    denom: np.ndarray


def _gaps(inst: _Instance, route: _Route, rows: np.ndarray, alpha: float) -> _Gaps:
    seq = route.seq
    length = len(seq)
    fnode = np.asarray(route.frm[: length + 1], dtype=np.int64)
    dep = np.asarray(route.dep[: length + 1], dtype=np.int64)
    succ = [*seq, END]
    tnode = np.asarray([max(v, 0) for v in succ], dtype=np.int64)
    to_lunch = np.asarray([v == LUNCH for v in succ])
    # the next real node after each gap, for arc costs (the lunch is no node)
    cost_next = []
    nxt = END
    for v in reversed(succ):
        if v != LUNCH:
            nxt = v
        cost_next.append(nxt)
    cnode = np.asarray(cost_next[::-1], dtype=np.int64)
    zarr = np.asarray(route.zarr[1 : length + 2], dtype=np.int64)

    rcol = rows[:, None]
    arrive = dep[None, :] + inst.travel_t[rcol, fnode[None, :]]  # (rows, gaps)
    w_open, w_close = inst.w_open[rows], inst.w_close[rows]
    start = np.where(arrive <= w_close[:, :1], np.maximum(arrive, w_open[:, :1]), _BIG)
    for k in range(1, w_open.shape[1]):
        o, c = w_open[:, k : k + 1], w_close[:, k : k + 1]
        start = np.where((arrive <= c) & (start == _BIG), np.maximum(arrive, o), start)
    leave = start + inst.svc[rows][:, None]
    out = np.where(to_lunch[None, :], 0, inst.travel[rcol, tnode[None, :]])
    arrive_next = leave + out
    ok = (start < _BIG) & (arrive_next <= zarr[None, :])
    old_arrive = dep + np.where(to_lunch, 0, inst.travel[fnode, tnode])
    dcost = (
        inst.cost_t[rcol, fnode[None, :]]
        + inst.cost[rcol, cnode[None, :]]
        - inst.cost[fnode, cnode][None, :]
    )
    if alpha:
        shift = np.maximum(arrive_next - old_arrive[None, :], 0) + 1.0
        denom = shift if alpha == 1.0 else np.power(shift, alpha)
    else:
        denom = np.ones(ok.shape)
    return _Gaps(ok=ok, dcost=dcost, denom=denom)


class _State:
    """A solution: routes, which groups and exclusive sets are used, the counts."""

    def __init__(self, inst: _Instance, routes: list[list[int]]) -> None:
        self.inst = inst
        self.routes = [_Route(list(r)) for r in routes]
        self.served = np.zeros(len(inst.group_pen), dtype=bool)
        self.blocked = np.zeros(inst.n, dtype=np.int64)
        self.visits = 0
        self.eff = 0
        for r in self.routes:
            for v in r.seq:
                if v != LUNCH:
                    self._take(v)
            _time_route(inst, r)

    def _take(self, v: int) -> None:
        g = self.inst.group[v]
        if g >= 0:
            self.served[g] = True
        self.blocked[self.inst.shuts[v]] += 1
        self.visits += int(self.inst.visit_unit[v])
        self.eff += int(self.inst.eff_unit[v])

    def _release(self, v: int) -> None:
        g = self.inst.group[v]
        if g >= 0:
            self.served[g] = False
        self.blocked[self.inst.shuts[v]] -= 1
        self.visits -= int(self.inst.visit_unit[v])
        self.eff -= int(self.inst.eff_unit[v])

    def copy(self) -> _State:
        twin = object.__new__(_State)
        twin.inst = self.inst
        twin.served, twin.blocked = self.served.copy(), self.blocked.copy()
        twin.visits, twin.eff = self.visits, self.eff
        twin.routes = []
        for r in self.routes:
            c = _Route(list(r.seq))
            c.frm, c.dep, c.zarr = r.frm, r.dep, r.zarr
            c.feasible, c.broken = r.feasible, r.broken
            twin.routes.append(c)
        return twin

    def objective(self) -> int:
        inst = self.inst
        total = 0
        for r in self.routes:
            nodes = [START, *(v for v in r.seq if v != LUNCH), END]
            if len(nodes) > 2:
                total += int(inst.cost[nodes[:-1], nodes[1:]].sum())
        total += int(inst.group_pen[~self.served].sum())
        total += W.MIN_VISITS * max(0, inst.min_visits - self.visits)
        total += W.MIN_EFFECTIVE * max(0, inst.min_eff - self.eff)
        total += W.TARGET_EFFECTIVE * max(0, inst.target_eff - self.eff)
        return total

    def available(self) -> np.ndarray:
        inst = self.inst
        avail = np.zeros(inst.n, dtype=bool)
        cust = inst.customers
        avail[cust] = ~self.served[inst.group[cust]]
        if inst.n_exclusive:
            avail &= self.blocked == 0
        return avail

    def soft_gain(self) -> np.ndarray:
        inst = self.inst
        gain = np.zeros(inst.n, dtype=np.int64)
        if self.visits < inst.min_visits:
            gain += W.MIN_VISITS * inst.visit_unit
        if self.eff < inst.min_eff:
            gain += W.MIN_EFFECTIVE * inst.eff_unit
        if self.eff < inst.target_eff:
            gain += W.TARGET_EFFECTIVE * inst.eff_unit
        return gain

    def remove(self, r: int, positions: list[int]) -> None:
        seq = self.routes[r].seq
        for p in sorted(positions, reverse=True):
            v = seq.pop(p)
            if v != LUNCH:
                self._release(v)
        _time_route(self.inst, self.routes[r])

    def insert(self, r: int, gap: int, v: int) -> None:
        self.routes[r].seq.insert(gap, v)
        if v != LUNCH:
            self._take(v)
        _time_route(self.inst, self.routes[r])

    def feasible(self) -> bool:
        return all(r.feasible for r in self.routes)

    def restore(self) -> None:
        """Drop visits until every route holds again.

        Taking a visit out can make the next one later when the matrix breaks the
        triangle inequality (rounded distances do): drop the visit where the route first
        breaks, or the visit before the lunch or the return that came too late.
        """
        for r, route in enumerate(self.routes):
            while not route.feasible:
                p = route.broken
                while p >= len(route.seq) or route.seq[p] == LUNCH:
                    p -= 1
                if p < 0:
                    return
                self.remove(r, [p])


def _insert_lunch(state: _State, r: int) -> bool:
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


def _recreate(state: _State, rng: random.Random, alpha: float, blink: float) -> None:
    """Insert the best-ranked feasible node until nothing fits with a positive gain.

    The rank is the objective's gain over the delay it causes raised to ``alpha`` (0: the
    gain alone). Only nodes that fit somewhere when the recreate starts are considered.
    """
    inst = state.inst
    rows = np.flatnonzero(state.available())
    if not rows.size:
        return
    gaps: dict[int, _Gaps] = {}
    for r, route in enumerate(state.routes):
        gaps[r] = _gaps(inst, route, rows, alpha)
    keep = np.zeros(rows.size, dtype=bool)
    for g in gaps.values():
        keep |= g.ok.any(axis=1)
    if not keep.all():
        rows = rows[keep]
        gaps = {r: _Gaps(g.ok[keep], g.dcost[keep], g.denom[keep]) for r, g in gaps.items()}
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
                gaps[r] = _gaps(inst, state.routes[r], rows, alpha)
            if r not in scores:
                g = gaps[r]
                gain = gain_rows[:, None] - g.dcost
                scores[r] = np.where(g.ok & (gain > 0), gain / g.denom, -math.inf)
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


def _ruin(state: _State, rng: random.Random, k: int, params: LnsParams) -> None:
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


def _move_lunch(state: _State) -> bool:
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
    inst = _Instance(data)
    rng = random.Random(seed)
    began = clock()
    routes = [list(r) for r in (initial or [[] for _ in range(inst.m)])]
    state = _State(inst, routes)
    if not state.feasible():
        state = _State(inst, [[] for _ in range(inst.m)])
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
