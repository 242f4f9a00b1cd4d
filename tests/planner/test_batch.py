"""The batch core: every rep planned on a real process pool, failures per rep, resuming."""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from api.documents.branch import parse_branch, problem_document, with_options
from api.documents.day import parse_day_problem
from planner import DEFAULT_SETUP, SolveSettings, solve
from planner.demo.branch import make_branch
from planner.runs.batch import (
    BATCH_SETTINGS,
    BatchError,
    Branch,
    RepOutcome,
    day_problem,
    plan_id_for,
    run_branch,
)
from tests.conftest import assert_plan_valid
from tests.planner.memory_store import MemoryRunStore

QUICK = SolveSettings(setup=DEFAULT_SETUP.deterministic(3_000))
"""A small work limit: repeatable plans in well under a second each."""


@pytest.fixture(scope="module")
def pool() -> Any:
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        yield ex


def _branch_doc(n_reps: int = 4) -> dict[str, Any]:
    return with_options(
        make_branch(seed=7, n_reps=n_reps, leads_per_rep=(12, 20)), deterministic=True
    )


def test_every_rep_of_a_branch_gets_a_valid_plan_on_a_process_pool(pool: Any) -> None:
    doc = _branch_doc()
    store = MemoryRunStore()
    seen: list[RepOutcome] = []
    report = run_branch(
        parse_branch(doc),
        run_id="run-1",
        executor=pool,
        store=store,
        settings=QUICK,
        observe=seen.append,
    )
    assert (report.total, report.planned, report.skipped, report.failures) == (4, 4, 0, ())
    assert sorted(o.rep_id for o in seen) == ["r01", "r02", "r03", "r04"]
    for i, rep in enumerate(doc["reps"]):
        plan = store.plans[rep["id"]]
        assert plan.plan_id == plan_id_for("run-1", rep["id"])
        # checked against the problem with every building of the branch, as the format says
        assert_plan_valid(problem_document(doc, i), plan.to_dict())
    assert store.reports == [report]


def test_a_rep_with_bad_data_fails_alone_and_names_its_field(pool: Any) -> None:
    doc = _branch_doc()
    doc["reps"][1]["leads"][2]["windows"] = [["12:00", "11:00"]]  # closes before it opens
    doc["reps"][2]["leads"][0]["building_id"] = "B-none"  # unknown building
    doc["reps"][3]["leads"][0]["value"] = "lots"  # not a number
    store = MemoryRunStore()
    report = run_branch(parse_branch(doc), run_id="r", executor=pool, store=store, settings=QUICK)
    assert report.planned == 1 and set(store.plans) == {"r01"}
    fields = {f.rep_id: (f.code, f.field) for f in report.failures}
    assert fields == {
        "r02": ("invalid_input", "reps[1].leads[2].windows[0]"),
        "r03": ("invalid_input", "reps[2].leads[0].building_id"),
        "r04": ("invalid_input", "reps[3].leads[0].value"),
    }
    assert store.failures.keys() == fields.keys()


def test_a_second_pass_plans_only_the_reps_without_a_plan(pool: Any) -> None:
    doc = _branch_doc()
    branch = parse_branch(doc)
    store = MemoryRunStore()
    first = Branch(**{**_fields(branch), "reps": branch.reps[:2]})
    run_branch(first, run_id="again", executor=pool, store=store, settings=QUICK)
    before = dict(store.plans)
    report = run_branch(branch, run_id="again", executor=pool, store=store, settings=QUICK)
    assert (report.planned, report.skipped, report.pending) == (2, 2, 0)
    assert set(store.plans) == {"r01", "r02", "r03", "r04"}
    assert store.plans["r01"] is before["r01"]  # not planned again


def test_a_reps_problem_carries_only_buildings_it_can_sweep_and_plans_the_same() -> None:
    doc = _branch_doc(1)
    branch = parse_branch(doc)
    problem = day_problem(branch, 0)
    assert 0 < len(problem.buildings) < len(branch.buildings)
    full = parse_day_problem(problem_document(doc, 0))
    assert len(full.buildings) == len(branch.buildings)
    a = solve(problem, settings=QUICK, plan_id="p").to_dict()
    b = solve(full, settings=QUICK, plan_id="p").to_dict()
    for plan in (a, b):
        plan["solver"] = {k: v for k, v in plan["solver"].items() if "seconds" not in k}
    assert a == b


def test_the_batch_limit_is_below_a_second_and_deterministic_reps_are_work_limited() -> None:
    assert BATCH_SETTINGS.default_time_limit_s < 1.0
    assert BATCH_SETTINGS.setup.branch_limit is not None


def _fields(branch: Branch) -> dict[str, Any]:
    return {name: getattr(branch, name) for name in Branch.__dataclass_fields__}


def test_a_worker_killed_mid_run_stops_the_run_with_the_rest_left_pending() -> None:
    doc = _branch_doc(6)
    store = MemoryRunStore()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as ex:
        worker = ex.submit(os.getpid).result()

        def kill_after_the_first(outcome: RepOutcome) -> None:
            if outcome.plan is not None and len(store.plans) == 1:
                os.kill(worker, signal.SIGKILL)

        with pytest.raises(BatchError, match="the executor broke"):
            run_branch(
                parse_branch(doc),
                run_id="broken",
                executor=ex,
                store=store,
                settings=QUICK,
                max_in_flight=2,
                observe=kill_after_the_first,
            )
    assert len(store.plans) >= 1
    lost = [f for f in store.failures.values() if f.code == "worker_lost"]
    assert 1 <= len(lost) <= 2  # only the jobs in flight
    assert len(store.plans) + len(store.failures) < 6  # the others stay pending
    assert store.reports == []  # a broken pass is not a finished run
