"""Runs in the SQL storage, on SQLite and PostgreSQL: one transaction per rep, resumable,
never a plan stored twice; webhook deliveries recorded with the plan and retried."""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.documents.branch import parse_branch, problem_document, with_options
from api.runs.webhook import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    Backoff,
    WebhookSender,
    deliveries,
    sign,
    verify,
)
from api.store.plans import PlanStore
from api.store.run_tables import webhook_deliveries
from api.store.runs import SqlRunStore, run_document, run_status, unfinished_runs
from api.store.tables import plans as plans_table
from planner import DEFAULT_SETUP, SolveSettings, solve
from planner.demo.branch import make_branch
from planner.runs.batch import RunConflictError, day_problem, plan_id_for, run_branch
from tests.api.crm_receiver import CrmReceiver
from tests.conftest import assert_plan_valid

QUICK = SolveSettings(setup=DEFAULT_SETUP.deterministic(3_000))
SECRET = "s3cret"


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        yield ex


def _doc(n: int = 3, *, bad: bool = True) -> dict[str, Any]:
    doc = with_options(make_branch(seed=5, n_reps=n, leads_per_rep=(10, 14)), deterministic=True)
    if bad:  # the last rep's data is bad
        doc["reps"][-1]["leads"][0]["windows"] = [["12:00", "11:00"]]
    return doc


def _run(store: PlanStore, doc: dict[str, Any], pool: Any, run_id: str, **kw: Any) -> Any:
    return run_branch(
        parse_branch(doc),
        run_id=run_id,
        executor=pool,
        store=SqlRunStore(store, doc, **kw),
        settings=QUICK,
    )


def test_a_run_stores_each_plan_with_its_problem_and_reports_failures(store, pool) -> None:
    doc = _doc()
    report = _run(store, doc, pool, "run-a")
    assert (report.planned, len(report.failures)) == (2, 1)
    status = run_status(store, "run-a")
    assert status is not None
    assert (status["state"], status["planned"], status["failed"], status["pending"]) == (
        "finished",
        2,
        1,
        0,
    )
    (failure,) = status["failures"]
    assert failure["rep_id"] == "r03" and failure["field"] == "reps[2].leads[0].windows[0]"
    for item in status["plans"]:
        plan = store.get_plan(item["plan_id"])
        assert plan is not None and plan["rep_id"] == item["rep_id"]
        problem = store.get_problem(item["plan_id"])
        index = [r["id"] for r in doc["reps"]].index(item["rep_id"])
        assert problem == problem_document(doc, index, {b["id"] for b in problem["buildings"]})
        assert_plan_valid(problem_document(doc, index), plan)
    assert run_document(store, "run-a") == doc
    assert unfinished_runs(store) == []


def test_running_a_run_again_plans_nothing_twice_and_retries_failures(store, pool) -> None:
    doc = _doc()
    _run(store, doc, pool, "run-b")
    first = {p["rep_id"]: p for p in store.plans_of_run("run-b")}
    again = _run(store, doc, pool, "run-b")
    assert (again.planned, again.skipped, len(again.failures)) == (0, 2, 1)
    assert {p["rep_id"]: p for p in store.plans_of_run("run-b")} == first


def test_a_run_id_cannot_be_reused_for_another_branch(store, pool) -> None:
    doc = _doc()
    _run(store, doc, pool, "run-c")
    other = _doc()
    other["reps"][0]["leads"] = other["reps"][0]["leads"][:5]
    with pytest.raises(RunConflictError, match="another branch document"):
        _run(store, other, pool, "run-c")


def test_a_plan_already_stored_by_another_pass_is_not_stored_again(store, pool) -> None:
    doc = _doc(2, bad=False)
    branch = parse_branch(doc)
    a, b = SqlRunStore(store, doc), SqlRunStore(store, doc)
    run_branch(branch, run_id="run-d", executor=pool, store=a, settings=QUICK)
    # a second process that started before the first finished plans the same rep again
    problem = day_problem(branch, 0)
    b.save_plan(
        "run-d", problem, solve(problem, settings=QUICK, plan_id=plan_id_for("run-d", "r01"))
    )
    with store.engine.connect() as conn:
        n = conn.execute(
            select(func.count())
            .select_from(plans_table)
            .where(plans_table.c.run_id == "run-d", plans_table.c.rep_id == "r01")
        ).scalar_one()
    assert n == 1


def test_deliveries_are_signed_retried_with_backoff_and_survive_a_restart(store, pool) -> None:
    doc = _doc(2, bad=False)
    with CrmReceiver(statuses=[503]) as crm:
        _run(store, doc, pool, "run-w", webhook_url=crm.url)
        recorded = deliveries(store, "run-w")
        assert [d["event"] for d in recorded] == ["plan.finished", "plan.finished", "run.finished"]
        assert all(d["state"] == "pending" for d in recorded)

        with httpx.Client(timeout=5) as client:
            sender = WebhookSender(store, SECRET, client, backoff=Backoff(base_s=0.3))
            assert sender.deliver_due() == 2  # the first POST got 503
            assert sender.pending() == 1
            assert sender.deliver_due() == 0  # not due yet: backing off
        time.sleep(0.4)
        # a new sender (a restarted process) picks up what is still pending
        with httpx.Client(timeout=5) as client:
            restarted = WebhookSender(store, SECRET, client, backoff=Backoff(base_s=0.3))
            assert restarted.deliver_due() == 1 and restarted.pending() == 0

    assert len(crm.received) == 4
    first, retry = crm.received[0], crm.received[3]
    assert first["status"] == 503
    assert first["headers"][DELIVERY_HEADER] == retry["headers"][DELIVERY_HEADER]
    for got in crm.received:
        assert verify(SECRET, got["headers"][SIGNATURE_HEADER], got["body"])
        assert not verify("wrong", got["headers"][SIGNATURE_HEADER], got["body"])
        body = json.loads(got["body"])
        assert body["event"] == got["headers"][EVENT_HEADER]
        assert body["delivery_id"] == got["headers"][DELIVERY_HEADER]
    finished = [json.loads(g["body"]) for g in crm.received if b"run.finished" in g["body"]]
    assert finished[0]["counts"] == {"planned": 2, "failed": 0, "pending": 0}
    done = deliveries(store, "run-w")
    assert all(d["state"] == "delivered" for d in done)
    assert max(d["attempts"] for d in done) == 2


