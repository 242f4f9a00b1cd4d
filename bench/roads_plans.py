"""Plans on road networks: the same day problems planned with the built-in model and with
Valhalla tiles of a synthetic city, side by side.

    python -m bench.roads_plans [--days 8] [--leads 25] [--blocks 30] [--time-limit 1]

Builds tiles of a ``--blocks`` x ``--blocks`` street grid (200 m blocks) with two bus lines,
then plans ``--days`` generated days per mode (drive, transit) twice: on the built-in model
and on the tiles (``SolveSettings.travel``). Every plan goes through the project's verifier
(and ../shared/tools/check_plan.py when present). Prints a markdown table per mode: plans ok,
mean visits, effective, value, travel minutes and seconds per plan (first plan included:
it pays for the engine's start), the travel fallbacks, and checker failures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from api.documents.day import parse_day_problem
from bench.roads import synthetic_tiles
from geo import TravelSource
from geo.providers.sources import ValhallaSource
from planner import SolveSettings, solve
from planner.routing.solve import BUILTIN_TRAVEL
from tests.conftest import assert_plan_valid
from tests.geo.providers.synthetic_city import SyntheticCity


def city_day(city: SyntheticCity, mode: str, n: int, seed: int) -> dict[str, Any]:
    """A rep's day on the city: ``n`` leads, every fourth effective, a few with windows."""
    rng = random.Random(seed)
    start = city.inside(0.5, 0.5)
    leads = []
    for i, p in enumerate(city.points(n, seed=seed)):
        lead: dict[str, Any] = {
            "id": f"L{i}",
            "location": {"lat": p.lat, "lon": p.lon},
            "value": rng.randint(10, 90),
            "effective": i % 4 == 0,
        }
        if i % 7 == 3:
            hour = rng.randint(9, 15)
            lead["windows"] = [[f"{hour:02d}:00", f"{hour + 2:02d}:00"]]
        leads.append(lead)
    return {
        "date": "2026-11-27",
        "timezone": "Asia/Shanghai",
        "rep": {"id": f"r{seed}", "start": {"lat": start.lat, "lon": start.lon}, "mode": mode},
        "leads": leads,
        "buildings": [],
    }


def plan_days(days: list[dict[str, Any]], travel: TravelSource, limit: float) -> dict[str, float]:
    settings = SolveSettings(travel=travel)
    rows: list[dict[str, Any]] = []
    for doc in days:
        doc = {**doc, "options": {"time_limit_s": limit}}
        began = time.perf_counter()
        plan = json.loads(json.dumps(solve(parse_day_problem(doc), settings=settings).to_dict()))
        seconds = time.perf_counter() - began
        try:
            assert_plan_valid(doc, plan)
            checked = True
        except AssertionError:
            checked = False
        rows.append({"plan": plan, "seconds": seconds, "checked": checked})

    def mean(key: str) -> float:
        return statistics.fmean(r["plan"]["totals"][key] for r in rows)

    return {
        "ok": sum(r["plan"]["status"] == "ok" for r in rows),
        "visits": mean("visits"),
        "effective": mean("effective_visits"),
        "value": mean("value"),
        "travel_min": mean("travel_minutes"),
        "seconds": statistics.fmean(r["seconds"] for r in rows),
        "fallbacks": sum("travel_fallback" in r["plan"]["solver"] for r in rows),
        "failed_checks": sum(not r["checked"] for r in rows),
        "n": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--leads", type=int, default=25)
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--time-limit", type=float, default=1.0)
    args = parser.parse_args()
    city = SyntheticCity(blocks=args.blocks)
    with tempfile.TemporaryDirectory() as scratch:
        summary = synthetic_tiles(Path(scratch), city)
        print(
            f"{city.blocks}x{city.blocks} blocks of {city.block_m:g} m, 2 bus lines; "
            f"{summary.tile_count} tiles built in {summary.seconds:.1f} s; "
            f"{args.days} days x {args.leads} leads per mode, {args.time_limit:g} s limit\n"
        )
        print(
            "| mode | travel model | ok | visits | effective | value | travel min "
            "| s / plan | fallbacks | checker failures |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        sources: list[tuple[str, TravelSource]] = [
            ("built-in", BUILTIN_TRAVEL),
            ("valhalla", ValhallaSource(tiles=str(summary.tiles_dir))),
        ]
        for mode in ("drive", "transit"):
            days = [city_day(city, mode, args.leads, seed) for seed in range(args.days)]
            for name, source in sources:
                r = plan_days(days, source, args.time_limit)
                print(
                    f"| {mode} | {name} | {r['ok']:.0f}/{r['n']:.0f} | {r['visits']:.1f} "
                    f"| {r['effective']:.1f} | {r['value']:.0f} | {r['travel_min']:.0f} "
                    f"| {r['seconds']:.2f} | {r['fallbacks']:.0f} | {r['failed_checks']:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
