"""``ironroute roads build``: road-network tiles (Valhalla) from an OpenStreetMap extract,
with public transit from a GTFS feed and predicted traffic when given.

Plans, runs, balances and the server then time travel on them with ``--roads DIR`` or
``IRONROUTE_TRAVEL_PROVIDER=valhalla IRONROUTE_VALHALLA_TILES=DIR``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli._common import err, fail

roads_app = typer.Typer(help="Road-network tiles for travel times.", no_args_is_help=True)


@roads_app.command("build")
def build(
    extract: Annotated[Path, typer.Argument(help="OpenStreetMap extract (.osm.pbf)")],
    out: Annotated[Path, typer.Option("--out", help="Tile folder to write")] = Path("roads"),
    gtfs: Annotated[
        Path | None, typer.Option("--gtfs", help="GTFS feed folder: transit by timetable")
    ] = None,
    traffic: Annotated[
        Path | None,
        typer.Option("--traffic", help="Predicted-traffic CSV folder (speeds by time of day)"),
    ] = None,
) -> None:
    """Build Valhalla tiles from EXTRACT into --out (the folder --roads then names)."""
    for name, path in (("EXTRACT", extract), ("--gtfs", gtfs), ("--traffic", traffic)):
        if path is not None and not path.exists():
            raise fail(2, f"{name}: {path} does not exist")
    try:
        from geo.providers.valhalla_build import build_tiles
    except ImportError as e:  # pragma: no cover - the roads extra is not installed
        raise fail(2, f"pip install 'ironroute[roads]' for road networks: {e}") from None
    from geo import GeoError

    with err.status("building tiles…") as status:

        def step(message: str) -> None:
            err.print(f"  {message}")
            status.update(message)

        try:
            summary = build_tiles(
                extract, out, gtfs_dir=gtfs, traffic_csv_dir=traffic, progress=step
            )
        except GeoError as e:
            raise fail(1, str(e)) from None
    table = Table(title=f"tiles in {summary.tiles_dir}", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("graph tiles", str(summary.tile_count))
    table.add_row("transit (GTFS)", "yes" if summary.transit else "no")
    table.add_row("predicted traffic", "yes" if summary.traffic else "no")
    table.add_row("seconds", f"{summary.seconds:.1f}")
    err.print(table)
    err.print(f"use them: ironroute plan PROBLEM.json --roads {out}")
