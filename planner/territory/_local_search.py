"""Local search on the seeded assignment: move whole building pieces between neighbouring
reps, swap pieces between them, exchange buildings that lie nearer the other rep's centre,
and hand a piece of a rep outside a band to a rep near that building (wherever the rep's
own neighbours are), whenever that lowers the objective of
``planner.territory.objective``.

Every move is priced exactly on the rep totals and incrementally on the tours (the
cheapest insertion of a new stop, the saving of a stop left); tours are rebuilt exactly
(nearest neighbour + 2-opt) once the search ends. Moves never break ``max_leads``, never
push a rep further below its lower bound and never give a unit to an excluded rep. A rep's
pieces of a building move together, part of a piece moves only into a building its new rep
already visits, and a move that adds a rep to a building pays a split, which costs more than
any gain in balance; the merge pass undoes every split that no bound forces.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt

from geo import TravelModel
from planner.territory._state import State
from planner.territory.objective import VALUE_BAND, WORKLOAD_BAND, Costs, past_promise, rep_cost

Array = npt.NDArray[np.float64]
Move = tuple[int, int, int, int]  # (unit, from rep, to rep, leads)
Best = tuple[float, tuple[int, ...]]  # (objective change, moves flattened)
NEIGHBOURS = 7
_NEAR = 5  # a piece may move to the reps of the group nearest to it (or sharing its stop)
_EPS = 1e-6
_MOVES_PER_REP = 4
_SWAP_NEIGHBOURS = 3
_OUT_NEAR = 6  # reps nearest a building an out-of-band rep may hand it to
_FAR_STOPS = 3  # a rep's farthest buildings offered to the reps nearest them
_SETTLED = 1e-3  # a sweep gaining less than this share of the objective counts as stuck


class Search:
    """Aggregates kept in step with the state while pieces move."""

    def __init__(self, state: State, costs: Costs) -> None:
        self.state = state
        self.costs = costs
        pool = state.pool
        n = pool.n_reps
        self.free = [j for j in range(n) if pool.takes_pool[j]]
        self.count = [state.pool_count(j) for j in range(n)]
        self.lower = [min(pool.lower[j], self.count[j]) for j in range(n)]
        self.effort = [state.effort(j) for j in range(n)]
        self.value = [state.value(j) for j in range(n)]
        self.travel = [state.tours[j].minutes for j in range(n)]
        self.order = [list(state.tours[j].order) for j in range(n)]
        self.leads_here = [float(sum(state.stop_leads[j].values())) for j in range(n)]
        self.sum_xy = np.zeros((n, 2))
        for j in range(n):
            for s, k in state.stop_leads[j].items():
                self.sum_xy[j] += k * pool.stop_xy[s]
        # moves are priced in closed form on the built-in model (a road-network provider
        # times the tours themselves, in _state)
        model = state.model if isinstance(state.model, TravelModel) else TravelModel()
        self._walk = model.modes["walk"]
        self._walk_below_m = model.walk_below_km * 1000.0
        self._speeds = [model.modes[r.mode] for r in pool.problem.reps]
        self.changed: set[int] = set()
        self.moves = 0
        self._ins: list[dict[int, tuple[float, int]]] = [{} for _ in range(n)]
        self._rem: list[dict[int, float]] = [{} for _ in range(n)]
        self._centres = np.array([self._centre_of(j) for j in range(n)]).reshape(-1, 2)
        self._effort_per = [u.effort_min / u.size for u in pool.units]
        self._is_new = [r.is_new for r in pool.problem.reps]
        self._capacity = [r.capacity_min for r in pool.problem.reps]
        self._now: dict[int, tuple[tuple[float, float, bool], float]] = {}
        # the steep cost past the promised bands; off while merging split buildings, so
        # that a split still outranks the bands
        self.steep = True
        self.width = NEIGHBOURS
        self.swap_width = _SWAP_NEIGHBOURS
        self._value_per = [u.value / u.size for u in pool.units]
        self._xy = [(float(x), float(y)) for x, y in pool.stop_xy]
        self._base = [(float(x), float(y)) for x, y in pool.base_xy]
        self._ct = [(float(x), float(y)) for x, y in self._centres]
        self._piece = [costs.piece_private if x.private else costs.piece for x in pool.stops]

    # -- pricing --------------------------------------------------------------------------
    def leg(self, j: int, d_m: float) -> float:
        """Off-peak minutes of a leg of ``d_m`` metres for rep ``j`` (the built-in model)."""
        if d_m < 1.0:
            return 0.0
        m = self._walk if d_m < self._walk_below_m else self._speeds[j]
        return m.access_min + d_m / 1000.0 * m.circuity / m.offpeak_kmh * 60.0

    def _path(self, j: int) -> list[tuple[float, float]]:
        base = self._base[j]
        return [base, *(self._xy[s] for s in self.order[j]), base]

    def insertion(self, j: int, s: int) -> tuple[float, int]:
        """Minutes stop ``s`` adds to ``j``'s tour at its cheapest place, and the place."""
        hit = self._ins[j].get(s)
        if hit is None:
            hit = self._ins[j][s] = self._insertion(j, s)
        return hit

    def _insertion(self, j: int, s: int) -> tuple[float, int]:
        path = self._path(j)
        xy = self._xy[s]
        to_s = [self.leg(j, math.dist(p, xy)) for p in path]
        best, place = math.inf, 0
        for k in range(len(path) - 1):
            cost = to_s[k] + to_s[k + 1] - self.leg(j, math.dist(path[k], path[k + 1]))
            if cost < best:
                best, place = cost, k
        return best, place

    def removal(self, j: int, s: int) -> float:
        """Minutes that leaving stop ``s`` saves ``j``'s tour."""
        hit = self._rem[j].get(s)
        if hit is None:
            hit = self._rem[j][s] = self._removal(j, s)
        return hit

    def _removal(self, j: int, s: int) -> float:
        path = self._path(j)
        k = self.order[j].index(s) + 1
        a, here, b = path[k - 1], path[k], path[k + 1]
        leg = self.leg
        return leg(j, math.dist(a, here)) + leg(j, math.dist(here, b)) - leg(j, math.dist(a, b))

    def rep_cost(self, j: int, workload: float, value: float, wt: float, vt: float) -> float:
        return rep_cost(
            self.costs,
            workload,
            value,
            wt,
            vt,
            is_new=self._is_new[j],
            capacity=self._capacity[j],
            steep=self.steep,
        )

    def _cost_now(self, j: int, wt: float, vt: float) -> float:
        """``rep_cost`` of rep ``j`` as it stands (cached until ``j`` or the targets change)."""
        key = (wt, vt, self.steep)
        hit = self._now.get(j)
        if hit is None or hit[0] != key:
            cost = self.rep_cost(j, self.effort[j] + self.travel[j], self.value[j], wt, vt)
            hit = self._now[j] = (key, cost)
        return hit[1]

    def _centre_of(self, j: int) -> Array:
        base: Array = self.state.pool.base_xy[j]
        if self.leads_here[j] <= 0:
            return base
        out: Array = self.sum_xy[j] / self.leads_here[j]
        return out

    def _delta_one(self, u: int, a: int, b: int, k: int, wt: float, vt: float) -> float:
        """``_delta`` of the single move of ``k`` leads of unit ``u`` from ``a`` to ``b``
        (the search's hot path, without its bookkeeping)."""
        pool = self.state.pool
        n_a, n_b = self.count[a] - k, self.count[b] + k
        if n_b > pool.upper[b] or n_a > pool.upper[a] or n_a < self.lower[a]:
            return math.inf
        st = self.state
        c = self.costs
        unit = pool.units[u]
        s = unit.stop
        piece = st.pieces[u]
        pa, pb = piece.get(a, 0), piece.get(b, 0)
        own_a, own_b = unit.own.get(a, 0), unit.own.get(b, 0)
        kept = (min(own_b, pb + k) - min(own_b, pb)) - (min(own_a, pa) - min(own_a, pa - k))
        xy = self._xy[s]
        star = math.dist(xy, self._ct[b]) - math.dist(xy, self._ct[a])
        total = c.star * k * star / 1000.0 - c.churn * kept
        effort, value = k * self._effort_per[u], k * self._value_per[u]
        work_a, work_b = -effort, effort
        if st.stop_leads[a].get(s, 0) == k:
            saved = self.removal(a, s)
            work_a -= saved
            total -= c.travel * saved + self._piece[s]
        if s not in st.stop_leads[b]:
            added = self.insertion(b, s)[0]
            work_b += added
            total += c.travel * added + self._piece[s]
        total += self.rep_cost(
            a, self.effort[a] + self.travel[a] + work_a, self.value[a] - value, wt, vt
        )
        total += self.rep_cost(
            b, self.effort[b] + self.travel[b] + work_b, self.value[b] + value, wt, vt
        )
        return total - self._cost_now(a, wt, vt) - self._cost_now(b, wt, vt)

    def _delta(self, moves: list[tuple[int, int, int, int]], wt: float, vt: float) -> float:
        """Objective change of applying ``moves`` ``(unit, from, to, leads)`` together."""
        st = self.state
        pool = st.pool
        c = self.costs
        d_count: dict[int, int] = {}
        for _, a, b, k in moves:
            d_count[a] = d_count.get(a, 0) - k
            d_count[b] = d_count.get(b, 0) + k
        for j, dc in d_count.items():
            n = self.count[j] + dc
            if n > pool.upper[j] or (dc < 0 and n < self.lower[j]):
                return math.inf
        d_work = dict.fromkeys(d_count, 0.0)
        d_value = dict.fromkeys(d_count, 0.0)
        out_of: dict[tuple[int, int], int] = {}
        into: set[tuple[int, int]] = set()
        total = 0.0
        for u, a, b, k in moves:
            unit = pool.units[u]
            s = unit.stop
            out_of[(a, s)] = out_of.get((a, s), 0) + k
            into.add((b, s))
            pa, pb = st.pieces[u].get(a, 0), st.pieces[u].get(b, 0)
            own_a, own_b = unit.own.get(a, 0), unit.own.get(b, 0)
            kept = (min(own_b, pb + k) - min(own_b, pb)) - (min(own_a, pa) - min(own_a, pa - k))
            xy = self._xy[s]
            star = math.dist(xy, self._ct[b]) - math.dist(xy, self._ct[a])
            total += c.star * k * star / 1000.0 - c.churn * kept
            effort, value = k * self._effort_per[u], k * self._value_per[u]
            d_work[a] -= effort
            d_work[b] += effort
            d_value[a] -= value
            d_value[b] += value
        for (a, s), k in out_of.items():
            if st.stop_leads[a].get(s, 0) == k:
                saved = self.removal(a, s)
                d_work[a] -= saved
                total -= c.travel * saved + self._piece[s]
        for b, s in into:
            if s not in st.stop_leads[b]:
                added = self.insertion(b, s)[0]
                d_work[b] += added
                total += c.travel * added + self._piece[s]
        for j, dw in d_work.items():
            w0 = self.effort[j] + self.travel[j]
            total += self.rep_cost(j, w0 + dw, self.value[j] + d_value[j], wt, vt)
            total -= self._cost_now(j, wt, vt)
        return total

    # -- applying -------------------------------------------------------------------------
    def apply(self, u: int, a: int, b: int, k: int) -> None:
        st = self.state
        unit = st.pool.units[u]
        s = unit.stop
        xy = st.pool.stop_xy[s]
        if st.stop_leads[a].get(s, 0) == k:
            self.travel[a] -= self.removal(a, s)
            self.order[a].remove(s)
        if s not in st.stop_leads[b]:
            cost, place = self.insertion(b, s)
            self.travel[b] += cost
            self.order[b].insert(place, s)
        piece = dict(st.pieces[u])
        piece[a] -= k
        if not piece[a]:
            del piece[a]
        piece[b] = piece.get(b, 0) + k
        st.set_pieces(u, piece)
        per_effort, per_value = unit.effort_min / unit.size, unit.value / unit.size
        for j, sign in ((a, -1), (b, 1)):
            self.count[j] += sign * k
            self.effort[j] += sign * k * per_effort
            self.value[j] += sign * k * per_value
            self.sum_xy[j] += sign * k * xy
            self.leads_here[j] += sign * k
            self._centres[j] = self._centre_of(j)
            self._ct[j] = (float(self._centres[j][0]), float(self._centres[j][1]))
            self._ins[j].clear()
            self._rem[j].clear()
            self._now.pop(j, None)
        self.changed |= {a, b}
        self.moves += 1

    def total(self) -> float:
        """The whole objective of the current assignment."""
        st = self.state
        pool = st.pool
        c = self.costs
        wt, vt = self.targets()
        out = sum(
            self.rep_cost(j, self.effort[j] + self.travel[j], self.value[j], wt, vt)
            + c.travel * self.travel[j]
            for j in self.free
        )
        for u, piece in enumerate(st.pieces):
            unit = pool.units[u]
            xy = pool.stop_xy[unit.stop]
            for j, k in piece.items():
                out += c.star * k * math.dist(xy, self._centres[j]) / 1000.0
                out -= c.churn * min(k, unit.own.get(j, 0))
        holders: dict[int, int] = {}
        for j in range(pool.n_reps):
            for s in st.stop_leads[j]:
                holders[s] = holders.get(s, 0) + 1
        return out + sum(self._piece[s] * (h - 1) for s, h in holders.items())

    def targets(self) -> tuple[float, float]:
        if not self.free:
            return 0.0, 0.0
        work = [self.effort[j] + self.travel[j] for j in self.free]
        return float(np.mean(work)), float(np.mean([self.value[j] for j in self.free]))

    def neighbours(self, a: int) -> list[int]:
        others = [j for j in self.free if j != a]
        if not others:
            return []
        d = np.linalg.norm(self._centres[others] - self._centres[a], axis=1)
        return [others[k] for k in np.argsort(d, kind="stable")[: self.width]]

    def _by_stop(self, p: int) -> dict[int, list[tuple[int, int]]]:
        """Rep ``p``'s pieces grouped by stop: ``{stop: [(unit, leads), ...]}``."""
        units = self.state.pool.units
        out: dict[int, list[tuple[int, int]]] = {}
        for u, k in self.state.held[p].items():
            out.setdefault(units[u].stop, []).append((u, k))
        return out

    def best_move(self, group: list[int], wt: float, vt: float) -> Best:
        """The best move between ``group[0]`` and the other reps of ``group``, either way:
        everything a rep holds in a building (the pieces its new rep may take), or, into a
        building its new rep already visits, part of one piece."""
        st = self.state
        best: Best = (-_EPS, ())
        centres = [self._ct[j] for j in group]
        focus = group[0]
        for p in group:
            for s, pieces in self._by_stop(p).items():
                xy = self._xy[s]
                ranked = sorted(range(len(group)), key=lambda i: math.dist(centres[i], xy))
                near = {group[i] for i in ranked[:_NEAR]}
                for q in group if p == focus else (focus,):
                    if q == p or (q not in near and s not in st.stop_leads[q]):
                        continue
                    best = self._cheaper(best, self._stop_moves(p, q, s, pieces), wt, vt)
        return best

    def _cheaper(self, best: Best, options: Iterable[list[Move]], wt: float, vt: float) -> Best:
        """``best``, or the cheapest of ``options`` (moves made together) if it gains more."""
        for option in options:
            if len(option) == 1:
                delta = self._delta_one(*option[0], wt, vt)
            else:
                delta = self._delta(option, wt, vt)
            if delta < best[0]:
                best = (delta, tuple(x for m in option for x in m))
        return best

    def _stop_moves(
        self, p: int, q: int, s: int, pieces: list[tuple[int, int]]
    ) -> list[list[tuple[int, int, int, int]]]:
        """The ways rep ``p`` may hand its pieces at stop ``s`` to rep ``q``: all of them,
        and part of one piece when ``q`` visits ``s`` already or private leads keep a rep
        there anyway (such a split costs little)."""
        units = self.state.pool.units
        whole = [(u, p, q, k) for u, k in pieces if q not in units[u].excluded]
        if not whole:
            return []
        options = [whole]
        if s in self.state.stop_leads[q] or self.state.pool.stops[s].private:
            options += [
                [(u, p, q, amount)]
                for u, k in pieces
                if q not in units[u].excluded
                for amount in sorted({1, 2, k // 2})
                if 0 < amount < k
            ]
        return options

    def best_move_out(self, a: int, wt: float, vt: float) -> Best:
        """The best move of a piece of rep ``a`` to a rep near that piece's building (or one
        visiting it already), wherever ``a``'s own neighbours are: for a rep whose private
        buildings lie across the city."""
        best: Best = (-_EPS, ())
        st = self.state
        for s, pieces in self._by_stop(a).items():
            visitors = [j for j in self.free if s in st.stop_leads[j]]
            for q in dict.fromkeys([*self._nearest_reps(s), *visitors]):
                if q == a:
                    continue
                best = self._cheaper(best, self._stop_moves(a, q, s, pieces), wt, vt)
        return best

    def best_exchange(self, a: int, group: list[int], wt: float, vt: float) -> Best:
        """The best hand-over of buildings between ``a`` and a neighbour, or a rep near one
        of ``a``'s farthest buildings, where each building given lies nearer its new rep's
        centre: one building alone, or one each way (a compactness step the bands allow)."""
        best: Best = (-_EPS, ())
        mine = self._by_stop(a)
        ca = self._ct[a]
        partners = dict.fromkeys(group[1 : 1 + self.swap_width])
        far = sorted(mine, key=lambda s: (-math.dist(self._xy[s], ca), s))[:_FAR_STOPS]
        for s in far:
            partners.update(dict.fromkeys(self._nearest_reps(s)))
        partners.pop(a, None)
        for q in partners:
            cq = self._ct[q]
            give = [
                m
                for s, pieces in mine.items()
                if s not in self.state.stop_leads[q]
                and math.dist(self._xy[s], cq) < math.dist(self._xy[s], ca)
                for m in self._stop_moves(a, q, s, pieces)[:1]
            ]
            if not give:
                continue
            take = [
                m
                for s, pieces in self._by_stop(q).items()
                if s not in self.state.stop_leads[a]
                and math.dist(self._xy[s], ca) < math.dist(self._xy[s], cq)
                for m in self._stop_moves(q, a, s, pieces)[:1]
            ]
            options = [*give, *(out + back for out in give for back in take)]
            best = self._cheaper(best, options, wt, vt)
        return best

    def _nearest_reps(self, s: int) -> list[int]:
        """The reps (that take pool leads) whose centres lie nearest stop ``s``."""
        free = np.array(self.free, dtype=np.intp)
        d = np.linalg.norm(self._centres[free] - self.state.pool.stop_xy[s], axis=1)
        return [int(free[k]) for k in np.argsort(d, kind="stable")[: _OUT_NEAR + 1]]

    def best_swap(self, a: int, group: list[int], wt: float, vt: float) -> Best:
        """The best swap of everything ``a`` holds in one building for everything one of its
        nearest neighbours holds in another, among swaps that move ``a`` towards a band
        (for a rep outside one whose buildings are each too big to give alone)."""
        best: Best = (-_EPS, ())
        heavy = self.effort[a] + self.travel[a] > wt
        rich = self.value[a] > vt
        mine = self._by_stop(a)
        for q in group[1 : 1 + self.swap_width]:
            give = self._whole(a, q, mine)
            if not give:
                continue
            take = [(back, *self._totals(back)) for back in self._whole(q, a, self._by_stop(q))]
            options = []
            for out in give:
                e_out, v_out = self._totals(out)
                for back, e_back, v_back in take:
                    if (e_out > e_back) != heavy and (v_out > v_back) != rich:
                        continue  # helps neither band
                    options.append(out + back)
            best = self._cheaper(best, options, wt, vt)
        return best

    def _whole(self, p: int, q: int, held: dict[int, list[tuple[int, int]]]) -> list[list[Move]]:
        """Everything ``p`` holds in a building, per building that ``q`` may take whole and
        does not visit yet."""
        units = self.state.pool.units
        visits = self.state.stop_leads[q]
        return [
            [(u, p, q, k) for u, k in pieces]
            for s, pieces in held.items()
            if s not in visits and all(q not in units[u].excluded for u, _ in pieces)
        ]

    def _totals(self, moves: list[Move]) -> tuple[float, float]:
        """Visit minutes and value the ``moves`` carry."""
        effort = sum(k * self._effort_per[u] for u, _, _, k in moves)
        return effort, sum(k * self._value_per[u] for u, _, _, k in moves)

    def out_of_band(self, j: int, wt: float, vt: float) -> bool:
        w = self.effort[j] + self.travel[j]
        return abs(w - wt) > WORKLOAD_BAND * wt or abs(self.value[j] - vt) > VALUE_BAND * vt

    def badness(self, j: int, wt: float, vt: float) -> float:
        w = self.effort[j] + self.travel[j]
        return self.rep_cost(j, w, self.value[j], wt, vt)

    def merge_split_buildings(self, wt: float, vt: float) -> None:
        """Give everything a rep holds in a split building to another rep already there,
        when that pays (it does unless a bound or a band stands in the way)."""
        st = self.state
        holders_of: dict[int, list[int]] = {}
        for j in self.free:
            for s in st.stop_leads[j]:
                holders_of.setdefault(s, []).append(j)
        self.steep = False
        for s, first in holders_of.items():
            if len(first) > 1:
                while self._merge_once(s, wt, vt):
                    pass
        self.steep = True

    def _merge_once(self, s: int, wt: float, vt: float) -> bool:
        """Make the best paying merge of stop ``s``'s pieces; False when there is none."""
        st = self.state
        units = st.pool.units
        holders = [j for j in self.free if s in st.stop_leads[j]]
        if len(holders) > 1:
            best: Best = (-_EPS, ())
            for a in holders:
                pieces = self._by_stop(a).get(s, [])
                merges = (
                    [(u, a, b, k) for u, k in pieces if b not in units[u].excluded]
                    for b in holders
                    if b != a
                )
                best = self._cheaper(best, (m for m in merges if m), wt, vt)
            if best[1]:
                self._apply_all(best[1])
                return True
        return False

    def _apply_all(self, move: tuple[int, ...]) -> None:
        for k in range(0, len(move), 4):
            self.apply(*move[k : k + 4])

    def run(self, out_of_time: Callable[[], bool], max_sweeps: int) -> None:
        """Sweep the team, worst rep first, until a sweep changes nothing; then, while some
        rep is outside a band, widen the neighbourhoods (doubling) and sweep those reps."""
        widened = False
        last = math.inf
        for _ in range(2 * max_sweeps):
            wt, vt = self.targets()
            now = self.total()
            # a sweep that gained nothing (moves that undo each other) counts as stuck
            settled = now > last - max(1.0, _SETTLED * abs(now))
            last = now
            self.merge_split_buildings(wt, vt)
            for a in sorted(self.free, key=lambda j: (-self.badness(j, wt, vt), j)):
                if out_of_time():
                    return
                if widened and not self.out_of_band(a, wt, vt):
                    continue
                group = [a, *self.neighbours(a)]
                for _ in range(_MOVES_PER_REP):
                    gain, move = self.best_move(group, wt, vt)
                    if not move and self.out_of_band(a, wt, vt) and len(group) > 1:
                        swap_gain, swap = self.best_swap(a, group, wt, vt)
                        if swap_gain < gain:
                            gain, move = swap_gain, swap
                        if not move:
                            gain, move = self.best_move_out(a, wt, vt)
                    if not move and len(group) > 1:
                        gain, move = self.best_exchange(a, group, wt, vt)
                    if not move:
                        break
                    self._apply_all(move)
            if settled:
                stuck = any(self.out_of_band(j, wt, vt) for j in self.free)
                if not stuck or self.width >= len(self.free) - 1:
                    return
                self.width = min(2 * self.width, len(self.free) - 1)
                self.swap_width = self.width
                widened = True


def objective(state: State, costs: Costs) -> float:
    """The objective of ``state`` (to choose between starting points)."""
    return Search(state, costs).total()


def score(state: State, costs: Costs) -> tuple[int, int, float]:
    """How good ``state`` is, to choose between answers: first the leads short of the
    lower bounds, then the reps beyond the promised bands (less their margin), then the
    objective; a gain elsewhere never buys a rep out of its band."""
    search = Search(state, costs)
    wt, vt = search.targets()
    pool = state.pool
    short = sum(max(0, pool.lower[j] - search.count[j]) for j in search.free)
    beyond = sum(
        1
        for j in search.free
        if past_promise(costs, search.effort[j] + search.travel[j], wt, search.value[j], vt) > 0
    )
    return short, beyond, search.total()


def local_search(
    state: State, costs: Costs, out_of_time: Callable[[], bool], max_sweeps: int
) -> int:
    """Improve ``state`` in place; return the number of moves made."""
    search = Search(state, costs)
    search.run(out_of_time, max_sweeps)
    search.merge_split_buildings(*search.targets())  # always, even when the time is up
    state.refresh(sorted(search.changed))
    return search.moves
