"""Re-plan benchmark: time per re-plan and stability (share of the plan's remaining stops
kept at the same time) at three times of day, for each kind of change.

    python -m bench.replan [--reps 6] [--seed 11]

Each generated rep-day (the demo's Beijing generator) is planned at the default limit,
then re-planned at 10:00, 12:30 and 15:00 with: no change, the next visit cancelled, the
visit under way 25 minutes long, a hot lead 1.4 km away. Every re-plan is checked against
its rest-of-day problem by ../shared/tools/check_plan.py when it is present.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from api.documents.day import parse_day_problem
from api.documents.replan import parse_changes, plan_so_far, problem_document
from bench.day_plans import load_checker
from planner import solve
from planner.demo.branch import day_problems, make_branch
from planner.routing import replan

TIMES = ("10:00", "12:30", "15:00")


def _at(day: dict[str, Any], plan: dict[str, Any], hhmm: str) -> tuple[datetime, dict[str, Any]]:
    now = datetime.fromisoformat(f"{day['date']}T{hhmm}:00+08:00")
    where = plan["stops"][0]
    for s in plan["stops"][1:-1]:
        if datetime.fromisoformat(s["arrive"]) <= now:
            where = s
    return now, where


def _changes(kind: str, plan: dict[str, Any], now: datetime, where: dict[str, Any]) -> dict:  # type: ignore[type-arg]
    doc: dict[str, Any] = {"now": now.isoformat(), "position": where["location"]}
    visits = [s for s in plan["stops"] if s["type"] == "visit"]
    later = [s for s in visits if datetime.fromisoformat(s["start"]) > now + timedelta(minutes=5)]
    started = [s for s in visits if datetime.fromisoformat(s["start"]) <= now]
    if kind == "cancel" and later:
        doc["cancelled"] = [later[0]["lead_id"]]
    elif kind == "overrun" and started:
        doc["position"] = started[-1]["location"]
        doc["overruns"] = [{"lead_id": started[-1]["lead_id"], "minutes": 25}]
    elif kind == "new lead":
        loc = where["location"]
        doc["new_leads"] = [
            {
                "id": "HOT1",
                "location": {"lat": loc["lat"] + 0.01, "lon": loc["lon"] + 0.01},
                "kind": "follow_up",
                "value": 95,
                "effective": True,
            }
        ]
    return doc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    check = load_checker()
    days = day_problems(make_branch(seed=args.seed, n_reps=args.reps))
    rows: dict[tuple[str, str], list[tuple[float, float, bool]]] = {}
    for day in days:
        problem = parse_day_problem(day)
        plan = solve(problem, plan_id="morning").to_dict()
        for hhmm in TIMES:
            now, where = _at(day, plan, hhmm)
            for kind in ("no change", "cancel", "overrun", "new lead"):
                changes = parse_changes(_changes(kind, plan, now, where))
                began = time.perf_counter()
                out = replan(problem, plan_so_far(plan), changes, plan_id="v2")
                seconds = time.perf_counter() - began
                doc = out.plan.to_dict()
                diff = doc["replan"]
                before = sum(len(diff[k]) for k in ("kept", "moved", "dropped"))
                kept = len(diff["kept"]) / before if before else 1.0
                ok = check is None or check(problem_document(out.problem), doc)["ok"]
                rows.setdefault((hhmm, kind), []).append((seconds, kept, ok))
    table = Table(title=f"re-plans of {len(days)} generated rep-days (default 1 s limit)")
    for name in ("time", "change", "re-plans", "mean s", "max s", "kept (mean)", "checker ok"):
        table.add_column(name, justify="left" if name in ("time", "change") else "right")
    for (hhmm, kind), got in rows.items():
        secs = [g[0] for g in got]
        table.add_row(
            hhmm,
            kind,
            str(len(got)),
            f"{statistics.mean(secs):.2f}",
            f"{max(secs):.2f}",
            f"{100 * statistics.mean(g[1] for g in got):.0f} %",
            f"{sum(g[2] for g in got)}/{len(got)}",
        )
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
