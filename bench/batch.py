"""Batch-run benchmark: a national morning run, and the speed-up from one to two workers.

    python -m bench.batch [--reps 1000] [--leads 40] [--speedup-reps 200]
                          [--scheduler tcp://HOST:8786] [--json FILE]

1. **Country**: ``--reps`` reps × ``--leads`` leads (generated Beijing-like branches, one per
   99 reps, moved apart so each is its own city) planned through the real path — branch
   parsing, the local process pool (one worker per CPU), the SQL run store on a SQLite file —
   at the batch's default per-rep limit. Target: 1,000 × 40 in ≤ 10 minutes on two cores.
2. **Speed-up**: ``--speedup-reps`` reps in deterministic (work-limited) mode on 1 and 2 local
   workers and on a Dask ``LocalCluster`` of 1 and 2 single-threaded workers; target ≥ 1.8×.
   Every configuration must produce the same plans (compared without their timings).
   With ``--scheduler`` the Dask rows use that cluster as it is instead (one row).

Plans are checked with ``../shared/tools/check_plan.py`` on a sample (``--check``).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from api.documents.branch import parse_branch, problem_document, with_options
from api.runs.executors import Pool, dask_pool, default_workers, local_pool
from api.store.plans import PlanStore
from api.store.runs import SqlRunStore
from bench.day_plans import load_checker
from planner.demo.branch import make_branch
from planner.runs.batch import BATCH_SETTINGS, run_branch

CITY_STEP_DEG = 0.35  # each generated branch is moved this far north-east of the last


def country(n_reps: int, leads: int | tuple[int, int], seed: int = 2026) -> dict[str, Any]:
    """One branch document of ``n_reps`` reps: generated branches of <= 99 reps, ids prefixed
    with the branch (``b03-r17``), each branch moved to its own place on the map. ``leads``
    is each rep's lead count, or an inclusive range of it."""
    low, high = (leads, leads) if isinstance(leads, int) else leads
    reps: list[dict[str, Any]] = []
    buildings: list[dict[str, Any]] = []
    k = 0
    while len(reps) < n_reps:
        size = min(99, n_reps - len(reps))
        part = make_branch(seed=seed + k, n_reps=size, leads_per_rep=(low, high))
        shift = k * CITY_STEP_DEG
        prefix = f"b{k:02d}-"
        for b in part["buildings"]:
            b = _moved(b, shift)
            b["id"] = prefix + b["id"]
            buildings.append(b)
        for rep in part["reps"]:
            rep = _moved(rep, shift)
            rep["id"] = prefix + rep["id"]
            for lead in rep["leads"]:
                lead["id"] = prefix + lead["id"]
                if lead.get("building_id"):
                    lead["building_id"] = prefix + lead["building_id"]
            reps.append(rep)
        k += 1
    base = make_branch(seed=seed, n_reps=1, leads_per_rep=(4, 4))
    doc = {key: base[key] for key in ("date", "timezone", "crs", "rules", "office")}
    return {"branch_id": f"country-{n_reps}", **doc, "buildings": buildings, "reps": reps}


def _moved(item: dict[str, Any], shift: float) -> dict[str, Any]:
    """A deep copy with every point and footprint ``shift`` degrees north and east."""
    item = copy.deepcopy(item)

    def move(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"lat", "lon"}:
                return {"lat": round(node["lat"] + shift, 6), "lon": round(node["lon"] + shift, 6)}
            if node.get("type") == "Polygon":
                return {
                    **node,
                    "coordinates": [
                        [[round(x + shift, 6), round(y + shift, 6)] for x, y in ring]
                        for ring in node["coordinates"]
                    ],
                }
            return {key: move(value) for key, value in node.items()}
        if isinstance(node, list):
            return [move(x) for x in node]
        return node

    moved: dict[str, Any] = move(item)
    return moved


@contextmanager
def _store(folder: Path, name: str) -> Iterator[PlanStore]:
    plans = PlanStore.from_url(f"sqlite:///{folder / name}.db")
    plans.migrate()
    try:
        yield plans
    finally:
        plans.dispose()


