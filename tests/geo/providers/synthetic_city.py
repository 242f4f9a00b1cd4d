"""A synthetic city for the road-network provider tests and ``bench/roads.py``: a street
grid written as an OSM extract (.osm.pbf) and a small GTFS feed of two bus lines.

Everything is generated offline from a few numbers, so tests and benchmarks need no data.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from geo import LatLon

__all__ = ["SyntheticCity", "write_gtfs", "write_osm_pbf"]

_M_PER_DEG_LAT = 111_195.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SyntheticCity:
    """A square grid of streets around ``origin`` (its south-west corner).

    Parameters
    ----------
    origin : LatLon
        The south-west corner of the grid.
    blocks : int
        Blocks per side; the grid has ``blocks + 1`` streets each way.
    block_m : float
        Block length in metres.
    primary_every : int
        Every ``primary_every``-th street is a primary road; the others are residential.
    """

    origin: LatLon = LatLon(31.21, 121.46)  # inside one 0.25° Valhalla tile
    blocks: int = 12
    block_m: float = 200.0
    primary_every: int = 4

    def node(self, row: int, col: int) -> LatLon:
        """The crossing of street ``row`` (south to north) and street ``col`` (west to east)."""
        dlat = row * self.block_m / _M_PER_DEG_LAT
        dlon = col * self.block_m / (_M_PER_DEG_LAT * math.cos(math.radians(self.origin.lat)))
        return LatLon(self.origin.lat + dlat, self.origin.lon + dlon)

    def inside(self, fx: float, fy: float) -> LatLon:
        """A point at fractions ``fx`` (west to east) and ``fy`` (south to north) of the grid."""
        return self.node_f(fy * self.blocks, fx * self.blocks)

    def node_f(self, row: float, col: float) -> LatLon:
        """Like :meth:`node` for fractional street numbers (a point between streets)."""
        dlat = row * self.block_m / _M_PER_DEG_LAT
        dlon = col * self.block_m / (_M_PER_DEG_LAT * math.cos(math.radians(self.origin.lat)))
        return LatLon(self.origin.lat + dlat, self.origin.lon + dlon)

    def points(self, n: int, seed: int = 7) -> list[LatLon]:
        """``n`` pseudo-random points inside the grid, on or near its streets."""
        import random

        rng = random.Random(seed)
        return [self.inside(rng.uniform(0.02, 0.98), rng.uniform(0.02, 0.98)) for _ in range(n)]


def _node_id(city: SyntheticCity, row: int, col: int) -> int:
    return 1 + row * (city.blocks + 1) + col


def write_osm_pbf(city: SyntheticCity, path: Path) -> Path:
    """Write the street grid of ``city`` as an OSM extract at ``path`` (.osm.pbf).

    Streets run the full width of the grid, one way per street; every ``primary_every``-th
    street is ``highway=primary`` (50 km/h), the rest ``highway=residential``. A diagonal
    ``highway=footway`` crosses the grid, so walking has a short cut that cars lack.
    """
    import osmium

    path.unlink(missing_ok=True)
    n = city.blocks + 1
    writer = osmium.SimpleWriter(str(path))
    try:
        for row in range(n):
            for col in range(n):
                p = city.node(row, col)
                writer.add_node(
                    osmium.osm.mutable.Node(
                        id=_node_id(city, row, col), location=(p.lon, p.lat), version=1
                    )
                )
        way_id = 1
        for k in range(n):
            kind = "primary" if k % city.primary_every == 0 else "residential"
            tags = {
                "highway": kind,
                "name": f"Street {k}",
                "maxspeed": "50" if kind == "primary" else "30",
            }
            east = [_node_id(city, k, c) for c in range(n)]
            north = [_node_id(city, r, k) for r in range(n)]
            for refs in (east, north):
                writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags, version=1))
                way_id += 1
        diagonal = [_node_id(city, i, i) for i in range(n)]
        writer.add_way(
            osmium.osm.mutable.Way(
                id=way_id, nodes=diagonal, tags={"highway": "footway"}, version=1
            )
        )
    finally:
        writer.close()
    return path


def write_gtfs(city: SyntheticCity, folder: Path) -> Path:
    """Write a GTFS feed of two bus lines across ``city`` into ``folder``.

    Line 1 runs west to east along the middle street, line 2 south to north along the
    middle avenue; each stops at every other crossing, runs both ways every 10 minutes
    from 05:00 to 23:50 on every day of 2020-2030, at 2 minutes between stops.
    """
    folder.mkdir(parents=True, exist_ok=True)
    mid = city.blocks // 2
    lines = {
        "L1": [(mid, c) for c in range(0, city.blocks + 1, 2)],
        "L2": [(r, mid) for r in range(0, city.blocks + 1, 2)],
    }
    stops: dict[str, LatLon] = {}
    for cells in lines.values():
        for row, col in cells:
            stops[f"S{row}_{col}"] = city.node(row, col)
    tables: dict[str, list[list[str]]] = {
        "agency.txt": [
            ["agency_id", "agency_name", "agency_url", "agency_timezone"],
            ["A", "Synthetic Bus", "https://example.invalid", "Asia/Shanghai"],
        ],
        "calendar.txt": [
            [
                "service_id",
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
                "start_date",
                "end_date",
            ],
            ["ALL", "1", "1", "1", "1", "1", "1", "1", "20200101", "20301231"],
        ],
        "stops.txt": [["stop_id", "stop_name", "stop_lat", "stop_lon"]]
        + [[sid, sid, f"{p.lat:.7f}", f"{p.lon:.7f}"] for sid, p in stops.items()],
        "routes.txt": [
            ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"]
        ]
        + [[rid, "A", rid, f"Line {rid}", "3"] for rid in lines],
        "trips.txt": [["route_id", "service_id", "trip_id", "direction_id"]],
        "stop_times.txt": [
            ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]
        ],
    }
    for rid, cells in lines.items():
        for direction, seq in ((0, cells), (1, cells[::-1])):
            for start in range(5 * 60, 24 * 60, 10):
                trip = f"{rid}_{direction}_{start}"
                tables["trips.txt"].append([rid, "ALL", trip, str(direction)])
                for i, (row, col) in enumerate(seq):
                    t = start + 2 * i
                    hhmmss = f"{t // 60:02d}:{t % 60:02d}:00"
                    tables["stop_times.txt"].append(
                        [trip, hhmmss, hhmmss, f"S{row}_{col}", str(i + 1)]
                    )
    for name, rows in tables.items():
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return folder
