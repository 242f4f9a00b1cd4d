"""``ironroute keys``: create, list and revoke API keys (only their SHA-256 is stored)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli._common import DatabaseUrl, err, settings_from
from api.roles import ROLES

if TYPE_CHECKING:
    from api.store.keys import KeyStore

keys_app = typer.Typer(help="API keys of the HTTP API.", no_args_is_help=True)


def _keys(database_url: str | None) -> KeyStore:
    from api.store.keys import KeyStore
    from api.store.plans import PlanStore

    store = PlanStore.from_url(settings_from(database_url=database_url).database_url)
    store.migrate()
    return KeyStore(store.engine)


@keys_app.command("create")
def create(
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}")],
    rep_id: Annotated[
        str | None, typer.Option("--rep-id", help="For rep keys: the rep whose plans it reads")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A note: who or what uses the key")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a key; it is printed once, alone on the last line, and never shown again."""
    from api.store.keys import KeySpecError

    try:
        key_id, key = _keys(database_url).create(role, rep_id=rep_id, name=name)
    except KeySpecError as e:
        err.print(f"[bold red]error:[/] {e}")
        raise typer.Exit(2) from None
    scope = f" for rep {rep_id}" if rep_id else ""
    err.print(f"created {role} key {key_id}{scope}; store it now, it is not shown again:")
    typer.echo(key)


@keys_app.command("list")
def list_keys(database_url: DatabaseUrl = None) -> None:
    """Every key: id, role, rep, note, created, revoked (never the key)."""
    table = Table(title="API keys", title_justify="left")
    for column in ("key id", "role", "rep", "name", "created", "revoked"):
        table.add_column(column)
    for k in _keys(database_url).list():
        table.add_row(
            k.key_id,
            k.role,
            k.rep_id or "-",
            k.name or "-",
            k.created_at.strftime("%Y-%m-%d %H:%M"),
            k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "-",
        )
    Console().print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id `keys list` shows")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a key: requests with it answer 401 from now on."""
    if not _keys(database_url).revoke(key_id):
        err.print(f"[bold red]error:[/] no live key with id {key_id!r}")
        raise typer.Exit(2)
    err.print(f"revoked key {key_id}")
