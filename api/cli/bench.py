"""`ironroute bench toptw`: the routing engine on the literature's TOPTW instances.

Reads instance files and the best-known scores (``bks.csv``, found beside the instances or
given with ``--bks``), solves with the day planner's engine, verifies every route
independently and prints a table or JSON lines. The comparison with PyVRP and VROOM is a
benchmark, outside the installed package: ``python -m bench.peers FILE...``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from planner.orienteering import ToptwInstance

bench_app = typer.Typer(help="Benchmarks on public instances (TOPTW).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def parse_m(text: str) -> list[int]:
    """'1', '1..4' or '2,3' -> route counts."""
    try:
        if ".." in text:
            lo, hi = (int(v) for v in text.split(".."))
            values = list(range(lo, hi + 1))
        else:
            values = [int(v) for v in text.split(",")]
    except ValueError:
        raise typer.BadParameter(
            f"expected 1, 1..4 or 2,3; got {text!r}", param_hint="--m"
        ) from None
    if not values or any(not 1 <= v <= 10 for v in values):
        raise typer.BadParameter("route counts must be between 1 and 10", param_hint="--m")
    return values


def find_bks(paths: Sequence[Path], given: Path | None) -> dict[tuple[str, int], int]:
    """Best-known scores from ``given`` or the nearest bks.csv above the first instance."""
    candidates = [given] if given else [p / "bks.csv" for p in paths[0].resolve().parents[:4]]
    from planner.orienteering import parse_bks

    for candidate in candidates:
        if candidate is not None and candidate.exists():
            return parse_bks(candidate.read_text(encoding="utf-8"))
    return {}


def load(path: Path) -> ToptwInstance:
    from planner.orienteering import parse_toptw

    try:
        return parse_toptw(path.read_text(encoding="utf-8"), path.stem)
    except OSError as e:
        err.print(f"[bold red]error:[/] cannot read {path}: {e.strerror or e}")
        raise typer.Exit(2) from None
    except ValueError as e:
        err.print(f"[bold red]error:[/] {path} is not a TOPTW instance: {e}")
        raise typer.Exit(2) from None


Solver = Callable[["ToptwInstance", int, float], Sequence[Sequence[int]]]


def run_solver(solver: Solver, inst: ToptwInstance, m: int, limit: float) -> dict[str, Any]:
    """Solve, verify and score; an infeasible answer scores 0 and lists its violations."""
    from planner.orienteering import route_score, verify_routes

    began = time.perf_counter()
    routes = [list(r) for r in solver(inst, m, limit) if r]
    seconds = time.perf_counter() - began
    violations = verify_routes(inst, routes, m=m)
    return {
        "score": 0 if violations else route_score(inst, routes),
        "seconds": round(seconds, 2),
        "routes": routes,
        "feasible": not violations,
        "violations": violations[:5],
    }


def ours(inst: ToptwInstance, m: int, limit: float) -> Sequence[Sequence[int]]:
    """The day planner's engine on ``inst`` with ``m`` routes."""
    from planner.orienteering import solve_orienteering

    return solve_orienteering(inst, m, limit).routes


def gap(bks: int | None, score: int) -> float | None:
    return None if not bks else round(100.0 * (bks - score) / bks, 2)


TimeLimit = Annotated[
    float, typer.Option("--time-limit", min=0.1, max=600, help="Seconds per solve")
]
RouteCounts = Annotated[str, typer.Option("--m", help="Routes: 1, 1..4 or 2,3")]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON object per line")]
BksFile = Annotated[Path | None, typer.Option("--bks", help="Best-known scores CSV")]
Files = Annotated[list[Path], typer.Argument(help="TOPTW instance files")]


@bench_app.command("toptw")
def toptw(
    files: Files,
    m: RouteCounts = "1",
    time_limit: TimeLimit = 10.0,
    as_json: AsJson = False,
    bks_file: BksFile = None,
) -> None:
    """Solve TOPTW instances with the day planner's engine; compare with best-known scores."""
    cases = list(each_case(files, m, bks_file))
    table = Table(title=f"TOPTW, {time_limit:g} s per instance")
    for col in ("instance", "m", "bks", "score", "gap %", "seconds", "verified"):
        table.add_column(col, justify="left" if col == "instance" else "right")
    for inst, k, best in cases:
        row = run_solver(ours, inst, k, time_limit)
        record = {
            "instance": inst.name,
            "m": k,
            "bks": best,
            "score": row["score"],
            "gap_pct": gap(best, row["score"]),
            "seconds": row["seconds"],
            "routes": row["routes"],
        }
        if as_json:
            print(json.dumps(record), flush=True)
        else:
            table.add_row(
                inst.name,
                str(k),
                str(best or "-"),
                str(row["score"]),
                "-" if record["gap_pct"] is None else f"{record['gap_pct']:.2f}",
                f"{row['seconds']:.1f}",
                "yes" if row["feasible"] else f"[red]NO: {row['violations'][0]}[/]",
            )
    if not as_json:
        out.print(table)


def each_case(
    files: Sequence[Path], m: str, bks_file: Path | None
) -> Iterator[tuple[ToptwInstance, int, int | None]]:
    """Every (instance, route count, best-known score) the command line asks for."""
    counts = parse_m(m)
    bks = find_bks(files, bks_file)
    for path in files:
        inst = load(path)
        for k in counts:
            yield inst, k, bks.get((inst.name, k))
