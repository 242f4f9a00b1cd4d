"""Duplicate sweeps per branch-day: each rep planned alone against the branch-wide assignment.

    python -m bench.sweeps [--sizes 60 400] [--time-limit 0.2] [--workers N] [--json FILE]

Branches: the demo's (``make demo``: seed 2026, 12 reps balanced with 2 joining = 14 reps)
and generated Wangjing branches of ``--sizes`` reps (the demo generator; a branch over 99
reps is several generated rep sets of the same seed, so all of them share its buildings).
Each branch is planned twice on a local process pool at ``--time-limit`` per rep: *alone*
(every rep's day problem with every building in reach, the old morning run) and *assigned*
(``run_branch``: sweeps assigned branch-wide first, then the second pass that offers a
building its owner left unswept to a rep that lost it; the table counts the reps it
re-planned and the buildings it recovered). A duplicate is a building swept by two
or more reps of the branch that day; "extra sweeps" counts the sweeps beyond the first.
Every plan of the assigned run is checked with ``../shared/tools/check_plan.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from api.documents.branch import parse_branch, problem_document, with_options
from api.runs.executors import default_workers, local_pool
from bench.day_plans import load_checker
from planner import DayPlan, DayProblem
from planner.demo.branch import make_branch
from planner.runs import Branch, PlanOutline, RepFailure, RunReport, branch_problems, run_branch
from planner.runs.batch import BATCH_SETTINGS, PlanJob, day_problem, plan_job
from planner.runs.branch import building_index


class MemoryStore:
    """The run store protocol on dictionaries: the benchmark keeps the plans in memory."""

    def __init__(self) -> None:
        self.plans: dict[str, DayPlan] = {}
        self.problems: dict[str, DayProblem] = {}

    def begin_run(self, run_id: str, branch: Branch) -> None:
        pass

    def planned_reps(self, run_id: str) -> set[str]:
        return set(self.plans)

    def save_plan(self, run_id: str, problem: DayProblem, plan: DayPlan) -> None:
        self.plans[plan.rep_id], self.problems[plan.rep_id] = plan, problem

    def save_failure(self, run_id: str, failure: RepFailure) -> None:
        print(f"{failure.rep_id}: {failure.code} {failure.message}", file=sys.stderr)

    def plan_outlines(self, run_id: str) -> dict[str, PlanOutline]:
        return {r: PlanOutline.of(p) for r, p in self.plans.items()}

    def replace_plan(
        self, run_id: str, problem: DayProblem, plan: DayPlan, *, replaces: str
    ) -> None:
        if self.plans[plan.rep_id].plan_id == replaces:
            self.plans[plan.rep_id], self.problems[plan.rep_id] = plan, problem

    def finish_run(self, run_id: str, report: RunReport) -> None:
        pass


def demo_branch() -> dict[str, Any]:
    """The branch ``make demo`` plans (generated, then balanced with two reps joining)."""
    from api.cli.balance import balance_branch

    with tempfile.TemporaryDirectory() as out:
        return balance_branch(
            make_branch(seed=2026, n_reps=12), Path(out), new_reps=2, console=Console(quiet=True)
        )


def generated_branch(n_reps: int, seed: int = 2026) -> dict[str, Any]:
    """``n_reps`` reps in Wangjing: rep sets of at most 99 of one seed (shared buildings)."""
    doc: dict[str, Any] | None = None
    k = 0
    while doc is None or len(doc["reps"]) < n_reps:
        size = min(99 - k, n_reps - (0 if doc is None else len(doc["reps"])))
        part = make_branch(seed=seed, n_reps=size)
        for rep in part["reps"]:
            rep["id"] = f"g{k}-{rep['id']}"
            for lead in rep["leads"]:
                lead["id"] = f"g{k}-{lead['id']}"
        if doc is None:
            doc = {**part, "branch_id": f"bj-wangjing-{n_reps}"}
        else:
            doc["reps"].extend(part["reps"])
        k += 1
    return doc


def sweepers(plans: Iterable[DayPlan]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for plan in plans:
        for stop in plan.stops:
            if stop.type == "sweep" and stop.building_id is not None:
                out[stop.building_id].add(plan.rep_id)
    return out


def plan_alone(doc: dict[str, Any], executor: Executor) -> list[DayPlan]:
    """The old morning run: every rep planned with every building in its reach."""
    branch = parse_branch(doc)
    sites = building_index(branch)
    jobs = [
        PlanJob(rep_id=r.rep.id, problem=day_problem(branch, i, sites), plan_id=r.rep.id)
        for i, r in enumerate(branch.reps)
    ]
    results = list(executor.map(plan_job, jobs))
    return [r for r in results if isinstance(r, DayPlan)]


def plan_assigned(
    doc: dict[str, Any], executor: Executor, workers: int
) -> tuple[MemoryStore, RunReport]:
    store = MemoryStore()
    report = run_branch(
        parse_branch(doc),
        run_id="bench",
        executor=executor,
        store=store,
        settings=BATCH_SETTINGS,
        max_in_flight=2 * workers,
    )
    return store, report


def row(name: str, doc: dict[str, Any], executor: Executor, workers: int) -> dict[str, Any]:
    check = load_checker()
    began = time.perf_counter()
    alone = sweepers(plan_alone(doc, executor))
    alone_s = time.perf_counter() - began
    began = time.perf_counter()
    store, report = plan_assigned(doc, executor, workers)
    assigned_s = time.perf_counter() - began
    assigned = sweepers(store.plans.values())
    split = branch_problems(parse_branch(doc))
    position = {rep["id"]: i for i, rep in enumerate(doc["reps"])}
    passed = 0
    for rep_id, plan in store.plans.items():
        problem = store.problems[rep_id]
        problem_doc = problem_document(
            doc, position[rep_id], {b.id for b in problem.buildings}, problem.skipped_sweeps
        )
        passed += check is None or not check(problem_doc, plan.to_dict())["violations"]
    bare = sum(
        any(i.code == "effective_without_sweep" for i in p.issues) for p in store.plans.values()
    )
    return {
        "branch": name,
        "reps": len(doc["reps"]),
        "buildings": len(doc["buildings"]),
        "contested": sum(len(s) > 0 for s in split.assignment.skipped.values()),
        "alone_swept": len(alone),
        "alone_sweeps": sum(len(v) for v in alone.values()),
        "alone_duplicates": sum(len(v) > 1 for v in alone.values()),
        "alone_extra": sum(len(v) - 1 for v in alone.values()),
        "alone_max_reps": max((len(v) for v in alone.values()), default=0),
        "assigned_swept": len(assigned),
        "assigned_sweeps": sum(len(v) for v in assigned.values()),
        "assigned_duplicates": sum(len(v) > 1 for v in assigned.values()),
        "assigned_extra": sum(len(v) - 1 for v in assigned.values()),
        "reps_effective_without_sweep": bare,
        "second_pass_replanned": report.replanned,
        "second_pass_recovered": report.recovered,
        "planned": len(store.plans),
        "checker_pass": passed if check is not None else None,
        "alone_s": round(alone_s, 1),
        "assigned_s": round(assigned_s, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[60, 400])
    parser.add_argument("--time-limit", type=float, default=0.2, help="per-rep seconds")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    workers = args.workers or default_workers()
    console = Console(width=200)
    branches = [("demo", demo_branch())] + [
        (f"generated {n}", generated_branch(n)) for n in args.sizes
    ]
    rows = []
    with local_pool(workers) as pool:
        for name, doc in branches:
            doc = with_options(doc, time_limit_s=args.time_limit)
            console.print(f"planning {name}: {len(doc['reps'])} reps, twice…")
            rows.append(row(name, doc, pool.executor, workers))
    table = Table(title=f"duplicate sweeps per branch-day ({args.time_limit} s per rep)")
    columns = {
        "branch": "branch",
        "reps": "reps",
        "buildings": "buildings",
        "alone: swept / sweeps": lambda r: f"{r['alone_swept']} / {r['alone_sweeps']}",
        "alone: duplicates (extra, max reps)": lambda r: (
            f"{r['alone_duplicates']} ({r['alone_extra']}, {r['alone_max_reps']})"
        ),
        "assigned: swept / sweeps": lambda r: f"{r['assigned_swept']} / {r['assigned_sweeps']}",
        "assigned: duplicates": "assigned_duplicates",
        "reps w/ bare effective": "reps_effective_without_sweep",
        "2nd pass: re-planned / recovered": lambda r: (
            f"{r['second_pass_replanned']} / {r['second_pass_recovered']}"
        ),
        "checker": lambda r: f"{r['checker_pass']}/{r['planned']}",
        "s alone / assigned": lambda r: f"{r['alone_s']} / {r['assigned_s']}",
    }
    for title in columns:
        table.add_column(title, justify="left" if title == "branch" else "right")
    for r in rows:
        table.add_row(*(str(f(r) if callable(f) else r[f]) for f in columns.values()))
    console.print(table)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r["assigned_duplicates"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
