"""TOPTW benchmark: ironroute's engine, PyVRP and VROOM on every instance with a best-known
score, at the same time limit on one core each.

    python -m bench.toptw [--time-limit 10] [--quick] [--peers/--no-peers] [--workers 1]
                          [--out bench/results/toptw.jsonl]

``--quick`` runs a day-to-day subset (8 instance/m pairs). Without it the full table runs:
m = 1 on the Solomon-based 100-customer set and pr01-pr20, m = 2-4 on pr01-pr20 (every row
of bks.csv whose instance file is here) — about 40 minutes with both peers on one worker.
Rows are written as JSON lines as they finish; the summary per set is printed at the end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from api.cli.bench import ours, run_solver
from bench.peers import peer_solvers
from bench.toptw_files import BKS_PATH, instance_paths, load_bks, read_toptw_file

SETS = {
    "solomon100": "Solomon 100 (c/r/rc1)",
    "pr01_10": "pr01-10",
    "solomon200": "Solomon 200",
    "pr11_20": "pr11-20",
}
QUICK = [
    ("c101", 1),
    ("r105", 1),
    ("rc108", 1),
    ("pr10", 1),
    ("pr01", 1),
    ("pr05", 1),
    ("pr02", 2),
    ("pr13", 3),
]


Job = tuple[str, Path, int, int | None]
"""(set, instance file, route count, best-known score)"""


def jobs(quick: bool) -> list[Job]:
    bks = load_bks(BKS_PATH)
    paths = {p.stem: (name, p) for name in SETS for p in instance_paths(name)}
    pairs = QUICK if quick else sorted(bks, key=lambda k: (k[1], k[0]))
    return [(paths[i][0], paths[i][1], m, bks.get((i, m))) for i, m in pairs if i in paths]


def solve_one(job: Job, limit: float, with_peers: bool) -> dict[str, Any]:
    set_name, path, m, best = job
    inst = read_toptw_file(path)
    solvers = peer_solvers() if with_peers else {"ironroute": ours}
    row: dict[str, Any] = {
        "set": set_name,
        "instance": inst.name,
        "m": m,
        "bks": best,
    }
    for name, fn in solvers.items():
        r = run_solver(fn, inst, m, limit)
        row[name] = {k: r[k] for k in ("score", "seconds", "feasible")}
    return row


def summarize(rows: list[dict[str, Any]], names: list[str], console: Console) -> None:
    table = Table(title="mean gap to best-known (%) and wins at equal time")
    table.add_column("set / m")
    table.add_column("instances", justify="right")
    for n in names:
        table.add_column(f"{n} gap %", justify="right")
    if len(names) > 1:
        table.add_column("ironroute ≥ best peer", justify="right")
    table.add_column("infeasible", justify="right")
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        key = (
            f"{SETS[r['set']]} m={r['m']}"
            if r["set"].startswith("pr")
            else f"{SETS[r['set']]} m={r['m']}"
        )
        groups.setdefault(key, []).append(r)
        groups.setdefault("all", []).append(r)
    for key, group in sorted(groups.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        gaps = {
            n: statistics.mean(100 * (r["bks"] - r[n]["score"]) / r["bks"] for r in group)
            for n in names
        }
        cells = [f"{gaps[n]:.2f}" for n in names]
        if len(names) > 1:
            wins = sum(
                r["ironroute"]["score"] >= max(r[p]["score"] for p in names[1:]) for r in group
            )
            cells.append(f"{wins}/{len(group)} ({100 * wins / len(group):.0f} %)")
        bad = sum(not r[n]["feasible"] for r in group for n in names)
        table.add_row(key, str(len(group)), *cells, str(bad))
    console.print(table)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--peers", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("bench/results/toptw.jsonl"))
    ap.add_argument(
        "--peers-from",
        type=Path,
        help="reuse the peers' rows of an earlier run (same limit) and solve only ours",
    )
    ap.add_argument(
        "--summarize",
        type=Path,
        help="solve nothing: print the summary of this earlier run (with --peers-from merged)",
    )
    args = ap.parse_args()
    console = Console(width=160)
    if args.summarize:
        rows = [json.loads(line) for line in args.summarize.read_text().splitlines()]
        if args.peers_from:
            peers = {
                (r["instance"], r["m"]): r
                for r in map(json.loads, args.peers_from.read_text().splitlines())
            }
            for row in rows:
                row.update({n: peers[(row["instance"], row["m"])][n] for n in ("pyvrp", "vroom")})
        names = ["ironroute", "pyvrp", "vroom"] if "pyvrp" in rows[0] else ["ironroute"]
        summarize(rows, names, console)
        return 0
    todo = jobs(args.quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    earlier: dict[tuple[str, int], dict[str, Any]] = {}
    if args.peers_from:
        for line in args.peers_from.read_text().splitlines():
            row = json.loads(line)
            earlier[(row["instance"], row["m"])] = row
        args.peers = False
    names = ["ironroute", "pyvrp", "vroom"] if args.peers or earlier else ["ironroute"]
    with ProcessPoolExecutor(max_workers=args.workers) as pool, args.out.open("w") as sink:
        futures = [pool.submit(solve_one, job, args.time_limit, args.peers) for job in todo]
        for k, future in enumerate(futures, 1):
            row = future.result()
            old = earlier.get((row["instance"], row["m"]))
            if old is not None:
                row.update({n: old[n] for n in ("pyvrp", "vroom")})
            rows.append(row)
            sink.write(json.dumps(row) + "\n")
            sink.flush()
            scores = "  ".join(
                f"{n} {row[n]['score']:5d} ({row[n]['seconds']:.1f}s)" for n in names
            )
            best = row["bks"] or "-"
            head = f"[{k:3d}/{len(todo)}] {row['instance']:6s} m={row['m']} bks {best:>5}"
            console.print(f"{head}  {scores}", highlight=False, markup=False)
    summarize(rows, names, console)
    return 0


if __name__ == "__main__":
    sys.exit(main())
