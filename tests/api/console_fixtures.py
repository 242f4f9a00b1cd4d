"""A stored demo day for the console's tests: ``ironroute demo --db`` into a database, and a
live server on it with keys for a manager, a rep of the demo and the CRM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from api.cli.main import app as cli
from api.store.keys import KeyStore
from tests.api.conftest import Api, running_api

DEMO_REPS = 3


@dataclass
class DemoDay:
    """The demo's files, its branch and plans (by rep), and the database they are stored in."""

    out: Path
    db_url: str
    branch: dict[str, Any]
    plans: dict[str, dict[str, Any]]
    balance: dict[str, Any]

    @property
    def path(self) -> str:
        return f"/v1/branches/{self.branch['branch_id']}/days/{self.branch['date']}"


def store_demo_day(out: Path, db_url: str) -> DemoDay:
    """Run the demo (3 reps and a new one, short solves) storing into ``db_url``."""
    result = CliRunner().invoke(
        cli,
        ["demo", "--out", str(out), "--reps", str(DEMO_REPS), "--new-reps", "1"]
        + ["--time-limit", "0.2", "--db", db_url],
    )
    assert result.exit_code == 0, result.output
    branch = json.loads((out / "branch.json").read_text())
    plans = {p.stem: json.loads(p.read_text()) for p in sorted((out / "plans").glob("*.json"))}
    balance = json.loads((out / "balance.json").read_text())
    return DemoDay(out=out, db_url=db_url, branch=branch, plans=plans, balance=balance)


@dataclass
class ConsoleServer:
    """A live API on the demo's database, with a key of the demo's first rep."""

    api: Api
    day: DemoDay
    rep_id: str
    rep_key: str


@contextmanager
def serve_demo_day(day: DemoDay, **overrides: Any) -> Iterator[ConsoleServer]:
    with running_api(day.db_url, **overrides) as api:
        rep_id = sorted(day.plans)[0]
        _, rep_key = KeyStore(api.store.engine).create("rep", rep_id=rep_id, name="demo rep")
        yield ConsoleServer(api=api, day=day, rep_id=rep_id, rep_key=rep_key)
