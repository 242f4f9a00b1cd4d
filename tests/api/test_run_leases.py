"""Run leases, on SQLite and PostgreSQL: one server plans a run at a time; when it dies the
others wait for its lease to expire, then one takes the run over and finishes it, with every
rep planned exactly once."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.documents.branch import parse_branch
from api.runs.service import RunService
from api.settings import Settings
from api.store.leases import claimable_runs, lease_of, release_lease, renew_lease, take_lease
from api.store.plans import PlanStore
from api.store.runs import SqlRunStore, run_status
from api.store.tables import plans as plans_table
from planner.demo.branch import make_branch
from planner.runs.batch import plan_id_for
from tests.api.test_restart import _free_port, _serve, crm_key


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clocked(db_url: str) -> Iterator[tuple[PlanStore, FakeClock]]:
    clock = FakeClock()
    store = PlanStore.from_url(db_url, clock=clock)
    store.migrate()
    yield store, clock
    store.dispose()


def _branch(n: int) -> dict[str, Any]:
    doc = make_branch(seed=9, n_reps=n, leads_per_rep=(10, 14))
    doc["options"] = {"time_limit_s": 0.3}
    return doc


def _begin(store: PlanStore, doc: dict[str, Any], run_id: str = "run-1") -> str:
    SqlRunStore(store, doc).begin_run(run_id, parse_branch(doc))
    return run_id


def _plan_rows(store: PlanStore, run_id: str) -> tuple[int, int]:
    """(first-pass plan rows of the run, distinct reps among them); a second-pass plan that
    replaces a rep's first one has an id of its own and is not counted."""
    query = select(plans_table.c.rep_id, plans_table.c.plan_id).where(
        plans_table.c.run_id == run_id
    )
    with store.engine.connect() as conn:
        rows = [
            r.rep_id
            for r in conn.execute(query)
            if r.plan_id != plan_id_for(run_id, r.rep_id, second=True)
        ]
    return len(rows), len(set(rows))


def test_a_lease_is_held_until_it_expires_or_is_released(clocked) -> None:
    store, clock = clocked
    run_id = _begin(store, _branch(1))
    assert claimable_runs(store) == [run_id]
    assert take_lease(store, run_id, "a", 60)
    assert claimable_runs(store) == []
    assert not take_lease(store, run_id, "b", 60)  # a holds it
    clock.advance(50)
    assert renew_lease(store, run_id, "a", 60)  # now until 110 s
    clock.advance(50)
    assert not take_lease(store, run_id, "b", 60)  # renewed: still a's
    clock.advance(11)
    assert claimable_runs(store) == [run_id]  # a stopped renewing: expired
    assert take_lease(store, run_id, "b", 60)
    assert not renew_lease(store, run_id, "a", 60)  # a learns it lost the run
    assert lease_of(store, run_id)[0] == "b"
    release_lease(store, run_id, "a")  # not a's any more: no effect
    assert lease_of(store, run_id)[0] == "b"
    release_lease(store, run_id, "b")
    assert lease_of(store, run_id) == (None, None)
    assert take_lease(store, run_id, "c", 60)


def test_a_finished_run_has_no_lease_to_take(clocked) -> None:
    store, _ = clocked
    doc = _branch(1)
    run_id = _begin(store, doc)
    SqlRunStore(store, doc).finish_run(run_id, None)  # type: ignore[arg-type]
    assert not take_lease(store, run_id, "a", 60)
    assert claimable_runs(store) == []


def test_of_many_servers_taking_a_lease_at_once_exactly_one_gets_it(db_url: str) -> None:
    store = PlanStore.from_url(db_url)
    store.migrate()
    run_id = _begin(store, _branch(1))
    start = threading.Barrier(8)
    won: list[str] = []

    def contend(owner: str) -> None:
        start.wait()
        if take_lease(store, run_id, owner, 60):
            won.append(owner)

    threads = [threading.Thread(target=contend, args=(f"s{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.dispose()
    assert len(won) == 1


def _wait(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_server_waits_for_a_dead_servers_lease_then_takes_the_run_over(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'lease.db'}"
    store = PlanStore.from_url(url)
    store.migrate()
    doc = _branch(3)
    run_id = _begin(store, doc)
    assert take_lease(store, run_id, "dead-server", 4)  # a server that then died
    held_until = time.monotonic() + 4
    settings = Settings(database_url=url, run_workers=1, run_lease_s=3, solver_workers=1)
    service = RunService(store, settings)
    service.start()
    try:
        while time.monotonic() < held_until - 0.5:  # the lease holds: nothing is planned
            status = run_status(store, run_id)
            assert status is not None and status["planned"] == 0
            time.sleep(0.2)
        _wait(lambda: run_status(store, run_id)["state"] == "finished", 120, "the run")
    finally:
        service.shutdown()
    status = run_status(store, run_id)
    assert (status["planned"], status["failed"], status["pending"]) == (3, 0, 0)
    assert _plan_rows(store, run_id) == (3, 3)
    assert lease_of(store, run_id) == (None, None)  # given up once finished
    store.dispose()


def test_when_the_planning_server_is_killed_the_other_finishes_its_run_once(
    db_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "IRONROUTE_DATABASE_URL": db_url,
        "IRONROUTE_RUN_LEASE_S": "5",
        "IRONROUTE_RUN_WORKERS": "1",
    }
    key = crm_key(env, tmp_path)
    headers = {"Authorization": f"Bearer {key}"}
    first_port, second_port = _free_port(), _free_port()
    first = _serve(env, tmp_path, first_port)
    second = _serve(env, tmp_path, second_port)
    store = PlanStore.from_url(db_url)
    doc = _branch(8)
    try:
        accepted = httpx.post(
            f"http://127.0.0.1:{first_port}/v1/runs", json=doc, headers=headers, timeout=120
        )
        assert accepted.status_code == 202, accepted.text
        run_id = accepted.json()["run_id"]
        _wait(lambda: run_status(store, run_id)["planned"] >= 2, 120, "two plans")
        for _ in range(10):  # only the first server plans it: the lease stays its own
            assert _owner_pid(store, run_id) == first.pid
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)  # no shutdown hook: the lease is left to expire
        first.wait()
        left = run_status(store, run_id)
        assert left["state"] == "running" and left["pending"] > 0
        assert _owner_pid(store, run_id) == first.pid  # the second waits for the expiry
        _wait(lambda: _owner_pid(store, run_id) != first.pid, 60, "the takeover")
        _wait(lambda: run_status(store, run_id)["state"] == "finished", 180, "the run")
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
    status = run_status(store, run_id)
    assert (status["planned"], status["failed"], status["pending"]) == (8, 0, 0)
    assert _plan_rows(store, run_id) == (8, 8)  # every rep planned and stored exactly once
    store.dispose()


def _owner_pid(store: PlanStore, run_id: str) -> int | None:
    """The process id in the name of the lease's owner (``host:pid:random``), if held."""
    owner, _ = lease_of(store, run_id)
    return None if owner is None else int(owner.split(":")[1])
