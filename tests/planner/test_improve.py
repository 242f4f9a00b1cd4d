"""The quick test of fill and upgrade: the latest arrival at each stop, and that ruling out
an insertion by it never rules out one that fits."""

from __future__ import annotations

import math

import pytest

from api.documents.day import parse_day_problem
from geo import TravelModel
from planner.routing._context import Item, build_context
from planner.routing._improve import _cannot_fit, _latest_arrivals, _slack
from planner.routing._schedule import Spec, best_schedule, fits, item_specs
from tests.planner.factories import day, lead, ring_of_leads


def _ctx_and_schedule():  # type: ignore[no-untyped-def]
    leads = ring_of_leads(6, radius_km=3.0)
    leads[2]["windows"] = [["10:00", "10:40"], ["14:00", "15:00"]]  # waits for a window
    lunch = {"earliest": "11:30", "latest": "13:30", "minutes": 30}
    doc = day(leads, rep={"mode": "transit", "lunch": lunch})
    ctx = build_context(parse_day_problem(doc), TravelModel())
    schedule = best_schedule(ctx, [Item(x) for x in range(6)])
    assert schedule is not None
    return ctx, schedule


def _makes_the_rest(ctx, specs: list[Spec], k: int, arrive: float) -> bool:  # type: ignore[no-untyped-def]
    """Re-time ``specs[k:]`` arriving at stop ``k`` at ``arrive``, as simulate() does."""
    for n in range(k, len(specs)):
        sp = specs[n]
        if sp.kind == "end":
            return arrive <= ctx.problem.rep.return_by_min + 1e-9
        start = next((max(arrive, a) for a, z in sp.windows if arrive <= z + 1e-9), None)
        if start is None:
            return False
        leave = start + sp.service
        arrive = leave + ctx.travel.leg(sp.place, specs[n + 1].place, ctx.mode, leave).minutes
    return True


def test_the_latest_arrival_at_each_stop_is_the_last_that_makes_the_rest_of_the_day() -> None:
    ctx, schedule = _ctx_and_schedule()
    specs = [t.spec for t in schedule.stops]
    latest = _latest_arrivals(ctx, specs)
    assert len(latest) == len(specs)
    for k, timed in enumerate(schedule.stops):
        assert timed.arrive <= latest[k] + 1e-9  # the schedule itself holds
        assert _makes_the_rest(ctx, specs, k, latest[k])
        assert not _makes_the_rest(ctx, specs, k, latest[k] + 0.01)


@pytest.mark.parametrize("service", [5, 30, 120, 300])  # from fitting often to never
def test_the_quick_test_never_rules_out_an_insertion_that_fits(service: int) -> None:
    ctx, schedule = _ctx_and_schedule()
    specs = [t.spec for t in schedule.stops]
    slack = _slack(ctx, schedule)
    assert slack is not None
    leave, latest = slack
    doc = day([lead("X", 1.0, -0.5, service_minutes=service)], rep={"mode": "transit"})
    other = build_context(parse_day_problem(doc), TravelModel())
    extra = item_specs(other, Item(0))
    ruled_out = 0
    for k in range(len(specs)):
        if _cannot_fit(extra, leave[k], latest[k]):
            ruled_out += 1
            assert not fits(ctx, specs[:k] + extra + specs[k:])
    if service == 300:
        assert ruled_out == len(specs)  # five hours fit nowhere: no leg was needed
    assert math.isfinite(latest[0])
