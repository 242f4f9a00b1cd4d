"""The ``ironroute`` application: every command and command group, registered in one place.

Exit codes of every command: 0 done, 1 the work failed (solver, executor), 2 bad input.
"""

from __future__ import annotations

import typer

from api.cli._common import mark_one_shot
from api.cli.balance import balance_cmd
from api.cli.bench import bench_app
from api.cli.demo import demo
from api.cli.keys import keys_app
from api.cli.plan import plan
from api.cli.replan import replan
from api.cli.roads import roads_app
from api.cli.run import run
from api.cli.serve import db_app, serve
from api.cli.visits import audit, debrief, visits_app

app = typer.Typer(
    name="ironroute",
    help="Route planning and territory optimization for field sales forces.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(plan)
app.command()(replan)
app.command()(demo)
app.command("balance")(balance_cmd)
app.command("run")(run)
app.command()(serve)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(visits_app, name="visits")
app.command("audit")(audit)
app.command("debrief")(debrief)
app.add_typer(roads_app, name="roads")
app.add_typer(bench_app, name="bench")


def main() -> None:
    """The ``ironroute`` console script: :data:`app` in a process that ends with its command,
    so a command's start-up may take the short cuts of :func:`api.cli._common.start_up`."""
    mark_one_shot()
    app()
