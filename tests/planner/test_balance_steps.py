"""The balancer's steps one at a time: settling the realised leads of shared buildings, the
kicks of the iterated local search, and the search's fast pricing of a single move."""

from __future__ import annotations

import math
import random

import pytest

from api.documents.balance import parse_balance_request
from bench.balance import synthetic_request
from geo import TravelModel
from planner import BalanceWeights, Site
from planner.territory._finish import realise, settle_leads
from planner.territory._kick import kick
from planner.territory._local_search import Search
from planner.territory._pool import build_pool
from planner.territory._seed import seed
from planner.territory._state import State
from planner.territory.objective import costs_for
from tests.planner.balance_factories import at, lead, problem, rep


def _split_building() -> State:
    """Reps a and b share building X: eight pool leads (four worth 90 listed first, four
    worth 10) and a reclaimed lead worth 90 that b had before."""
    reps = [rep("a", 0, 0, min_leads=0), rep("b", 0, 0.4, min_leads=0)]
    leads = [lead(f"L{i}", 0.2, 0.2, building_id="X", value=90 if i < 4 else 10) for i in range(8)]
    leads.append(
        lead("R", 0.2, 0.2, building_id="X", value=90, status="reclaimed", previous_owner="b")
    )
    pool = build_pool(problem(reps, leads, [Site(id="X", location=at(0.2, 0.2))]))
    pieces = [{0: 4, 1: 4} if not unit.excluded else {0: 1} for unit in pool.units]
    return State(pool, TravelModel(), pieces, [0] * len(pieces))


def test_settling_evens_the_value_of_a_split_building_and_changes_no_tour() -> None:
    state = _split_building()
    owner_of, unassigned = realise(state)  # the pieces fill in lead order: a gets the rich
    assert not unassigned
    value = lambda j: sum(  # noqa: E731
        x.value for x, o in zip(state.pool.problem.leads, owner_of, strict=True) if o == j
    )
    assert (value(0), value(1)) == (450, 40)
    tours = list(state.tours)

    moved = settle_leads(state, owner_of, costs_for(BalanceWeights()))

    assert moved > 0
    assert abs(value(0) - value(1)) <= 80, (value(0), value(1))
    assert owner_of[8] == 0  # the reclaimed lead never goes back to its previous owner
    assert state.tours == tours  # no stop entered or left a tour
    assert all(state.pool.stops[s].building_id == "X" for j in (0, 1) for s in state.stop_leads[j])
    assert sorted(sum(p.values()) for p in state.pieces) == [1, 8]  # pieces follow the leads
    assert {j for p in state.pieces for j in p} == {0, 1}


def test_settling_moves_nothing_when_the_leads_are_alike() -> None:
    reps = [rep("a", 0, 0, min_leads=0), rep("b", 0, 0.4, min_leads=0)]
    leads = [lead(f"L{i}", 0.2, 0.2, building_id="X", value=30) for i in range(8)]
    pool = build_pool(problem(reps, leads, [Site(id="X", location=at(0.2, 0.2))]))
    state = State(pool, TravelModel(), [{0: 4, 1: 4}], [0])
    owner_of, _ = realise(state)
    before = list(owner_of)
    assert settle_leads(state, owner_of, costs_for(BalanceWeights())) == 0
    assert owner_of == before and state.pieces == [{0: 4, 1: 4}]


def test_a_kick_hands_a_far_building_to_the_nearest_rep_that_may_take_it() -> None:
    # a, b and c each hold a building next to their base; a also holds F, 5 km off, next
    # to b and c's bases, whose leads b had before (reclaimed): F must go to c
    reps = [rep("a", 0, 0, min_leads=0), rep("b", 5, 0, min_leads=0), rep("c", 5, 0.3)]
    sites = [Site(id=x, location=at(*where)) for x, where in (("A", (0, 0)), ("B", (5, 0)))]
    sites += [Site(id="C", location=at(5, 0.3)), Site(id="F", location=at(5, 0.1))]
    leads = [lead(f"{x}{i}", 0, 0, building_id=x) for x in "ABC" for i in range(3)]
    leads += [
        lead(f"F{i}", 5, 0.1, building_id="F", status="reclaimed", previous_owner="b")
        for i in range(2)
    ]
    pool = build_pool(problem(reps, leads, sites))
    holder = {"A": 0, "B": 1, "C": 2, "F": 0}
    pieces = [{holder[pool.stops[u.stop].building_id or ""]: u.size} for u in pool.units]
    state = State(pool, TravelModel(), pieces, [0] * len(pieces))

    kicked = kick(state, 0)

    assert kicked is not None
    far = next(u for u, unit in enumerate(pool.units) if unit.excluded)
    assert kicked[far] == {2: 2}
    assert all(kicked[u] == p for u, p in enumerate(pieces) if 0 not in p)  # only a gives
    assert kick(state, 1) is None  # the next kick takes from the next reps: b and c are tight


def test_the_search_prices_a_single_move_as_its_general_pricing_does() -> None:
    doc = synthetic_request(600, 12, seed=3)
    p = parse_balance_request(doc)
    pool = build_pool(p)
    costs = costs_for(BalanceWeights())
    fresh, left = seed(pool, costs)
    search = Search(State(pool, TravelModel(), fresh, list(left)), costs)
    wt, vt = search.targets()
    rng = random.Random(0)
    checked = 0
    for _ in range(3000):
        u = rng.randrange(len(pool.units))
        piece = search.state.pieces[u]
        if not piece:
            continue
        a = rng.choice(sorted(piece))
        b = rng.choice([j for j in search.free if j != a])
        k = rng.randint(1, piece[a])
        fast = search._delta_one(u, a, b, k, wt, vt)
        general = search._delta([(u, a, b, k)], wt, vt)
        assert fast == pytest.approx(general, rel=1e-9, abs=1e-6), (u, a, b, k)
        checked += math.isfinite(general)
    assert checked > 1000
