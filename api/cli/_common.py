"""The CLI's shared plumbing: the error console, exits with a message, JSON input, the plan
summary table, progress bars, settings with the command line's options on top, and the
console script's start-up.

Only typer and rich load here; the commands import the planner and storage when they run.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from rich.progress import Progress

    from api.settings import Settings
    from geo import TravelSource
    from planner import DayPlan

err = Console(stderr=True)

# True in the `ironroute` console script (api.cli.main.main), whose process ends with its one
# command; False when tests or other callers run the commands in a process of their own.
_one_shot = False


def mark_one_shot() -> None:
    """Declare this process one-shot: it exits when its command ends (see :func:`start_up`)."""
    global _one_shot
    _one_shot = True


@contextmanager
def start_up() -> Iterator[None]:
    """A command's imports and input reading, made cheaper where the process is one-shot.

    In the console script the cyclic garbage collector pauses, then freezes (``gc.freeze``)
    what start-up built and resumes: some 90,000 long-lived objects (modules, classes, pydantic
    schemas) that its collections kept traversing for almost no garbage (≈ 0.05 s of
    ``ironroute plan``) and that the full collection at exit no longer traverses (≈ 0.03 s).
    Cyclic garbage made during start-up is kept until exit. pydantic's scan of every installed
    package's entry points for plugins is skipped (``PYDANTIC_DISABLE_PLUGINS=__all__`` unless
    the variable is set; set it empty to load plugins). In any other process, or if the
    collector is already off, it does nothing: a frozen heap would keep a long-lived caller's
    cyclic garbage for good, and the variable would outlive the command.
    """
    if not _one_shot or not gc.isenabled():
        yield
        return
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (default: $IRONROUTE_DATABASE_URL, else sqlite:///ironroute.db)",
        show_default=False,
    ),
]


Roads = Annotated[
    Path | None,
    typer.Option(
        "--roads",
        help="Time travel on these Valhalla tiles (`ironroute roads build`); default: "
        "$IRONROUTE_TRAVEL_PROVIDER / $IRONROUTE_VALHALLA_TILES, else the built-in model",
        show_default=False,
    ),
]


def fail(code: int, message: str, details: list[dict[str, str]] | None = None) -> typer.Exit:
    """Print ``message`` (and each ``{"field", "message"}`` detail); the exit to raise."""
    err.print(f"[bold red]error:[/] {message}")
    for d in details or []:
        err.print(f"  [red]{d['field']}[/]: {d['message']}")
    return typer.Exit(code)


def read_json(path: str) -> Any:
    """The JSON document at ``path`` (``-``: stdin); exit 2 when unreadable or not JSON."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise fail(2, f"cannot read {path}: {e.strerror or e}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise fail(2, f"{path} is not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None


def write_json(doc: Any, output: Path | None) -> None:
    """``doc`` as indented JSON to ``output``, or to stdout when it is None."""
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def summary_table(title: str, plans: list[DayPlan]) -> Table:
    """One row per plan: status, visits, effective, sweeps, km, travel, back at, value."""
    table = Table(title=title, title_justify="left")
    for name in (
        "rep",
        "status",
        "visits",
        "effective",
        "sweeps",
        "km",
        "travel min",
        "back at",
        "value",
    ):
        table.add_column(name, justify="left" if name in ("rep", "status") else "right")
    for p in plans:
        t = p.totals
        style = {"ok": "green", "shortfall": "yellow", "infeasible": "red"}[p.status]
        table.add_row(
            p.rep_id,
            f"[{style}]{p.status}[/]",
            str(t.visits),
            str(t.effective_visits),
            str(t.sweeps),
            f"{t.travel_km:.1f}",
            f"{t.travel_minutes:.0f}",
            t.return_at.strftime("%H:%M") if t.return_at else "-",
            f"{t.value:g}",
        )
    return table


def progress() -> Progress:
    """A progress bar on stderr: spinner, description, bar, count, elapsed."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def settings_with_roads(roads: Path | None, **overrides: object) -> Settings:
    """:func:`settings_from`, with ``--roads DIR`` choosing the Valhalla provider."""
    if roads is not None:
        if not roads.exists():
            raise fail(2, f"--roads: {roads} does not exist (build it: ironroute roads build)")
        overrides.update(travel_provider="valhalla", valhalla_tiles=str(roads))
    return settings_from(**overrides)


def travel_with_roads(roads: Path | None) -> TravelSource:
    """The travel source of ``--roads DIR`` or the environment's settings. With neither (no
    ``IRONROUTE_*`` variable set) it is the built-in model, without loading the settings."""
    from api.travel import environment_sets_nothing, travel_source
    from planner.routing.solve import BUILTIN_TRAVEL

    if roads is None and environment_sets_nothing():
        return BUILTIN_TRAVEL
    return travel_source(settings_with_roads(roads))


def settings_from(**overrides: object) -> Settings:
    """Settings from the environment with the CLI's options on top (exit 2 if invalid)."""
    from pydantic import ValidationError

    from api.settings import Settings

    try:
        base = Settings()
        return base.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        for x in e.errors():
            where = f"IRONROUTE_{str(x['loc'][0]).upper()}: " if x["loc"] else ""
            err.print(f"[bold red]error:[/] {where}{x['msg']}")
        raise typer.Exit(2) from None
