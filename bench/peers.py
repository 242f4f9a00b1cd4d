"""Adapters that solve a TOPTW instance with the open-source peers PyVRP and VROOM (pyvroom),
for benchmarking only (the ``bench`` extra), and the side-by-side table::

    python -m bench.peers bench/data/toptw/righini_salani/pr01_10/pr01.txt --time-limit 10

Everything is handed to the peers in the instance's integer units (``ToptwInstance.units``,
``travel_units``), so their routes can be checked exactly by ``toptw.verify_routes``. The
adapters verify nothing themselves.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from api.cli.bench import (
    AsJson,
    BksFile,
    Files,
    RouteCounts,
    Solver,
    TimeLimit,
    each_case,
    ours,
    out,
    run_solver,
)
from planner.orienteering.toptw import ToptwInstance

__all__ = ["VROOM_EXPLORATION_LEVEL", "pyvrp_prize_weight", "solve_pyvrp", "solve_vroom"]

# VROOM's own default (DEFAULT_EXPLORATION_LEVEL in its sources); pyvroom requires the argument.
VROOM_EXPLORATION_LEVEL = 5
_VROOM_MAX_PRIORITY = 100


def _missing(peer: str, err: ImportError) -> RuntimeError:
    return RuntimeError(f"pip install ironroute[bench] for {peer}: {err}")


def pyvrp_prize_weight(inst: ToptwInstance, m: int) -> int:
    """Factor that turns a score into a PyVRP prize so that score comes strictly first.

    Each route lasts at most the horizon and travels no longer than it lasts (travel time
    equals distance, in the same units), so ``m`` routes travel at most ``m * horizon``
    units. With prize = score × (``m * horizon`` + 1), one point of score outweighs any
    distance saving: PyVRP's cost (distance + uncollected prizes) then orders solutions by
    score, and by distance only among equal scores.
    """
    return m * inst.units(inst.horizon) + 1


def solve_pyvrp(inst: ToptwInstance, m: int, time_limit_s: float, seed: int = 1) -> list[list[int]]:
    """Solve with PyVRP's prize-collecting VRPTW for ``time_limit_s`` seconds (one thread).

    One depot open over [open[0], horizon], one vehicle type with ``m`` vehicles, every
    customer optional with prize ``score * pyvrp_prize_weight(inst, m)``; distance and
    duration are both ``travel_units``. Returns the best solution's routes as customer ids
    (depot left out), or ``[]`` when that solution is infeasible.
    """
    try:
        from pyvrp import Model  # type: ignore[import-untyped, unused-ignore]
        from pyvrp.stop import MaxRuntime  # type: ignore[import-untyped, unused-ignore]
    except ImportError as err:
        raise _missing("PyVRP (pyvrp)", err) from err
    weight = pyvrp_prize_weight(inst, m)
    start, horizon = inst.units(inst.open[0]), inst.units(inst.horizon)
    model = Model()
    locations = [
        model.add_location(x=inst.x[v], y=inst.y[v], name=str(v)) for v in range(len(inst.x))
    ]
    depot = model.add_depot(locations[0], tw_early=start, tw_late=horizon)
    model.add_vehicle_type(
        num_available=m, start_depot=depot, end_depot=depot, tw_early=start, tw_late=horizon
    )
    for v in range(1, inst.n_customers + 1):  # client index v - 1 in PyVRP's solution
        model.add_client(
            locations[v],
            service_duration=inst.units(inst.service[v]),
            tw_early=inst.units(inst.open[v]),
            tw_late=inst.units(inst.close[v]),
            prize=inst.score[v] * weight,
            required=False,
            name=str(v),
        )
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            if i != j:
                units = inst.travel_units(i, j)
                model.add_edge(frm, to, distance=units, duration=units)
    result: Any = model.solve(
        stop=MaxRuntime(time_limit_s), seed=seed, collect_stats=False, display=False
    )
    if not result.is_feasible():
        return []
    return [
        [activity.idx + 1 for activity in route if activity.is_client()]
        for route in result.best.routes()
    ]


def solve_vroom(inst: ToptwInstance, m: int, time_limit_s: float) -> list[list[int]]:
    """Solve with VROOM (pyvroom), one thread, stopped after ``time_limit_s`` seconds.

    ``m`` vehicles start and end at the depot with working hours [open[0], horizon]; each
    customer is a job with its service time, one time window and ``priority`` = score.
    VROOM maximises the total priority of assigned jobs before anything else. The only
    matrix is the durations (``travel_units``), so VROOM's cost is travel time. The
    exploration level is VROOM's default (5).

    Raises
    ------
    ValueError
        When a score is outside VROOM's priority range 0..100.
    """
    try:
        import vroom  # type: ignore[import-untyped, unused-ignore]
    except ImportError as err:
        raise _missing("VROOM (pyvroom)", err) from err
    from datetime import timedelta

    import numpy as np

    if not all(0 <= s <= _VROOM_MAX_PRIORITY for s in inst.score):
        raise ValueError(
            f"instance {inst.name!r}: scores must fit VROOM's priorities 0..{_VROOM_MAX_PRIORITY}"
        )
    size = len(inst.x)
    durations = np.array(
        [[inst.travel_units(i, j) for j in range(size)] for i in range(size)], dtype=np.uint32
    )
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=durations)
    hours = vroom.TimeWindow(inst.units(inst.open[0]), inst.units(inst.horizon))
    for k in range(1, m + 1):
        problem.add_vehicle(vroom.Vehicle(k, start=0, end=0, time_window=hours))
    for v in range(1, inst.n_customers + 1):
        problem.add_job(
            vroom.Job(
                v,
                location=v,
                default_service=inst.units(inst.service[v]),
                priority=inst.score[v],
                time_windows=[
                    vroom.TimeWindow(inst.units(inst.open[v]), inst.units(inst.close[v]))
                ],
            )
        )
    solution = problem.solve(
        exploration_level=VROOM_EXPLORATION_LEVEL,
        nb_threads=1,
        timeout=timedelta(seconds=time_limit_s),
    )
    return [
        [int(step["id"]) for step in route["steps"] if step["type"] == "job"]
        for route in solution.to_dict()["routes"]
    ]


def peer_solvers() -> dict[str, Solver]:
    """ironroute's engine and the two peers, by name, in table order."""
    return {"ironroute": ours, "pyvrp": solve_pyvrp, "vroom": solve_vroom}


