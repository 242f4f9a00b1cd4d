"""Fixtures of the API tests: databases on both backends, stores, live servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.schemas import parse_day_problem
from api.store import PlanStore
from planner import solve
from tests.api.databases import database_url
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
    """tests/data/wangjing_small.json, deterministic and quick (0.3 s)."""
    doc = json.loads((DATA / "wangjing_small.json").read_text())
    doc["options"] = {"time_limit_s": 0.3, "deterministic": True}
    return doc
