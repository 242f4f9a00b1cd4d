"""`ironroute run` as a real process: progress and summary, --out, bad input, and a run
killed with SIGKILL mid-way then resumed with nothing lost and nothing duplicated."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.documents.branch import problem_document
from api.store.plans import PlanStore
from api.store.run_tables import run_items
from api.store.runs import run_status
from api.store.tables import plans as plans_table
from planner.demo.branch import make_branch
from planner.runs.batch import plan_id_for
from tests.conftest import assert_plan_valid

IRONROUTE = [str(Path(sys.executable).parent / "ironroute")]


def _branch(tmp_path: Path, n_reps: int, **options: Any) -> tuple[Path, dict[str, Any]]:
    doc = make_branch(seed=21, n_reps=n_reps, leads_per_rep=(10, 14))
    doc["options"] = {"time_limit_s": 0.3, **options}
    path = tmp_path / "branch.json"
    path.write_text(json.dumps(doc))
    return path, doc


def _ironroute(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**(env or os.environ), "COLUMNS": "200"}  # rich wraps nothing the tests look for
    return subprocess.run(
        [*IRONROUTE, *args], capture_output=True, text=True, timeout=300, check=False, env=env
    )


def _stored(db: str, run_id: str) -> list[tuple[str, str]]:
    """(rep id, plan body) of the run's current plan of each planned rep (a plan the second
    pass replaced is no longer the run's)."""
    store = PlanStore.from_url(db)
    try:
        current = select(run_items.c.plan_id).where(run_items.c.run_id == run_id)
        with store.engine.connect() as conn:
            rows = conn.execute(
                select(plans_table.c.rep_id, plans_table.c.body).where(
                    plans_table.c.run_id == run_id, plans_table.c.plan_id.in_(current)
                )
            ).all()
        return [(r.rep_id, r.body) for r in rows]
    finally:
        store.dispose()


def test_a_run_prints_a_summary_writes_every_plan_and_resumes_by_default(tmp_path: Path) -> None:
    path, doc = _branch(tmp_path, 3)
    doc["reps"][1]["leads"][0]["value"] = 500  # out of range: this rep fails alone
    path.write_text(json.dumps(doc))
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    out = tmp_path / "plans"
    first = _ironroute("run", str(path), "--db", db, "--workers", "2")
    assert first.returncode == 1, first.stderr  # a rep failed
    for words in ("reps planned", "2 of 3", "reps failed", "total visits", "plans per second"):
        assert words in first.stderr
    assert "reps[1].leads[0].value" in first.stderr
    second = _ironroute("run", str(path), "--db", db, "--out", str(out))
    assert "2 from an earlier pass" in second.stderr, second.stderr
    written = sorted(p.name for p in out.glob("*.json"))
    assert written == ["r01.json", "r03.json"]
    for name in written:
        plan = json.loads((out / name).read_text())
        index = [r["id"] for r in doc["reps"]].index(plan["rep_id"])
        assert_plan_valid(problem_document(doc, index), plan)


