"""Day-planner benchmark: time per plan at the default limit, and its value against 10 s.

    python -m bench.day_plans [--reps 20] [--sizes 30 40 50] [--long 10] [--json FILE]

For each size, ``--reps`` generated rep-days (the demo's Beijing generator, one seed per
size) are planned twice: at the default time limit (1 s) and at ``--long`` seconds. It
prints the whole time per plan (validation, model build, solve, re-time, repair, fill,
output) and the urgency-weighted value reached, as a share of the long run's, and checks
every plan with the independent checker when ../shared/tools/check_plan.py is present.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from api.documents.day import parse_day_problem
from planner import solve
from planner.demo.branch import day_problems, make_branch

CHECKER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "check_plan.py"


def load_checker():  # type: ignore[no-untyped-def]
    if not CHECKER.exists():
        return None
    spec = importlib.util.spec_from_file_location("check_plan", CHECKER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check


def weighted_value(problem, plan) -> float:  # type: ignore[no-untyped-def]
    visited = {s.lead_id for s in plan.stops if s.type == "visit"}
    return sum(problem.weighted_value(x) for x in problem.leads if x.id in visited)


def run(doc: dict, limit: float) -> tuple[float, float, dict]:
    began = time.perf_counter()
    doc = {**doc, "options": {**(doc.get("options") or {}), "time_limit_s": limit}}
    problem = parse_day_problem(doc)
    plan = solve(problem)
    out = plan.to_dict()
    seconds = time.perf_counter() - began
    return seconds, weighted_value(problem, plan), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--sizes", type=int, nargs="+", default=[30, 40, 50])
    ap.add_argument("--limit", type=float, default=1.0, help="the default time limit (s)")
    ap.add_argument("--long", type=float, default=10.0, help="the reference time limit (s)")
    ap.add_argument("--json", type=Path, help="write per-plan rows here")
    args = ap.parse_args()
    console = Console(width=150)
    check = load_checker()
    rows = []
    table = Table(title=f"day plans: {args.limit:g} s default vs {args.long:g} s reference")
    for col in (
        "leads",
        "plans",
        "median s",
        "p90 s",
        "max s",
        "value share (median)",
        "value share (min)",
        "total value share",
        "ok/shortfall",
        "checker",
    ):
        table.add_column(col, justify="right")
    for size in args.sizes:
        branch = make_branch(seed=1000 + size, n_reps=args.reps, leads_per_rep=(size, size))
        times, shares, base_total, long_total, statuses, passed = [], [], 0.0, 0.0, [], 0
        for k, doc in enumerate(day_problems(branch)):
            t_short, v_short, plan = run(doc, args.limit)
            _, v_long, plan_long = run(doc, args.long)
            ok = True
            if check is not None:
                ok = check(doc, plan)["ok"] and check(doc, plan_long)["ok"]
            passed += ok
            times.append(t_short)
            shares.append(v_short / v_long if v_long else 1.0)
            base_total += v_short
            long_total += v_long
            statuses.append(plan["status"])
            rows.append(
                {
                    "leads": size,
                    "rep": k,
                    "seconds": t_short,
                    "value": v_short,
                    "value_long": v_long,
                    "status": plan["status"],
                    "checker_ok": ok,
                }
            )
            console.print(
                f"  {size} leads, rep-day {k + 1:2d}: {t_short:5.2f} s, value {v_short:7.1f} "
                f"vs {v_long:7.1f} ({100 * shares[-1]:5.1f} %) {plan['status']}",
                highlight=False,
            )
        times.sort()
        table.add_row(
            str(size),
            str(len(times)),
            f"{statistics.median(times):.2f}",
            f"{times[int(0.9 * (len(times) - 1))]:.2f}",
            f"{max(times):.2f}",
            f"{100 * statistics.median(shares):.1f} %",
            f"{100 * min(shares):.1f} %",
            f"{100 * base_total / long_total:.1f} %",
            f"{statuses.count('ok')}/{statuses.count('shortfall')}",
            "n/a" if check is None else f"{passed}/{len(times)} pass",
        )
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
