"""PlanStore on SQLite and PostgreSQL: plans kept whole with their problems, found again."""

from __future__ import annotations

import copy
import importlib.resources
import threading
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from api.store.db import current_revision, head_revision, make_engine, normalize_url
from api.store.plans import PlanStore
from api.store.tables import problems
from tests.conftest import assert_plan_valid


def _variant(plan: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(plan)
    out.update(changes)
    return out


def test_a_saved_plan_comes_back_by_id_and_as_the_latest_of_its_day(store, solved):
    problem, plan = solved
    plan_id = store.save_plan(problem, plan)
    got = store.get_plan(plan_id)
    assert got is not None and got["plan_id"] == plan_id
    assert {k: v for k, v in got.items() if k != "plan_id"} == {
        k: v for k, v in plan.items() if k != "plan_id"
    }
    assert_plan_valid(problem, got)
    assert store.latest_plan(plan["rep_id"], plan["date"]) == got
    assert store.get_problem(plan_id) == problem


def test_the_latest_plan_is_the_last_one_saved_for_that_rep_and_day(store, solved):
    problem, plan = solved
    first = store.save_plan(problem, _variant(plan, plan_id=None))
    second = store.save_plan(problem, _variant(plan, plan_id=None))
    store.save_plan(problem, _variant(plan, plan_id=None, date="2026-11-28"))
    store.save_plan(problem, _variant(plan, plan_id=None, rep_id="someone-else"))
    assert first != second
    latest = store.latest_plan(plan["rep_id"], plan["date"])
    assert latest is not None and latest["plan_id"] == second
    assert store.latest_plan(plan["rep_id"], "2026-11-26") is None
    assert store.latest_plan("nobody", plan["date"]) is None
    assert store.count_plans() == 4


def test_a_plan_keeps_the_id_it_brings(store, solved):
    problem, plan = solved
    assert store.save_plan(problem, _variant(plan, plan_id="batch-42")) == "batch-42"
    assert store.get_plan("batch-42")["plan_id"] == "batch-42"
    assert store.get_plan("no-such-plan") is None
    assert store.get_problem("no-such-plan") is None


def test_a_failed_save_leaves_neither_the_plan_nor_its_problem(store, solved):
    problem, plan = solved
    store.save_plan(problem, _variant(plan, plan_id="dup"))
    with pytest.raises(IntegrityError):
        store.save_plan(problem, _variant(plan, plan_id="dup", rep_id="other"))
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(problems)).scalar_one() == 1
    assert store.latest_plan("other", plan["date"]) is None


def test_a_crash_inside_the_transaction_leaves_nothing_visible(store, solved):
    problem, plan = solved
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        store.insert_plan(conn, problem, _variant(plan, plan_id="half"))
        raise RuntimeError("the process dies here")
    assert store.get_plan("half") is None
    assert store.count_plans() == 0


def test_plans_of_a_run_are_listed_in_the_order_they_were_saved(store, solved):
    problem, plan = solved
    ids = [
        store.save_plan(problem, _variant(plan, plan_id=None, rep_id=r), run_id="run-1")
        for r in ("a", "b", "c")
    ]
    store.save_plan(problem, _variant(plan, plan_id=None), run_id="run-2")
    assert [p["plan_id"] for p in store.plans_of_run("run-1")] == ids
    assert store.plans_of_run("run-3") == []


def test_a_balance_is_stored_with_its_request(store):
    balance_id = store.save_balance({"reps": ["a"]}, {"assignments": {"L1": "a"}})
    assert store.get_balance(balance_id) == {
        "assignments": {"L1": "a"},
        "balance_id": balance_id,
    }
    assert store.get_balance("nope") is None


def test_migrating_twice_changes_nothing_and_reaches_the_shipped_head(store):
    assert current_revision(store.engine) == head_revision()
    assert store.migrate() == head_revision()
    names = set(inspect(store.engine).get_table_names())
    assert {"problems", "plans", "balances", "api_keys", "idempotency_keys"} <= names


def test_an_empty_database_is_at_no_revision(db_url):
    fresh = PlanStore.from_url(db_url)
    assert current_revision(fresh.engine) is None
    fresh.dispose()


def test_a_sqlite_file_is_created_on_first_use_in_wal_mode(tmp_path):
    path = tmp_path / "sub" / "plans.db"
    plan_store = PlanStore.from_url(f"sqlite:///{path}")
    plan_store.migrate()
    assert path.exists()
    with plan_store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    plan_store.dispose()


def test_postgresql_urls_use_psycopg_3():
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"


def test_the_migrations_ship_inside_the_api_package():
    versions = importlib.resources.files("api.store.migrations") / "versions"
    assert any(p.name.startswith("0001") for p in versions.iterdir())
    assert (importlib.resources.files("api.store.migrations") / "script.py.mako").is_file()


def test_sqlite_transactions_that_read_then_write_wait_for_each_other(tmp_path) -> None:
    # four threads each read a counter and write it back, 50 times: every transaction takes
    # the write lock when it starts, so none fails with "database is locked" and none
    # overwrites another's update
    engine = make_engine(f"sqlite:///{tmp_path / 'race.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (k INTEGER PRIMARY KEY, v INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    errors: list[str] = []

    def bump() -> None:
        for _ in range(50):
            try:
                with engine.begin() as conn:
                    v = conn.execute(text("SELECT v FROM counter WHERE k = 1")).scalar_one()
                    conn.execute(text("UPDATE counter SET v = :v WHERE k = 1"), {"v": v + 1})
            except Exception as err:  # noqa: BLE001 - counted and shown below
                errors.append(repr(err))

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM counter")).scalar_one() == 200
    assert errors == []
    engine.dispose()
