"""Build Valhalla road-network tiles from an OSM extract (and optionally a GTFS feed and
predicted-traffic CSVs) by running pyvalhalla's bundled tools, as ``ironroute roads build``.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.providers._valhalla_engine import default_config, engine_version
from geo.providers.errors import TileBuildError
from geo.providers.valhalla import MANIFEST

__all__ = ["BuildSummary", "build_tiles"]

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildSummary:
    """What :func:`build_tiles` built.

    Parameters
    ----------
    tiles_dir : Path
        The tile directory (pass it to :class:`ValhallaProvider`).
    config_path : Path
        The Valhalla config written for the build (``valhalla.json``).
    tile_count : int
        Graph tiles written, transit level included.
    transit : bool
        Whether transit tiles were built from a GTFS feed.
    traffic : bool
        Whether predicted traffic was added.
    seconds : float
        Wall-clock seconds of the whole build.
    """

    tiles_dir: Path
    config_path: Path
    tile_count: int
    transit: bool
    traffic: bool
    seconds: float


def _bin_dir() -> Path:
    import valhalla

    return Path(valhalla.__file__).resolve().parent / "bin"


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A ``preexec_fn`` that makes the child get SIGKILL when its parent dies (Linux)."""

    def arm() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # not Linux: the finally in _run still cleans up
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return arm


def _run(step: str, argv: Sequence[str], log: Path) -> None:
    """Run one build tool, its output appended to ``log``; raise on a non-zero exit."""
    with log.open("ab") as out:
        out.write(f"\n== {step}: {' '.join(argv)}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent(os.getpid()),  # noqa: PLW1509 - before any exec
        )
        try:
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if code != 0:
        raise TileBuildError(f"{step} failed with exit status {code}: see {log}")


def _feeds_dir(gtfs_dir: Path, out_dir: Path) -> Path:
    """Valhalla reads one feed per subfolder: link a bare feed into a folder of its own."""
    if any(gtfs_dir.glob("*.txt")):
        feeds = out_dir / "transit_feeds"
        feeds.mkdir(exist_ok=True)
        link = feeds / gtfs_dir.name
        if not link.exists():
            link.symlink_to(gtfs_dir.resolve(), target_is_directory=True)
        return feeds
    return gtfs_dir.resolve()


def build_tiles(
    extract_pbf: str | Path,
    out_dir: str | Path,
    *,
    gtfs_dir: str | Path | None = None,
    traffic_csv_dir: str | Path | None = None,
    concurrency: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildSummary:
    """Build Valhalla tiles for ``extract_pbf`` into ``out_dir``.

    Writes ``out_dir/valhalla.json`` (pyvalhalla's defaults pointed at ``out_dir``), then
    runs ``valhalla_build_tiles``; with a GTFS feed also ``valhalla_ingest_transit`` and
    ``valhalla_convert_transit``, then ``valhalla_build_tiles`` again to connect the
    stops to the streets; with traffic CSVs ``valhalla_add_predicted_traffic``. Each tool
    runs as a child that is killed when this process dies; their output goes to
    ``out_dir/build.log``. Finally writes ``out_dir/ironroute_tiles.json``, which
    :class:`ValhallaProvider` reads to know whether the tiles carry traffic.

    Parameters
    ----------
    extract_pbf : path
        An OSM extract (.osm.pbf).
    out_dir : path
        Where to write; created if missing. Tiles go to ``out_dir/tiles``.
    gtfs_dir : path, optional
        A GTFS feed (a folder of .txt files) or a folder of such feeds.
    traffic_csv_dir : path, optional
        Predicted-traffic CSVs laid out by tile, as ``valhalla_add_predicted_traffic``
        reads them.
    concurrency : int, optional
        Threads per tool; all cores when omitted.
    progress : callable, optional
        Called with the name of each step as it starts.

    Returns
    -------
    BuildSummary
        The tile directory, config, tile count, what was built and how long it took.

    Raises
    ------
    TileBuildError
        If an input is missing or a step fails (the message names the log).
    """
    started = time.monotonic()
    extract = Path(extract_pbf)
    if not extract.exists():
        raise TileBuildError(f"no OSM extract at {extract}")
    out = Path(out_dir)
    tiles = out / "tiles"
    for folder in (tiles, out / "transit"):
        folder.mkdir(parents=True, exist_ok=True)
    mjolnir: dict[str, object] = {"transit_dir": str((out / "transit").resolve())}
    if gtfs_dir is not None:
        if not Path(gtfs_dir).is_dir():
            raise TileBuildError(f"no GTFS folder at {gtfs_dir}")
        mjolnir["transit_feeds_dir"] = str(_feeds_dir(Path(gtfs_dir), out))
    if concurrency is not None:
        mjolnir["concurrency"] = concurrency
    config = default_config(tiles.resolve(), {"mjolnir": mjolnir}, log=True)
    config_path = out / "valhalla.json"
    config_path.write_text(json.dumps(config, indent=1), encoding="utf-8")
    log = out / "build.log"
    log.write_bytes(b"")
    bins = _bin_dir()
    cfg = ["-c", str(config_path)]

    def step(name: str, argv: Sequence[str]) -> None:
        if progress is not None:
            progress(name)
        _run(name, [str(bins / argv[0]), *cfg, *argv[1:]], log)

    step("build tiles", ["valhalla_build_tiles", str(extract)])
    if gtfs_dir is not None:
        step("ingest transit", ["valhalla_ingest_transit"])
        step("convert transit", ["valhalla_convert_transit"])
        step("connect transit", ["valhalla_build_tiles", str(extract)])
    if traffic_csv_dir is not None:
        step("add predicted traffic", ["valhalla_add_predicted_traffic", str(traffic_csv_dir)])
    count = sum(1 for _ in tiles.rglob("*.gph"))
    summary = BuildSummary(
        tiles_dir=tiles,
        config_path=config_path,
        tile_count=count,
        transit=gtfs_dir is not None,
        traffic=traffic_csv_dir is not None,
        seconds=time.monotonic() - started,
    )
    manifest = {
        "version": engine_version(),
        "extract": extract.name,
        "tiles": count,
        "transit": summary.transit,
        "traffic": summary.traffic,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return summary
