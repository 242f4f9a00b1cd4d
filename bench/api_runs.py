"""A 1,000-rep branch through the HTTP API: POSTed gzipped to /v1/runs, planned in the background.

Starts ``ironroute serve`` on a fresh SQLite file, generates the branch (``bench.batch.country``:
generated branches of <= 99 reps, each in its own city, 10-14 leads per rep), posts it with
``Content-Encoding: gzip`` and polls ``GET /v1/runs/{id}`` until the run is finished. Prints
the document's sizes, the time to the 202, the GET latency while the run plans, and the run's
wall time and plans per second.

    COLUMNS=200 .venv/bin/python -m bench.api_runs --reps 1000 --time-limit 0.2
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from api.store.keys import KeyStore
from api.store.plans import PlanStore
from bench.api_load import _free_port, percentile, start_server
from bench.batch import country

console = Console()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000, help="reps in the branch")
    ap.add_argument("--time-limit", type=float, default=0.2, help="seconds per rep")
    ap.add_argument("--run-workers", type=int, default=None, help="IRONROUTE_RUN_WORKERS")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args()

    started = time.perf_counter()
    doc = country(args.reps, (10, 14), seed=3)
    doc["options"] = {"time_limit_s": args.time_limit}
    made_s = time.perf_counter() - started
    raw = json.dumps(doc).encode()
    started = time.perf_counter()
    body = gzip.compress(raw, 6)
    gzip_s = time.perf_counter() - started

    tmp = tempfile.TemporaryDirectory(prefix="ironroute-bench-")
    url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    store = PlanStore.from_url(url)
    store.migrate()
    _, key = KeyStore(store.engine).create("crm", name="bench")
    store.dispose()
    headers = {"Authorization": f"Bearer {key}"}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {} if args.run_workers is None else {"IRONROUTE_RUN_WORKERS": str(args.run_workers)}
    load_before = os.getloadavg()
    with console.status("starting ironroute serve…"):
        server = start_server(url, port, 1, env)
    gets: list[float] = []
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
            started = time.perf_counter()
            accepted = client.post(
                "/v1/runs",
                content=body,
                headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
            )
            accept_s = time.perf_counter() - started
            if accepted.status_code != 202:
                raise SystemExit(f"POST /v1/runs: {accepted.status_code} {accepted.text[:500]}")
            run_id = accepted.json()["run_id"]
            with console.status(f"run {run_id}: planning {args.reps} reps…"):
                while True:
                    t = time.perf_counter()
                    status: dict[str, Any] = client.get(f"/v1/runs/{run_id}").json()
                    gets.append(time.perf_counter() - t)
                    if status["state"] == "finished":
                        break
                    time.sleep(1.0)
            wall_s = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
        tmp.cleanup()
    load_after = os.getloadavg()

    row = {
        "reps": args.reps,
        "leads": sum(len(r["leads"]) for r in doc["reps"]),
        "time_limit_s": args.time_limit,
        "generate_s": made_s,
        "json_bytes": len(raw),
        "gzip_bytes": len(body),
        "gzip_s": gzip_s,
        "accept_s": accept_s,
        "get_run_p50_ms": 1000 * percentile(gets, 50),
        "get_run_max_ms": 1000 * max(gets),
        "wall_s": wall_s,
        "plans_per_s": status["planned"] / wall_s,
        "planned": status["planned"],
        "failed": status["failed"],
        "pending": status["pending"],
        "load_before": load_before,
        "load_after": load_after,
    }
    console.print(
        f"machine: {os.cpu_count()} CPUs; load average {' '.join(f'{x:.1f}' for x in load_before)}"
        f" before, {' '.join(f'{x:.1f}' for x in load_after)} after (the machine is shared)"
    )
    table = Table(title=f"POST /v1/runs: {args.reps} reps gzipped, {args.time_limit:g} s per rep")
    for col in (
        "leads",
        "JSON MB",
        "gzip MB",
        "gzip s",
        "202 after s",
        "GET run p50 ms",
        "GET run max ms",
        "wall s",
        "plans/s",
        "planned/failed/pending",
    ):
        table.add_column(col, justify="right")
    table.add_row(
        f"{row['leads']:,}",
        f"{len(raw) / 1e6:.2f}",
        f"{len(body) / 1e6:.2f}",
        f"{gzip_s:.2f}",
        f"{accept_s:.2f}",
        f"{row['get_run_p50_ms']:.0f}",
        f"{row['get_run_max_ms']:.0f}",
        f"{wall_s:.1f}",
        f"{row['plans_per_s']:.2f}",
        f"{row['planned']}/{row['failed']}/{row['pending']}",
    )
    console.print(table)
    if args.json is not None:
        args.json.write_text(json.dumps(row, indent=2) + "\n")
    return 0 if row["pending"] == 0 and row["failed"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
