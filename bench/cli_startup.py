"""CLI overhead: `ironroute --help` wall time, and `ironroute plan` wall time over its solve.

Each command runs ``--runs`` times in a fresh process, alternating, after one warm-up round
(the file cache). ``plan`` plans ``tests/data/wangjing_small.json``; its overhead is the wall
time less the plan's own ``solver.seconds`` (the whole plan: model, search, re-timing), i.e.
interpreter start, imports, reading and validating the problem, and writing the plan. Ratios
are to ``python -c pass`` (the interpreter alone) on the same machine at the same time.

The commands may write bytecode caches even where ``PYTHONDONTWRITEBYTECODE`` is set (as in
some sandboxes): the warm-up round then leaves ironroute's own modules compiled, as every
installed copy has them, instead of each run compiling ~50 modules from source (≈ 0.07–0.1 s).

    COLUMNS=200 .venv/bin/python -m bench.cli_startup --runs 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
IRONROUTE = str(Path(sys.executable).with_name("ironroute"))
PROBLEM = ROOT / "tests" / "data" / "wangjing_small.json"
TARGET_S = {"ironroute --help": 0.5, "ironroute plan (overhead)": 0.5}
BYTECODE_OFF = "PYTHONDONTWRITEBYTECODE" in os.environ
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV
    )
    return time.perf_counter() - started


def _plan_overhead(out: Path, time_limit: float) -> tuple[float, float]:
    """(wall s, wall − solver.seconds) of one `ironroute plan`."""
    cmd = [IRONROUTE, "plan", str(PROBLEM), "-o", str(out), "--time-limit", str(time_limit)]
    wall = _timed(cmd)
    solver_s = float(json.loads(out.read_text())["solver"]["seconds"])
    return wall, wall - solver_s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="runs of each command")
    ap.add_argument("--time-limit", type=float, default=0.3, help="plan --time-limit")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args()

    samples: dict[str, list[float]] = {
        "python -c pass": [],
        "ironroute --help": [],
        "ironroute plan (wall)": [],
        "ironroute plan (overhead)": [],
    }
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan.json"
        for i in range(args.runs + 1):  # round 0 warms the file cache and is dropped
            bare = _timed([sys.executable, "-c", "pass"])
            help_s = _timed([IRONROUTE, "--help"])
            wall, overhead = _plan_overhead(out, args.time_limit)
            if i:
                samples["python -c pass"].append(bare)
                samples["ironroute --help"].append(help_s)
                samples["ironroute plan (wall)"].append(wall)
                samples["ironroute plan (overhead)"].append(overhead)
    load_after = os.getloadavg()

    base = statistics.median(samples["python -c pass"])
    console = Console()
    console.print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; load average "
        f"{' '.join(f'{x:.1f}' for x in load_before)} before, "
        f"{' '.join(f'{x:.1f}' for x in load_after)} after (the machine is shared)"
        + ("; PYTHONDONTWRITEBYTECODE unset for the commands" if BYTECODE_OFF else "")
    )
    table = Table(
        title=f"CLI overhead, {args.runs} runs each (plan --time-limit {args.time_limit:g})"
    )
    for col in ("command", "median s", "min s", "max s", "× python -c pass", "target"):
        table.add_column(col, justify="left" if col == "command" else "right")
    rows = []
    for name, values in samples.items():
        median = statistics.median(values)
        target = TARGET_S.get(name)
        verdict = (
            "" if target is None else (f"≤ {target:g} s {'met' if median <= target else 'MISSED'}")
        )
        rows.append(
            {
                "command": name,
                "median_s": median,
                "min_s": min(values),
                "max_s": max(values),
                "ratio": median / base,
                "target": verdict,
            }
        )
        table.add_row(
            name,
            f"{median:.3f}",
            f"{min(values):.3f}",
            f"{max(values):.3f}",
            f"{median / base:.1f}×",
            verdict,
        )
    console.print(table)
    if args.json is not None:
        args.json.write_text(json.dumps({"rows": rows, "samples": samples}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
