"""File access for the TOPTW benchmark data in bench/data/toptw/ (the planner parses text only).

from bench.toptw_files import instance_paths, load_bks, read_toptw_file
"""

from __future__ import annotations

from pathlib import Path

from planner.orienteering.toptw import ToptwInstance, parse_bks, parse_toptw

DATA_DIR = Path(__file__).resolve().parent / "data" / "toptw"
BKS_PATH = DATA_DIR / "bks.csv"

# Set name -> folder under DATA_DIR.
SETS: dict[str, str] = {
    "solomon100": "righini_salani/c_r_rc_100_100",  # c101-c109, r101-r112, rc101-rc108
    "pr01_10": "righini_salani/pr01_10",  # pr01-pr10
    "solomon200": "montemanni_gambardella/c_r_rc_200_100",  # c201-c208, r201-r211, rc201-rc208
    "pr11_20": "montemanni_gambardella/pr11_20",  # pr11-pr20
}


def read_toptw_file(path: str | Path) -> ToptwInstance:
    """Read and parse one instance file; its stem is the instance name (``c101``)."""
    path = Path(path)
    # newline="" keeps CRLF as is; parse_toptw splits on any line ending.
    with path.open(encoding="ascii", newline="") as f:
        text = f.read()
    try:
        return parse_toptw(text, path.stem)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err


def load_bks(path: str | Path | None = None) -> dict[tuple[str, int], int]:
    """Best-known scores ``{(instance, m): score}`` from ``bks.csv`` (default: the copy here)."""
    return parse_bks(Path(path or BKS_PATH).read_text(encoding="utf-8"))


def instance_paths(set_name: str) -> list[Path]:
    """The instance files of one set, sorted by name: one of ``SETS``' keys."""
    try:
        folder = DATA_DIR / SETS[set_name]
    except KeyError:
        raise ValueError(
            f"unknown TOPTW set {set_name!r}; expected one of {sorted(SETS)}"
        ) from None
    return sorted(folder.glob("*.txt"))