def test_an_invalid_branch_exits_2_naming_the_field(tmp_path: Path) -> None:
    path, doc = _branch(tmp_path, 1)
    doc["date"] = "27/11/2026"
    path.write_text(json.dumps(doc))
    got = _ironroute("run", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert got.returncode == 2
    assert "date" in got.stderr and "Traceback" not in got.stderr


def test_a_run_killed_with_sigkill_resumes_with_nothing_lost_or_duplicated(
    tmp_path: Path, db_url: str
) -> None:
    path, doc = _branch(tmp_path, 10)
    run_id = "killed-run"
    args = ["run", str(path), "--db", db_url, "--run-id", run_id, "--workers", "2"]
    PlanStore.from_url(db_url).migrate()  # so that the test can watch the tables at once
    proc = subprocess.Popen(
        [*IRONROUTE, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while len(_stored(db_url, run_id)) < 3:  # kill it after a few plans, mid-run
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "no plans were stored in time"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the pool's orphaned workers too
    before = dict(_stored(db_url, run_id))
    assert 3 <= len(before) < 10, "the run was not killed mid-way"
    store = PlanStore.from_url(db_url)
    status = run_status(store, run_id)
    assert status is not None and status["state"] == "running"
    assert status["planned"] == len(before)  # every stored plan is marked, nothing half-done

    resumed = _ironroute(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(before)} from an earlier pass" in resumed.stderr
    after = _stored(db_url, run_id)
    counts = Counter(rep_id for rep_id, _ in after)
    assert sorted(counts) == sorted(r["id"] for r in doc["reps"])  # nothing lost
    assert set(counts.values()) == {1}  # nothing duplicated
    # a plan stored before the kill is kept, unless the second pass replaced it
    second = {
        rep_id
        for rep_id, body in after
        if json.loads(body)["plan_id"] == plan_id_for(run_id, rep_id, second=True)
    }
    assert {k: v for k, v in after if k in before and k not in second} == {
        k: v for k, v in before.items() if k not in second
    }
    status = run_status(store, run_id)
    store.dispose()
    assert status is not None
    assert (status["state"], status["planned"], status["pending"]) == ("finished", 10, 0)
    for rep_id, body in after:
        index = [r["id"] for r in doc["reps"]].index(rep_id)
        assert_plan_valid(problem_document(doc, index), json.loads(body))


@pytest.mark.parametrize(
    "extra",
    [
        ["--workers", "0"],  # no workers
        ["--scheduler", "tcp://127.0.0.1:9", "--workers", "2"],  # both a cluster and a size
    ],
)
def test_bad_pool_options_are_refused(tmp_path: Path, extra: list[str]) -> None:
    path, _ = _branch(tmp_path, 1)
    got = _ironroute("run", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}", *extra)
    assert got.returncode in (1, 2) and "Traceback" not in got.stderr
    assert "workers" in got.stderr


def test_a_run_goes_to_a_dask_cluster_given_by_its_address(tmp_path: Path) -> None:
    from distributed import LocalCluster

    path, doc = _branch(tmp_path, 3)
    db = f"sqlite:///{tmp_path / 'dask.db'}"
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        got = _ironroute("run", str(path), "--db", db, "--scheduler", cluster.scheduler_address)
    assert got.returncode == 0, got.stderr
    assert "Dask cluster at tcp://" in got.stderr and "3 of 3" in got.stderr
    assert sorted(rep_id for rep_id, _ in _stored(db, _run_id(got.stderr))) == ["r01", "r02", "r03"]


def test_with_a_webhook_set_every_plan_and_the_run_reach_the_crm_signed(tmp_path: Path) -> None:
    from api.runs.webhook import SIGNATURE_HEADER, verify
    from tests.api.crm_receiver import CrmReceiver

    path, _ = _branch(tmp_path, 2)
    env = {
        **os.environ,
        "IRONROUTE_WEBHOOK_URL": "",
        "IRONROUTE_WEBHOOK_SECRET": "k",
    }
    with CrmReceiver() as crm:
        env["IRONROUTE_WEBHOOK_URL"] = crm.url
        got = _ironroute("run", str(path), "--db", f"sqlite:///{tmp_path / 'w.db'}", env=env)
    assert got.returncode == 0, got.stderr
    events = sorted(json.loads(r["body"])["event"] for r in crm.received)
    assert events == ["plan.finished", "plan.finished", "run.finished"]
    assert all(verify("k", r["headers"][SIGNATURE_HEADER], r["body"]) for r in crm.received)


def test_a_webhook_url_without_a_secret_is_refused(tmp_path: Path) -> None:
    path, _ = _branch(tmp_path, 1)
    env = {**os.environ, "IRONROUTE_WEBHOOK_URL": "http://127.0.0.1:9/x"}
    env.pop("IRONROUTE_WEBHOOK_SECRET", None)
    got = _ironroute("run", str(path), "--db", f"sqlite:///{tmp_path / 'w.db'}", env=env)
    assert got.returncode == 2 and "IRONROUTE_WEBHOOK_SECRET" in got.stderr


def _run_id(stderr: str) -> str:
    return stderr.split("run ", 1)[1].split(":", 1)[0].strip()
