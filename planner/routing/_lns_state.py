"""The search state of ruin and recreate: routes, their schedules and insertion checks.

Each route keeps, per position, the earliest departure (forward) and the latest arrival
that keeps the rest of the route feasible (backward), so inserting a node between two
positions is checked in O(1), vectorized over every node and position. Feasibility is
exact on ``RoutingData``: windows (several per node), the return limit and the lunch
break, kept as a marker in the route (``LUNCH``) and taken on leaving the stop before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.routing import objective as W
from planner.routing._model import END, START, RoutingData

LUNCH = -1
"""The lunch break's place in a route: taken on leaving the stop before it."""

_NEG = np.iinfo(np.int64).min // 4
_BIG = np.iinfo(np.int64).max // 4


class Instance:
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
        self.n_exclusive = len(data.exclusive)
        # the nodes each node shuts out when it is visited (those sharing an exclusive set)
        shut: list[set[int]] = [set() for _ in range(n)]
        for nodes in data.exclusive:
            for node in nodes:
                shut[node].update(nodes)
        self.shuts = [np.asarray(sorted(u), dtype=np.int64) for u in shut]
        self.visit_unit = np.asarray(data.visit_unit, dtype=np.int64)
        self.eff_unit = np.asarray(data.effective_unit, dtype=np.int64)
        self.min_visits, self.min_eff = data.min_visits, data.min_effective
        self.target_eff = data.target_effective
        self.shift_start, self.return_by = data.shift_start_s, data.return_by_s
        self.lunch = data.lunch_s
        self.customers = np.array([v for v in range(2, n) if self.group[v] >= 0], dtype=np.int64)
        self.row_of = np.full(n, -1, dtype=np.int64)
        self.row_of[self.customers] = np.arange(len(self.customers))
        self.node_pen = np.zeros(n, dtype=np.int64)
        served = self.group >= 0
        self.node_pen[served] = self.group_pen[self.group[served]]
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


class Route:
    """One route's sequence and its schedule: earliest starts forward, latest arrivals back."""

    __slots__ = ("seq", "frm", "dep", "zarr", "feasible", "broken", "table")

    def __init__(self, seq: list[int]) -> None:
        self.seq = seq
        self.frm: list[int] = []
        self.dep: list[int] = []
        self.zarr: list[int] = []
        self.feasible = True
        self.broken = -1
        self.table: list[Gaps | None] = [None]
        """Insertion of every customer into every gap, shared by copies until one changes."""


def time_route(inst: Instance, route: Route) -> None:
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
    route.table = [None]


@dataclass(slots=True)
class Gaps:
    """Insertion of some nodes (rows) into every gap of one route: feasible, the change of
    the arc costs, and the delay it causes at the next stop."""

    ok: np.ndarray
    dcost: np.ndarray
    shift: np.ndarray

    def take(self, index: np.ndarray) -> Gaps:
        return Gaps(ok=self.ok[index], dcost=self.dcost[index], shift=self.shift[index])


def customer_gaps(inst: Instance, route: Route, rows: np.ndarray) -> Gaps:
    """Insertion of the customers ``rows`` into ``route``, from the route's shared table."""
    table = route.table[0]
    if table is None:
        table = route.table[0] = insertion_gaps(inst, route, inst.customers)
    return table.take(inst.row_of[rows])


def insertion_gaps(inst: Instance, route: Route, rows: np.ndarray) -> Gaps:
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
    if to_lunch.any():
        # right before the lunch: the rep then lunches at the new stop and travels on
        # from there, so check the lunch's own limits and the arrival after it
        assert inst.lunch is not None
        earliest, latest, length_s = inst.lunch
        g = int(np.flatnonzero(to_lunch)[0])
        after = succ[g + 1]
        lunch_start = np.maximum(leave[:, g], earliest)
        arrive_after = lunch_start + length_s + inst.travel[rows, after]
        ok[:, g] &= (lunch_start <= latest) & (arrive_after <= zarr[g + 1])
        old_after = dep[g + 1] + inst.travel[fnode[g + 1], after]
        arrive_next[:, g] = arrive_after
        old_arrive[g] = old_after
    dcost = (
        inst.cost_t[rcol, fnode[None, :]]
        + inst.cost[rcol, cnode[None, :]]
        - inst.cost[fnode, cnode][None, :]
    )
    shift = np.maximum(arrive_next - old_arrive[None, :], 0)
    return Gaps(ok=ok, dcost=dcost, shift=shift)


class State:
    """A solution: routes, which groups and exclusive sets are used, the counts."""

    def __init__(self, inst: Instance, routes: list[list[int]]) -> None:
        self.inst = inst
        self.routes = [Route(list(r)) for r in routes]
        self.served = np.zeros(len(inst.group_pen), dtype=bool)
        self.blocked = np.zeros(inst.n, dtype=np.int64)
        self.visits = 0
        self.eff = 0
        for r in self.routes:
            for v in r.seq:
                if v != LUNCH:
                    self._take(v)
            time_route(inst, r)

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

    def copy(self) -> State:
        twin = object.__new__(State)
        twin.inst = self.inst
        twin.served, twin.blocked = self.served.copy(), self.blocked.copy()
        twin.visits, twin.eff = self.visits, self.eff
        twin.routes = []
        for r in self.routes:
            c = Route(list(r.seq))
            c.frm, c.dep, c.zarr = r.frm, r.dep, r.zarr
            c.feasible, c.broken, c.table = r.feasible, r.broken, r.table
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
        return total + W.shortfall_cost(
            visits=self.visits,
            effective=self.eff,
            min_visits=inst.min_visits,
            min_effective=inst.min_eff,
            target_effective=inst.target_eff,
        )

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
        time_route(self.inst, self.routes[r])

    def insert(self, r: int, gap: int, v: int) -> None:
        self.routes[r].seq.insert(gap, v)
        if v != LUNCH:
            self._take(v)
        time_route(self.inst, self.routes[r])

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
                    break  # nothing left to drop: the round is rejected as infeasible
                self.remove(r, [p])
