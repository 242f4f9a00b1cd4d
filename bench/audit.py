"""Visit-audit benchmark: day-level precision and recall on generated honest and fabricated
rep-days.

    python -m bench.audit [--plans 30] [--honest 6] [--fabricated 1] [--seed 7] [--json FILE]

``--plans`` rep-days of the demo's Beijing generator are planned once each (deterministic
mode, 0.3 s). Each plan is replayed as ``--honest`` honest days (GPS noise, late starts,
skipped stops; planner.audit.simulate.honest_day) and ``--fabricated`` days per fabrication
kind (teleporting, copied coordinates, check-ins far from the lead, effective without a
decision maker, overlapping visits). Every day is audited together with all the others at
the default thresholds; a day counts as "flagged" when its score reaches the day threshold.
Prints one row per kind (days, flagged) and precision / recall / F1 of the day flag.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from api.documents.day import parse_day_problem
from planner import SolveSettings, solve
from planner.audit import Thresholds, audit
from planner.audit.simulate import FABRICATIONS, SimulatedDay, fabricated_day, honest_day
from planner.demo.branch import day_problems, make_branch


def generate(plans: int, honest: int, fabricated: int, seed: int) -> list[SimulatedDay]:
    branch = make_branch(seed=seed, n_reps=min(plans, 99))
    docs = day_problems(branch)[:plans]
    rng = random.Random(seed)
    days: list[SimulatedDay] = []
    for doc in docs:
        doc = {**doc, "options": {"time_limit_s": 0.3, "deterministic": True}}
        problem = parse_day_problem(doc)
        plan = solve(problem, settings=SolveSettings(max_time_limit_s=1.0))
        rep = problem.rep.id
        for k in range(honest):
            days.append(honest_day(problem, plan, rng, rep_id=f"{rep}~h{k}"))
        for kind in FABRICATIONS:
            for k in range(fabricated):
                days.append(fabricated_day(problem, plan, rng, kind, rep_id=f"{rep}~{kind[:4]}{k}"))
    return days


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    v = sorted(values)
    return f"{v[0]:.0f} / {v[len(v) // 2]:.0f} / {v[-1]:.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plans", type=int, default=30)
    ap.add_argument("--honest", type=int, default=6)
    ap.add_argument("--fabricated", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    began = time.perf_counter()
    days = generate(args.plans, args.honest, args.fabricated, args.seed)
    generated_s = time.perf_counter() - began
    records = [r for d in days for r in d.records]
    contexts = {(d.context.rep_id, d.context.date): d.context for d in days}
    began = time.perf_counter()
    report = audit(records, contexts, thresholds=Thresholds())
    audit_s = time.perf_counter() - began
    flagged = {(a.rep_id, a.date): a for a in report.days}

    rows: dict[str, Counter[str]] = {}
    scores: dict[str, list[float]] = {}
    tp = fp = fn = tn = 0
    for d in days:
        kind = d.fabrication or "honest"
        day = flagged[(d.context.rep_id, d.context.date)]
        c = rows.setdefault(kind, Counter())
        c["days"] += 1
        c["flagged"] += int(day.flagged)
        c["records"] += len(d.records)
        scores.setdefault(kind, []).append(day.score)
        for code in day.flag_counts:
            c[f"flag:{code}"] += 1
        if d.fabrication is None:
            fp += int(day.flagged)
            tn += int(not day.flagged)
        else:
            tp += int(day.flagged)
            fn += int(not day.flagged)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    table = Table(title="visit audit: day flag on generated rep-days", title_justify="left")
    names = ("kind", "days", "records", "flagged", "share", "day score min/med/max", "top flags")
    for name in names:
        table.add_column(name, justify="left" if name in ("kind", "top flags") else "right")
    for kind in ("honest", *FABRICATIONS):
        c = rows.get(kind, Counter())
        top = sorted(((v, k[5:]) for k, v in c.items() if k.startswith("flag:")), reverse=True)
        table.add_row(
            kind,
            str(c["days"]),
            str(c["records"]),
            str(c["flagged"]),
            f"{c['flagged'] / max(1, c['days']):.1%}",
            _spread(scores.get(kind, [])),
            ", ".join(f"{k} {v}" for v, k in top[:3]),
        )
    table.caption = (
        f"precision {precision:.3f} · recall {recall:.3f} · F1 {f1:.3f} · "
        f"TP {tp} FP {fp} FN {fn} TN {tn} · {len(days)} rep-days, {len(records)} records · "
        f"generated in {generated_s:.1f} s, audited in {audit_s:.2f} s"
    )
    Console(width=160).print(table)
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "precision": precision,
                    "recall": recall,
                    "f1": f1,
                    "tp": tp,
                    "fp": fp,
                    "fn": fn,
                    "tn": tn,
                    "kinds": {k: dict(v) for k, v in rows.items()},
                    "day_scores": scores,
                    "args": vars(args) | {"json": str(args.json)},
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