def timed_run(
    doc: dict[str, Any],
    open_pool: Callable[[], AbstractContextManager[Pool]],
    folder: Path,
    name: str,
) -> dict[str, Any]:
    """Plan the whole document on a fresh pool and database; time the run itself."""
    branch = parse_branch(doc)
    t0 = time.perf_counter()
    cpu0 = _children_cpu_s()
    main0 = time.process_time()
    with open_pool() as pool, _store(folder, name) as plans:
        started = time.perf_counter()
        report = run_branch(
            branch,
            run_id=name,
            executor=pool.executor,
            store=SqlRunStore(plans, doc),
            max_in_flight=max(4, 2 * pool.workers),
        )
        wall = time.perf_counter() - started
        main_cpu = time.process_time() - main0
        docs = plans.plans_of_run(name)
    # the workers' CPU time (counted once they have exited, i.e. after the pool closed)
    cpu = _children_cpu_s() - cpu0
    return {
        "name": name,
        "pool": pool.description,
        "workers": pool.workers,
        "startup_s": round(started - t0, 2),
        "wall_s": round(wall, 2),
        "worker_cpu_s": round(cpu, 1),
        "main_cpu_s": round(main_cpu, 1),
        "cpu_share": round(cpu / ((time.perf_counter() - t0) * pool.workers), 3),
        "planned": report.planned,
        "failed": len(report.failures),
        "status": dict(Counter(d["status"] for d in docs)),
        "visits": sum(d["totals"]["visits"] for d in docs),
        "plans": docs,
    }


def fingerprint(docs: list[dict[str, Any]]) -> str:
    """Digest of every plan without its timings and ids: equal plans, equal digests."""
    clean = []
    for d in sorted(docs, key=lambda d: d["rep_id"]):
        d = {k: v for k, v in d.items() if k != "plan_id"}
        d["solver"] = {k: v for k, v in d["solver"].items() if "seconds" not in k}
        clean.append(d)
    return hashlib.sha256(json.dumps(clean, sort_keys=True).encode()).hexdigest()[:12]


