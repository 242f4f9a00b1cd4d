"""Benchmark: territory balancing at city scale (1,800 leads / 40 reps, 18,000 / 400).

Generates a seeded city-sized pool (business districts of buildings, some loose leads,
reps based at branch offices across the city, yesterday's owners, ~10 % private and ~8 %
reclaimed leads, a few new reps), balances it with ``planner.territory.balance`` on one
core, checks the answer's invariants, splits the same pool with the capacitated k-means
of ``bench.balance_reference`` (same hard rules) and prints a table against the targets.

    .venv/bin/python -m bench.balance                        # both sizes
    .venv/bin/python -m bench.balance --sizes 1800:40         # one size
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from api.documents.balance import parse_balance_request
from bench.balance_reference import kmeans_split, mean_km_to_centre, project
from planner import balance

WORKLOAD_MAX = 1.05  # the targets: workload max/mean, value within ±10 %,
VALUE_BAND = 0.10  # compactness within 1.25 x the k-means reference, 30 s for 400 reps
COMPACTNESS_RATIO = 1.25
SECONDS = 30.0

_CENTRE = (39.93, 116.42)  # Beijing
_M_PER_DEG = 6_371_008.8 * math.pi / 180.0


def _offset(lat: float, lon: float, north_m: float, east_m: float) -> dict[str, float]:
    return {
        "lat": round(lat + north_m / _M_PER_DEG, 6),
        "lon": round(lon + east_m / (_M_PER_DEG * math.cos(math.radians(lat))), 6),
    }


def synthetic_request(
    n_leads: int,
    n_reps: int,
    *,
    seed: int = 1,
    time_limit_s: float = 25.0,
    private_share: float = 0.10,
    reclaimed_share: float = 0.08,
) -> dict[str, Any]:
    """A balance request: ``n_leads`` leads among ``n_reps`` reps in a city of ~35 km.

    Districts (one per ~60 leads) hold buildings of 1-12 leads; 12 % of leads have no
    building. Reps work from branch offices (one per ~12 reps); ``private_share`` of
    the leads are private, ``reclaimed_share`` reclaimed, 15 % unowned, and 5 % of the
    reps are new.
    Yesterday's owner is the rep of the nearest "patch" (a point near the rep's office),
    or for 20 % of leads a random rep of that office.
    """
    rng = random.Random(seed)
    lat0, lon0 = _CENTRE
    n_offices = max(1, round(n_reps / 12))
    offices = [
        _offset(lat0, lon0, rng.uniform(-14000, 14000), rng.uniform(-14000, 14000))
        for _ in range(n_offices)
    ]
    reps: list[dict[str, Any]] = []
    for j in range(n_reps):
        office = offices[j % n_offices]
        reps.append(
            {
                "id": f"R{j + 1:04d}",
                "base": dict(office),
                "min_leads": 30,
                "max_leads": 60,
                "is_new": rng.random() < 0.05,
                "mode": "transit" if rng.random() < 0.85 else "drive",
            }
        )
    n_districts = max(1, n_leads // 60)
    districts = [
        (rng.uniform(-16000, 16000), rng.uniform(-16000, 16000)) for _ in range(n_districts)
    ]
    buildings: list[dict[str, Any]] = []
    leads: list[dict[str, Any]] = []
    while len(leads) < n_leads:
        dn, de = rng.choice(districts)
        bn, be = dn + rng.gauss(0, 500), de + rng.gauss(0, 500)
        if rng.random() < 0.12:
            members, building = 1, None
        else:
            members = rng.randint(1, 12)
            building = f"B{len(buildings) + 1:05d}"
            buildings.append({"id": building, "location": _offset(lat0, lon0, bn, be)})
        for _ in range(min(members, n_leads - len(leads))):
            where = _offset(lat0, lon0, bn + rng.gauss(0, 30), be + rng.gauss(0, 30))
            leads.append(
                {
                    "id": f"L{len(leads) + 1:06d}",
                    "location": where,
                    "building_id": building,
                    "value": min(100, max(0, round(rng.gammavariate(2.0, 22.0)))),
                    "effort_minutes": rng.choice((20, 30, 30, 30, 45, 60)),
                }
            )
    old = [r for r in reps if not r["is_new"]] or reps
    # Yesterday's hand-made split: each rep had a patch around a point near its office;
    # a lead went to the nearest patch, or (favours) to a random rep of that office.
    patch = {
        r["id"]: (r["base"]["lat"] + rng.gauss(0, 0.05), r["base"]["lon"] + rng.gauss(0, 0.06))
        for r in old
    }
    for lead in leads:
        at = lead["location"]
        near = min(old, key=lambda r: _sq({"lat": patch[r["id"]][0], "lon": patch[r["id"]][1]}, at))
        if rng.random() < 0.2:
            near = rng.choice([r for r in old if r["base"] == near["base"]])
        draw = rng.random()
        if draw < private_share:
            lead.update(owner=near["id"], status="private")
        elif draw < private_share + reclaimed_share:
            lead.update(owner=None, status="reclaimed", previous_owner=near["id"])
        elif draw < private_share + reclaimed_share + 0.15:
            lead.update(owner=None, status="pool")
        else:
            lead.update(owner=near["id"], status="pool")
    return {
        "reps": reps,
        "leads": leads,
        "buildings": buildings,
        "options": {"time_limit_s": time_limit_s},
    }


def _sq(a: dict[str, float], b: dict[str, float]) -> float:
    return (a["lat"] - b["lat"]) ** 2 + ((a["lon"] - b["lon"]) * 0.77) ** 2


def run(
    n_leads: int, n_reps: int, seed: int, time_limit_s: float, private_share: float
) -> dict[str, Any]:
    """Balance one generated pool and its k-means reference; return the table row."""
    request = synthetic_request(
        n_leads, n_reps, seed=seed, time_limit_s=time_limit_s, private_share=private_share
    )
    started = time.monotonic()
    problem = parse_balance_request(request)
    result = balance(problem, clock=time.monotonic)
    seconds = time.monotonic() - started
    doc = result.to_dict()
    assigned = set(doc["assignments"])
    unassigned = {u["lead_id"] for u in doc["unassigned"]}
    every = {lead["id"] for lead in request["leads"]}
    ok = assigned.isdisjoint(unassigned) and assigned | unassigned == every
    m = result.metrics
    rep_index = {r["id"]: j for j, r in enumerate(request["reps"])}
    xy = project(request)
    ours = mean_km_to_centre(
        xy, [rep_index.get(doc["assignments"].get(x["id"], "")) for x in request["leads"]]
    )
    reference = mean_km_to_centre(xy, kmeans_split(request))
    ratio = ours / reference if reference else math.inf
    reasons = Counter(p.reason for p in m.pinned if p.reason != "search")
    # the bands hold "wherever the hard rules allow": reps a rule pins are named, not judged
    ruled = {p.rep_id for p in m.pinned if p.reason != "search"}
    w_max, w_min, v_max, v_min = _bands(result.reps, ruled)
    misses = [
        name
        for name, miss in (
            ("workload", w_max > WORKLOAD_MAX),
            ("value", not 1 - VALUE_BAND <= v_min <= v_max <= 1 + VALUE_BAND),
            ("compactness", ratio > COMPACTNESS_RATIO),
            ("time", seconds > SECONDS),
            ("rules", not ok),
        )
        if miss
    ]
    return {
        "leads": f"{n_leads:,}",
        "reps": str(n_reps),
        "private": f"{private_share:.0%}",
        "workload max/mean": _both(m.workload_max_over_mean, w_max),
        "workload min/mean": _both(m.workload_min_over_mean, w_min),
        "value max/mean": _both(m.value_max_over_mean, v_max),
        "value min/mean": _both(m.value_min_over_mean, v_min),
        "mean km to centre": f"{ours:.3f}",
        "k-means km": f"{reference:.3f}",
        "ratio": f"{ratio:.2f}",
        "pinned reps": f"{sum(reasons.values())} of {len(m.pinned)} outside"
        + "".join(f", {k} {n}" for k, n in sorted(reasons.items())),
        "splits": str(m.buildings_split),
        "moved": f"{m.leads_moved:,}",
        "seconds": f"{seconds:.1f}",
        "targets": "pass" if not misses else "miss: " + ", ".join(misses),
    }


def _bands(loads: Any, ruled: set[str]) -> tuple[float, float, float, float]:
    """Workload max and min, value max and min over the team mean (every rep that takes
    pool leads in the mean), of the reps that no rule pins."""
    free = [r for r in loads if r.takes_pool]
    work = sum(r.workload_minutes for r in free) / len(free)
    value = sum(r.value for r in free) / len(free)
    judged = [r for r in free if r.rep_id not in ruled] or free
    w = [r.workload_minutes / work for r in judged]
    v = [r.value / value for r in judged]
    return max(w), min(w), max(v), min(v)


def _both(everyone: float, judged: float) -> str:
    """One figure, and in brackets the figure without rule-pinned reps when it differs."""
    text = f"{everyone:.3f}"
    return text if abs(judged - everyone) < 0.001 else f"{text} ({judged:.3f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1800:40", "18000:400"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=25.0)
    parser.add_argument(
        "--private", type=float, nargs="+", default=[0.10], help="Shares of private leads"
    )
    args = parser.parse_args(argv)
    console = Console(width=200)
    rows = []
    for size in args.sizes:
        n_leads, n_reps = (int(v) for v in size.split(":"))
        for share in args.private:
            with console.status(f"balancing {n_leads:,} leads among {n_reps} reps…"):
                rows.append(run(n_leads, n_reps, args.seed, args.time_limit, share))
    table = Table(title=f"territory balancing (seed {args.seed}, limit {args.time_limit:g} s)")
    for name in rows[0]:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*row.values())
    console.print(table)


if __name__ == "__main__":
    main()
