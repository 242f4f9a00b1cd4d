"""``ironroute serve`` (the HTTP API under uvicorn) and ``ironroute db upgrade``."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from api.cli._common import DatabaseUrl, err, settings_from

db_app = typer.Typer(help="The plan database.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port")] = 8000,
    database_url: DatabaseUrl = None,
    solver_workers: Annotated[
        int | None,
        typer.Option("--solver-workers", min=1, help="Solver processes (default: the CPUs)"),
    ] = None,
    http_workers: Annotated[
        int,
        typer.Option(
            "--http-workers",
            min=1,
            max=64,
            help="HTTP server processes; with more than one, each gets its share of the "
            "solver processes (default 1)",
        ),
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn's log level")] = "info",
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs); the database is created on first start."""
    import uvicorn
    from sqlalchemy.engine import make_url

    from api.http.app import create_app
    from api.settings import cpu_count
    from api.store.plans import PlanStore

    if http_workers > 1 and solver_workers is None:
        solver_workers = max(1, cpu_count() // http_workers)
    settings = settings_from(database_url=database_url, solver_workers=solver_workers)
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    err.print(
        f"ironroute API on [bold]http://{host}:{port}[/] (docs: /docs) — database {where}, "
        f"{http_workers} HTTP × {settings.solver_workers} solver processes"
    )
    if http_workers == 1:
        app = create_app(settings)
        uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="on")
        return
    if settings.migrate_on_start:  # once, here, not racing in every worker
        store = PlanStore.from_url(settings.database_url)
        store.migrate()
        store.dispose()
    os.environ.update(
        IRONROUTE_DATABASE_URL=settings.database_url,
        IRONROUTE_SOLVER_WORKERS=str(settings.solver_workers),
        IRONROUTE_MIGRATE_ON_START="false",
    )
    uvicorn.run(
        "api.http.app:create_app",
        factory=True,
        workers=http_workers,
        host=host,
        port=port,
        log_level=log_level,
        lifespan="on",
    )


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create the database or migrate it to this version's schema."""
    from api.store.plans import PlanStore

    store = PlanStore.from_url(settings_from(database_url=database_url).database_url)
    revision = store.migrate()
    store.dispose()
    err.print(f"database at revision {revision}")