def check_sample(doc: dict[str, Any], docs: list[dict[str, Any]], n: int) -> tuple[int, int]:
    """How many of ``n`` plans (spread over the run) pass the independent checker."""
    check = load_checker()
    if check is None or n <= 0:
        return 0, 0
    index = {rep["id"]: i for i, rep in enumerate(doc["reps"])}
    sample = sorted(docs, key=lambda d: d["rep_id"])[:: max(1, len(docs) // n)][:n]
    ok = 0
    for plan in sample:
        problem = problem_document(doc, index[plan["rep_id"]])
        ok += not check(problem, plan)["violations"]
    return ok, len(sample)


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--leads", type=int, default=40)
    ap.add_argument("--speedup-reps", type=int, default=200)
    ap.add_argument("--scheduler", help="a real Dask cluster for the Dask rows")
    ap.add_argument("--check", type=int, default=50, help="plans per run for the checker")
    ap.add_argument("--json", type=Path, help="write every row (without plans) here")
    args = ap.parse_args()
    console = Console()
    console.print(
        f"machine: {os.cpu_count()} CPUs ({default_workers()} usable), Python "
        f"{sys.version.split()[0]}; batch default limit {BATCH_SETTINGS.default_time_limit_s} s,"
        f" deterministic work limit {BATCH_SETTINGS.setup.branch_limit:,} branches;"
        f" load average {_load()} (the machine is shared)"
    )
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ironroute-bench-") as tmp:
        folder = Path(tmp)
        if args.reps:
            doc = country(args.reps, args.leads)
            row = timed_run(doc, local_pool, folder, "country")
            row["checked"] = check_sample(doc, row["plans"], args.check)
            rows.append({"part": "country", "reps": args.reps, **row})
            _print_country(console, rows[-1], args)
            console.print(f"load average after the national run: {_load()}")
        if args.speedup_reps:
            doc = with_options(
                country(args.speedup_reps, args.leads, seed=4242), deterministic=True
            )
            configs: list[tuple[str, Callable[[], AbstractContextManager[Pool]]]] = [
                ("local 1", lambda: local_pool(1)),
                ("local 2", lambda: local_pool(2)),
            ]
            if args.scheduler:
                configs.append(("dask (given)", lambda: dask_pool(args.scheduler)))
            else:
                configs += [
                    ("dask 1", lambda: _local_cluster(1)),
                    ("dask 2", lambda: _local_cluster(2)),
                ]
            speed = []
            for name, opener in configs:
                row = timed_run(doc, opener, folder, name.replace(" ", "-").strip("()"))
                row["fingerprint"] = fingerprint(row["plans"])
                row["checked"] = check_sample(doc, row["plans"], args.check // 2)
                speed.append({"part": "speedup", "reps": args.speedup_reps, "config": name, **row})
                console.print(f"  {name}: {row['wall_s']} s (load average now {_load()})")
            rows += speed
            _print_speedup(console, speed, args)
    if args.json:
        args.json.write_text(
            json.dumps([{k: v for k, v in r.items() if k != "plans"} for r in rows], indent=2)
        )
    return 0


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


@contextmanager
def _local_cluster(n: int) -> Iterator[Pool]:
    from distributed import LocalCluster

    with (
        LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        dask_pool(cluster.scheduler_address) as pool,
    ):
        yield pool


def _print_country(console: Console, row: dict[str, Any], args: argparse.Namespace) -> None:
    table = Table(title=f"national run: {args.reps} reps × {args.leads} leads")
    for col in (
        "pool",
        "pool start s",
        "wall s",
        "wall min",
        "plans/s",
        "CPU per worker",
        "planned",
        "failed",
        "ok/shortfall/infeasible",
        "visits",
        "checker",
    ):
        table.add_column(col, justify="left" if col == "pool" else "right")
    s = row["status"]
    ok, n = row["checked"]
    table.add_row(
        row["pool"],
        f"{row['startup_s']:.1f}",
        f"{row['wall_s']:.1f}",
        f"{row['wall_s'] / 60:.2f}",
        f"{row['planned'] / row['wall_s']:.2f}",
        f"{100 * row['cpu_share']:.0f} %",
        str(row["planned"]),
        str(row["failed"]),
        f"{s.get('ok', 0)}/{s.get('shortfall', 0)}/{s.get('infeasible', 0)}",
        str(row["visits"]),
        f"{ok}/{n} pass" if n else "-",
    )
    console.print(table)


def _print_speedup(console: Console, rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    table = Table(title=f"speed-up: {args.speedup_reps} reps × {args.leads} leads, deterministic")
    for col in (
        "config",
        "pool",
        "wall s",
        "plans/s",
        "speed-up",
        "worker CPU s",
        "CPU per worker",
        "main CPU s",
        "plans digest",
        "checker",
    ):
        table.add_column(col, justify="left" if col in ("config", "pool") else "right")
    base = {r["config"].split()[0]: r["wall_s"] for r in rows if r["config"].endswith(" 1")}
    for r in rows:
        kind = r["config"].split()[0]
        ok, n = r["checked"]
        ratio = base.get(kind, rows[0]["wall_s"]) / r["wall_s"]
        table.add_row(
            r["config"],
            r["pool"],
            f"{r['wall_s']:.1f}",
            f"{r['planned'] / r['wall_s']:.2f}",
            f"{ratio:.2f}×",
            f"{r['worker_cpu_s']:.0f}",
            f"{100 * r['cpu_share']:.0f} %",
            f"{r['main_cpu_s']:.1f}",
            r["fingerprint"],
            f"{ok}/{n} pass" if n else "-",
        )
    console.print(table)
    same = len({r["fingerprint"] for r in rows}) == 1
    console.print(f"identical plans in every configuration: {'yes' if same else 'NO'}")
    console.print(
        "CPU per worker: the workers' CPU seconds (start-up included) over (pool start + wall) ×"
        " workers — well below 100 % the workers waited for a core (other work on the machine)."
        " Main CPU s: the process that hands out jobs and stores every plan."
    )


if __name__ == "__main__":
    sys.exit(main())
