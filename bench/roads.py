"""Road-network benchmark: matrix time for N points, Valhalla on the synthetic city vs the
built-in model.

    python -m bench.roads [--sizes 50 200] [--transit-sizes 10 20] [--out DIR]

Builds Valhalla tiles of the synthetic street grid with two bus lines
(tests/geo/providers/synthetic_city.py) once, then times ``matrix()`` for each size and
mode: the built-in ``TravelModel``, a Valhalla provider with an empty cache ("cold") and
the same provider asked again ("warm", all from the cache). Transit has no matrix in
Valhalla (one route per pair and time bucket), so it runs at its own, smaller sizes.
Prints a markdown table; also the median ratio of Valhalla minutes to built-in minutes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from geo import TravelModel
from geo.providers.valhalla import ValhallaProvider
from geo.providers.valhalla_build import BuildSummary, build_tiles
from tests.geo.providers.synthetic_city import SyntheticCity, write_gtfs, write_osm_pbf

DEPART_MIN = 600.0  # 10:00, off-peak for the built-in model


def synthetic_tiles(out_dir: Path, city: SyntheticCity | None = None) -> BuildSummary:
    """Build (or rebuild) Valhalla tiles of the synthetic city, bus lines included."""
    city = city or SyntheticCity()
    out_dir.mkdir(parents=True, exist_ok=True)
    extract = write_osm_pbf(city, out_dir / "city.osm.pbf")
    gtfs = write_gtfs(city, out_dir / "gtfs")
    return build_tiles(extract, out_dir / "build", gtfs_dir=gtfs)


def synthetic_provider(out_dir: Path) -> ValhallaProvider:
    """A Valhalla provider over the synthetic city, for benchmarks that plan on it."""
    return ValhallaProvider(synthetic_tiles(out_dir).tiles_dir)


def _timed(call):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def _row(tiles: Path, city: SyntheticCity, n: int, mode: str) -> str:
    points = city.points(n, seed=n)
    model = TravelModel()
    built, builtin_s = _timed(lambda: model.matrix(points, mode, DEPART_MIN))
    provider = ValhallaProvider(tiles)
    road, cold_s = _timed(lambda: provider.matrix(points, mode, DEPART_MIN))
    calls = provider.engine_calls
    _, warm_s = _timed(lambda: provider.matrix(points, mode, DEPART_MIN))
    moving = built.minutes > 0
    ratio = statistics.median((road.minutes[moving] / built.minutes[moving]).tolist())
    km_ratio = float(np.median(road.km[moving] / built.km[moving]))
    return (
        f"| {mode} | {n} | {builtin_s * 1000:.1f} | {cold_s * 1000:.0f} | {calls} "
        f"| {warm_s * 1000:.0f} | {ratio:.2f} | {km_ratio:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--transit-sizes", type=int, nargs="+", default=[10, 20])
    parser.add_argument("--out", type=Path, default=None, help="keep the tiles here")
    args = parser.parse_args()
    city = SyntheticCity()
    with tempfile.TemporaryDirectory() as scratch:
        summary = synthetic_tiles(args.out or Path(scratch), city)
        print(
            f"tiles: {summary.tile_count} built in {summary.seconds:.2f} s "
            f"({city.blocks}x{city.blocks} blocks of {city.block_m:g} m, 2 bus lines)\n"
        )
        print(
            "| mode | points | built-in ms | valhalla cold ms | engine calls "
            "| valhalla warm ms | minutes valhalla/built-in | km valhalla/built-in |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for mode in ("drive", "bike", "walk"):
            for n in args.sizes:
                print(_row(summary.tiles_dir, city, n, mode), flush=True)
        for n in args.transit_sizes:
            print(_row(summary.tiles_dir, city, n, "transit"), flush=True)


if __name__ == "__main__":
    main()