def test_a_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    header = sign("k", 1700000000, b'{"a":1}')
    expected = hmac.new(b"k", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert not verify("k", header, b'{"a":2}')
    assert not verify("k", "garbage", b"")


def test_backoff_doubles_up_to_its_cap() -> None:
    b = Backoff(base_s=5, factor=2, max_s=30)
    assert [b.delay(n) for n in (1, 2, 3, 4, 5)] == [
        timedelta(seconds=s) for s in (5, 10, 20, 30, 30)
    ]


def test_deliveries_are_written_with_the_plan_in_one_transaction(store, pool) -> None:
    doc = _doc(2, bad=False)
    _run(store, doc, pool, "run-t", webhook_url="http://127.0.0.1:9/none")
    with store.engine.connect() as conn:
        announced = set(
            conn.execute(
                select(webhook_deliveries.c.plan_id).where(
                    webhook_deliveries.c.run_id == "run-t",
                    webhook_deliveries.c.event == "plan.finished",
                )
            ).scalars()
        )
    assert announced == {p["plan_id"] for p in store.plans_of_run("run-t")}


def test_a_runs_sweeps_are_kept_and_put_those_buildings_on_cooldown_the_next_day(
    store, pool
) -> None:
    from api.store.runs import sweep_history

    doc = _doc(3, bad=False)
    _run(store, doc, pool, "sweeps-1")
    swept = {
        s["building_id"]
        for p in store.plans_of_run("sweeps-1")
        for s in p["stops"]
        if s["type"] == "sweep"
    }
    assert swept
    nextday = {**doc, "date": "2026-11-28"}
    history = sweep_history(store, parse_branch(nextday))
    assert {h.building_id for h in history} == swept
    assert {h.date.isoformat() for h in history} == {doc["date"]}
    assert sweep_history(store, parse_branch(doc)) == []  # the day itself is not history
    assert sweep_history(store, parse_branch({**nextday, "sweep_cooldown_days": 0})) == []
    report = run_branch(
        parse_branch(nextday),
        run_id="sweeps-2",
        executor=pool,
        store=SqlRunStore(store, nextday),
        settings=QUICK,
        sweep_history=history,
    )
    assert report.planned == 3
    for plan in store.plans_of_run("sweeps-2"):
        assert not swept & {s["building_id"] for s in plan["stops"] if s["type"] == "sweep"}
        recent = {
            s["building_id"] for s in plan["skipped_sweeps"] if s["reason"] == "swept_recently"
        }
        problem = store.get_problem(plan["plan_id"])
        assert problem is not None
        assert recent == {
            s["building_id"]
            for s in problem.get("skipped_sweeps", [])
            if s["reason"] == "swept_recently"
        }
        assert recent <= swept


def test_a_second_pass_plan_replaces_the_first_with_its_problem_and_sweeps(store, pool) -> None:
    from api.store.run_tables import sweeps
    from tests.planner.test_sweeps import _two_reps

    # rep a wins B1 but cannot fit its 10-hour visit: rep b sweeps B1 in the second pass
    doc = _two_reps({"value": 90, "service_minutes": 600}, {"value": 10})
    report = _run(store, doc, pool, "second-1")
    assert (report.planned, report.replanned, report.recovered) == (2, 1, 1)
    status = run_status(store, "second-1")
    assert status is not None and status["state"] == "finished"
    ids = {p["rep_id"]: p["plan_id"] for p in status["plans"]}
    assert ids["b"] == plan_id_for("second-1", "b", second=True)
    plan, problem = store.get_plan(ids["b"]), store.get_problem(ids["b"])
    assert plan is not None and problem is not None
    assert plan["skipped_sweeps"] == problem.get("skipped_sweeps", []) == []
    assert_plan_valid(problem, plan)
    first = store.get_plan(plan_id_for("second-1", "b"))  # still readable, no longer the rep's
    assert first is not None and first["skipped_sweeps"][0]["reason"] == "swept_by_other_rep"
    assert store.latest_plan("b", doc["date"]) == plan
    with store.engine.connect() as conn:
        rows = conn.execute(select(sweeps.c.building_id, sweeps.c.rep_id)).all()
    assert [tuple(r) for r in rows if r[0] == "B1"] == [("B1", "b")]
    again = _run(store, doc, pool, "second-1")  # resumed: nothing planned or replaced again
    assert (again.planned, again.skipped, again.replanned, again.recovered) == (0, 2, 1, 1)
    assert run_status(store, "second-1")["plans"] == status["plans"]  # type: ignore[index]
