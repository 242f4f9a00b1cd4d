"""Sweeps decided branch-wide: each building swept by at most one rep of a branch a day, the
same assignment on any pool, buildings on cooldown skipped, and every skip told in the plan."""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from api.documents.branch import parse_branch, problem_document, with_options
from api.documents.day import InputError, parse_day_problem
from planner import DEFAULT_SETUP, DayPlan, SolveSettings, solve
from planner.demo.branch import make_branch
from planner.errors import ProblemError
from planner.routing.problem import SkippedSweep
from planner.runs import SweepRecord, assign_sweeps, branch_problems, run_branch
from planner.runs.batch import plan_id_for
from planner.runs.branch import building_index
from tests.conftest import assert_plan_valid
from tests.planner.factories import day, lead, offset
from tests.planner.memory_store import MemoryRunStore

QUICK = SolveSettings(setup=DEFAULT_SETUP.deterministic(3_000))


def _doc(n_reps: int = 8) -> dict[str, Any]:
    return with_options(
        make_branch(seed=11, n_reps=n_reps, leads_per_rep=(14, 20)), deterministic=True
    )


def _sweepers(plans: dict[str, DayPlan]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for plan in plans.values():
        for stop in plan.stops:
            if stop.type == "sweep" and stop.building_id is not None:
                out[stop.building_id].add(plan.rep_id)
    return out


def _run(doc: dict[str, Any], workers: int) -> MemoryRunStore:
    store = MemoryRunStore()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as ex:
        run_branch(parse_branch(doc), run_id="r", executor=ex, store=store, settings=QUICK)
    return store


def test_a_branch_run_sweeps_each_building_once_the_same_on_one_and_two_workers() -> None:
    doc = _doc()
    one, two = _run(doc, 1), _run(doc, 2)
    # the contested buildings were really contested: the split skipped some for some reps
    assert any(p.skipped_sweeps for p in one.problems.values())
    for store in (one, two):
        assert all(len(reps) == 1 for reps in _sweepers(store.plans).values())
    assert {r: p.skipped_sweeps for r, p in one.problems.items()} == {
        r: p.skipped_sweeps for r, p in two.problems.items()
    }
    assert _sweepers(one.plans) == _sweepers(two.plans)
    position = {rep["id"]: i for i, rep in enumerate(doc["reps"])}
    for rep_id, plan in one.plans.items():
        problem = one.problems[rep_id]
        assert plan.skipped_sweeps == problem.skipped_sweeps
        swept = {s.building_id for s in plan.stops if s.type == "sweep"}
        assert not swept & {s.building_id for s in plan.skipped_sweeps}
        codes = {i.code for i in plan.issues}
        assert ("swept_by_other_rep" in codes) == bool(plan.skipped_sweeps)
        kept = {b.id for b in problem.buildings}
        problem_doc = problem_document(doc, position[rep_id], kept, problem.skipped_sweeps)
        assert parse_day_problem(problem_doc) == problem  # the stored problem says it all
        assert_plan_valid(problem_doc, plan.to_dict())


def test_the_assignment_does_not_depend_on_the_order_of_the_reps() -> None:
    branch = parse_branch(_doc())
    problems = branch_problems(branch).problems
    sites = building_index(branch)
    forward = assign_sweeps(problems, sites)
    backward = assign_sweeps(problems[::-1], sites)
    assert forward.owner == backward.owner
    assert dict(forward.skipped) == dict(backward.skipped)


def _two_reps(first: dict[str, Any], second: dict[str, Any]) -> Any:
    """Two reps whose effective leads both reach building B1 (and nothing else)."""
    b1 = {"id": "B1", "location": offset(1.0, 1.0), "tenants": 40}
    reps = []
    for rep_id, fields in (("a", first), ("b", second)):
        problem = day([lead(f"{rep_id}1", 1.0, 1.001, effective=True, **fields)])
        reps.append({**problem["rep"], "id": rep_id, "leads": problem["leads"]})
    return {
        "branch_id": "t",
        "date": "2026-11-27",
        "rules": {"min_visits": 1, "min_effective": 1, "target_effective": 1},
        "options": {"deterministic": True},
        "buildings": [b1],
        "reps": reps,
    }


@pytest.mark.parametrize(
    ("first", "second", "winner"),
    [
        # the same lead on both sides: the rep id decides
        ({"value": 50}, {"value": 50}, "a"),
        # the more valuable anchor is the likelier visit
        ({"value": 20}, {"value": 60}, "b"),
        # an appointment is a sure visit, whatever the other lead is worth
        ({"value": 90}, {"value": 10, "kind": "appointment", "windows": [["10:00", "11:00"]]}, "b"),
        # the anchor's own building beats a building it merely is near
        ({"value": 20, "building_id": "B1"}, {"value": 60}, "a"),
    ],
)
def test_a_contested_building_goes_to_the_rep_it_is_worth_most_to(
    first: dict[str, Any], second: dict[str, Any], winner: str
) -> None:
    split = branch_problems(parse_branch(_two_reps(first, second)))
    assert split.assignment.owner == {"B1": winner}
    loser = "b" if winner == "a" else "a"
    assert dict(split.assignment.skipped) == {
        loser: (SkippedSweep(building_id="B1", reason="swept_by_other_rep"),)
    }


def test_a_building_swept_within_the_cooldown_is_swept_by_no_one() -> None:
    doc = _two_reps({"value": 50}, {"value": 50})
    recent = {"building_id": "B1", "date": "2026-11-20"}  # 7 days before
    skipped = branch_problems(parse_branch({**doc, "sweep_history": [recent]})).assignment.skipped
    assert {r: [s.reason for s in skips] for r, skips in skipped.items()} == {
        "a": ["swept_recently"],
        "b": ["swept_recently"],
    }
    for cooled in ({"sweep_cooldown_days": 7}, {"sweep_cooldown_days": 0}):
        branch = parse_branch({**doc, "sweep_history": [recent], **cooled})
        assert [s.reason for s in branch_problems(branch).assignment.skipped["b"]] == [
            "swept_by_other_rep"
        ]
    # the store's history counts like the document's; 14 days on, or the day itself, is not
    # cooldown
    today = date(2026, 11, 27)
    for when, reason in (
        (today - timedelta(days=13), "swept_recently"),
        (today - timedelta(days=14), "swept_by_other_rep"),
        (today, "swept_by_other_rep"),
    ):
        split = branch_problems(parse_branch(doc), [SweepRecord(building_id="B1", date=when)])
        assert split.assignment.skipped["b"][0].reason == reason


def test_a_skipped_building_is_never_swept_and_the_plan_says_why() -> None:
    doc = _two_reps({"value": 50, "building_id": "B1"}, {"value": 50})
    problem = branch_problems(parse_branch(doc)).problems[0]
    free = solve(problem, settings=QUICK).to_dict()
    assert [s["building_id"] for s in free["stops"] if s["type"] == "sweep"] == ["B1"]
    closed = replace(
        problem, skipped_sweeps=(SkippedSweep(building_id="B1", reason="swept_recently"),)
    )
    plan = solve(closed, settings=QUICK).to_dict()
    assert [s for s in plan["stops"] if s["type"] == "sweep"] == []
    assert plan["skipped_sweeps"] == [{"building_id": "B1", "reason": "swept_recently"}]
    assert {"swept_recently", "effective_without_sweep"} <= {i["code"] for i in plan["issues"]}
    assert plan["status"] == "ok"


def test_a_skipped_sweep_must_name_a_building_of_the_problem() -> None:
    problem = branch_problems(parse_branch(_two_reps({}, {}))).problems[0]
    with pytest.raises(ProblemError, match="unknown building 'B9'"):
        replace(problem, skipped_sweeps=(SkippedSweep(building_id="B9", reason="swept_recently"),))
    doc = day([lead("x", 1.0, 1.0)])
    with pytest.raises(InputError, match=r"skipped_sweeps\[0\].reason"):
        parse_day_problem({**doc, "skipped_sweeps": [{"building_id": "B1", "reason": "nope"}]})


def _unswept_by_owner() -> Any:
    """Rep a wins B1 (its anchor is worth more) but cannot fit the visit (a 10-hour meeting)."""
    return _two_reps({"value": 90, "service_minutes": 600}, {"value": 10})


def _run_threads(doc: dict[str, Any], store: MemoryRunStore) -> Any:
    with ThreadPoolExecutor(1) as ex:
        return run_branch(parse_branch(doc), run_id="r", executor=ex, store=store, settings=QUICK)


def test_a_building_its_owner_leaves_unswept_is_offered_to_the_rep_that_lost_it() -> None:
    doc = _unswept_by_owner()
    store = MemoryRunStore()
    report = _run_threads(doc, store)
    assert (report.replanned, report.recovered) == (1, 1)
    assert _sweepers(store.plans) == {"B1": {"b"}}
    first = store.replaced["b"]
    assert first.skipped_sweeps == (SkippedSweep(building_id="B1", reason="swept_by_other_rep"),)
    plan, problem = store.plans["b"], store.problems["b"]
    assert plan.plan_id == plan_id_for("r", "b", second=True) != first.plan_id
    assert plan.skipped_sweeps == problem.skipped_sweeps == ()
    assert "swept_by_other_rep" not in {i.code for i in plan.issues}
    kept = {b.id for b in problem.buildings}
    problem_doc = problem_document(doc, 1, kept, problem.skipped_sweeps)
    assert parse_day_problem(problem_doc) == problem  # the stored problem is the re-plan's
    assert_plan_valid(problem_doc, plan.to_dict())
    assert store.reports == [report]


def _bare(plans: dict[str, DayPlan]) -> dict[str, dict[str, Any]]:
    """The plans' documents without the solver's timings."""
    return {r: {k: v for k, v in p.to_dict().items() if k != "solver"} for r, p in plans.items()}


def test_a_resumed_run_ends_with_the_same_plans_whichever_pass_it_stopped_in() -> None:
    doc = _unswept_by_owner()
    whole = MemoryRunStore()
    _run_threads(doc, whole)
    # stopped after the first pass: the second pass is decided again, alike
    first_only = MemoryRunStore()
    first_only.plans = {**whole.plans, **whole.replaced}
    report = _run_threads(doc, first_only)
    assert (report.planned, report.skipped, report.replanned, report.recovered) == (0, 2, 1, 1)
    assert _bare(first_only.plans) == _bare(whole.plans)
    # stopped after the second pass stored its plan: nothing is planned again
    again = MemoryRunStore()
    again.plans, again.problems = dict(whole.plans), dict(whole.problems)
    report = _run_threads(doc, again)
    assert (report.replanned, report.recovered) == (1, 1)
    assert again.replaced == {} and again.plans == whole.plans


def test_a_re_plan_that_sweeps_nothing_more_keeps_the_first_plan() -> None:
    # b's anchor cannot be visited either: the offer is made, the re-plan gains nothing
    doc = _two_reps({"value": 90, "service_minutes": 600}, {"value": 10, "service_minutes": 600})
    store = MemoryRunStore()
    report = _run_threads(doc, store)
    assert (report.replanned, report.recovered) == (0, 0)
    assert store.replaced == {} and _sweepers(store.plans) == {}