def peers(
    files: Files,
    m: RouteCounts = "1",
    time_limit: TimeLimit = 10.0,
    as_json: AsJson = False,
    bks_file: BksFile = None,
) -> None:
    """The same instances solved by ironroute, PyVRP and VROOM at the same time limit."""
    cases = list(each_case(files, m, bks_file))
    solvers = peer_solvers()
    table = Table(title=f"TOPTW against peers, {time_limit:g} s each, one core")
    for col in ("instance", "m", "bks", *solvers, *(f"{s} s" for s in solvers)):
        table.add_column(col, justify="left" if col == "instance" else "right")
    for inst, k, best in cases:
        rows = {name: run_solver(fn, inst, k, time_limit) for name, fn in solvers.items()}
        if as_json:
            print(
                json.dumps(
                    {
                        "instance": inst.name,
                        "m": k,
                        "bks": best,
                        **{
                            name: {
                                key: r[key] for key in ("score", "seconds", "feasible", "routes")
                            }
                            for name, r in rows.items()
                        },
                    }
                ),
                flush=True,
            )
            continue
        top = max(r["score"] for r in rows.values())
        table.add_row(
            inst.name,
            str(k),
            str(best or "-"),
            *(
                f"[bold]{r['score']}[/]" if r["score"] == top else str(r["score"])
                for r in rows.values()
            ),
            *(f"{r['seconds']:.1f}" for r in rows.values()),
        )
    if not as_json:
        out.print(table)


if __name__ == "__main__":
    typer.run(peers)
