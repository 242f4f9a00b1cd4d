"""Fixtures of the API tests: databases on both backends, stores, live servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.documents.day import parse_day_problem
from api.http.app import create_app
from api.http.solver_pool import SolveTarget, solve_in_worker
from api.settings import Settings
from api.store.keys import KeyStore
from api.store.plans import PlanStore
from planner import solve
from tests.api.databases import database_url
from tests.api.live import LiveServer
from tests.conftest import DATA

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, once on a SQLite file and once on PostgreSQL."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[PlanStore]:
    """A migrated PlanStore on each backend."""
    plan_store = PlanStore.from_url(db_url)
    plan_store.migrate()
    yield plan_store
    plan_store.dispose()


@pytest.fixture(scope="session")
def solved(small_problem_doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The small Wangjing problem and its (deterministic) plan, solved once per session."""
    plan = json.loads(json.dumps(solve(parse_day_problem(small_problem_doc)).to_dict()))
    return small_problem_doc, plan


@pytest.fixture(scope="session")
def small_problem_doc() -> dict[str, Any]:
    """tests/data/wangjing_small.json, with a quick 0.3 s time limit."""
    doc = json.loads((DATA / "wangjing_small.json").read_text())
    doc["options"] = {"time_limit_s": 0.3}
    return doc


TEST_SETTINGS = {
    "solver_workers": 2,
    "default_time_limit_s": 0.3,
    "max_time_limit_s": 1.0,
    "max_body_bytes": 300_000,
    "key_cache_ttl_s": 0.5,
}


@dataclass
class Api:
    """A running server, its store and one API key per role."""

    url: str
    store: PlanStore
    keys: dict[str, str]
    key_ids: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def client(self, who: str | None = "crm") -> httpx.Client:
        headers = self.auth(who) if who else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def add_keys(store: PlanStore) -> tuple[dict[str, str], dict[str, str]]:
    keys = KeyStore(store.engine)
    made = {
        "crm": keys.create("crm", name="the CRM"),
        "manager": keys.create("manager"),
        "rep": keys.create("rep", rep_id="r17"),
        "other_rep": keys.create("rep", rep_id="r99"),
    }
    return {w: k for w, (_, k) in made.items()}, {w: i for w, (i, _) in made.items()}


@contextmanager
def running_api(
    url: str, solve_target: SolveTarget = solve_in_worker, **overrides: Any
) -> Iterator[Api]:
    """A live server on the database ``url`` with keys for every role."""
    settings = Settings(database_url=url, **{**TEST_SETTINGS, **overrides})
    app = create_app(settings, solve_target=solve_target)
    with LiveServer(app) as server:
        store: PlanStore = app.state.services.store
        keys, ids = add_keys(store)
        yield Api(url=server.url, store=store, keys=keys, key_ids=ids)


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One server for the session, on a SQLite file."""
    path = tmp_path_factory.mktemp("api") / "ironroute.db"
    with running_api(f"sqlite:///{path}") as running:
        yield running


@pytest.fixture(scope="session")
def demo_day(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo's day (3 reps and a new one) stored by ``ironroute demo --db`` in SQLite."""
    from tests.api.console_fixtures import store_demo_day

    out = tmp_path_factory.mktemp("demo")
    return store_demo_day(out, f"sqlite:///{out / 'ironroute.db'}")


@pytest.fixture(scope="session")
def console_server(demo_day: Any) -> Iterator[Any]:
    """A live server on the demo's day, with a key of its first rep (the console's tests)."""
    from tests.api.console_fixtures import serve_demo_day

    with serve_demo_day(demo_day) as running:
        yield running


@pytest.fixture(scope="module", params=BACKENDS)
def api_on(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """One server per module and backend: on a SQLite file, then on PostgreSQL."""
    folder = tmp_path_factory.mktemp("api_on")
    with database_url(request.param, folder) as url, running_api(url) as running:
        yield running
