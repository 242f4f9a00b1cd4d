"""build_tiles: what it writes, how it fails, and that its children die with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("valhalla")

from geo.providers.errors import TileBuildError  # noqa: E402
from geo.providers.valhalla_build import BuildSummary, build_tiles  # noqa: E402

REPO = Path(__file__).resolve().parents[3]


def test_a_build_writes_tiles_a_config_and_a_manifest(built: BuildSummary) -> None:
    assert built.tile_count >= 3  # road levels 0 and 2, plus the transit level 3
    assert built.transit and not built.traffic
    assert (built.tiles_dir / "3").is_dir()  # transit tiles were connected
    assert built.config_path.is_file()
    assert (built.tiles_dir.parent / "ironroute_tiles.json").is_file()
    assert built.seconds > 0.0


def test_progress_names_each_step(tmp_path: Path, built: BuildSummary) -> None:
    extract = next(built.tiles_dir.parent.parent.glob("*.osm.pbf"))
    steps: list[str] = []
    build_tiles(extract, tmp_path / "out", progress=steps.append, concurrency=1)
    assert steps == ["build tiles"]


def test_a_missing_extract_raises_tile_build_error(tmp_path: Path) -> None:
    with pytest.raises(TileBuildError, match="no OSM extract"):
        build_tiles(tmp_path / "missing.osm.pbf", tmp_path / "out")


def test_a_broken_extract_raises_tile_build_error_naming_the_log(tmp_path: Path) -> None:
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"not a protobuf")
    with pytest.raises(TileBuildError, match="build.log"):
        build_tiles(broken, tmp_path / "out", concurrency=1)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and prctl")
def test_killing_the_builder_kills_the_valhalla_child(tmp_path: Path) -> None:
    # The extract is a FIFO nobody writes to, so valhalla_build_tiles blocks reading it
    # until it is killed: a build that stays running for as long as the test needs.
    fifo = tmp_path / "stuck.osm.pbf"
    os.mkfifo(fifo)
    script = textwrap.dedent(
        f"""
        from geo.providers.valhalla_build import build_tiles
        build_tiles({str(fifo)!r}, {str(tmp_path / "out")!r}, concurrency=1)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    try:
        deadline = time.monotonic() + 30.0
        children: list[int] = []
        while not children and time.monotonic() < deadline:
            time.sleep(0.05)
            children = _children(parent.pid)
        assert children, "the build never started its child"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10.0
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(c) for c in children)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
