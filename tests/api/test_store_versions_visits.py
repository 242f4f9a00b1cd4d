"""Re-plan versions and visit records in storage, on SQLite and on PostgreSQL: the version
chain, the unique previous-version index (one re-plan per version, also under a race), and
visit records kept whole, replayed, refused with other content, listed by day."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from api.store.plans import PlanStore
from api.store.visits import RecordConflict, VisitStore
from tests.api.databases import backend_of


def _version(plan: dict[str, Any], previous: str, version: int) -> dict[str, Any]:
    out = copy.deepcopy(plan)
    out.update(plan_id=str(uuid.uuid4()), previous_plan_id=previous, version=version)
    return out


def _record(record_id: str, check_in: str, rep: str = "r17", **more: Any) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "rep_id": rep,
        "date": "2026-11-27",
        "check_in": f"2026-11-27T{check_in}:00+08:00",
        "check_out": f"2026-11-27T{check_in}:30+08:00",
        "outcome": "met_staff",
        **more,
    }


def _race(store: PlanStore, work: Callable[[Connection], str]) -> list[str]:
    """Run ``work`` in two transactions at once (both inside before either commits); each
    one's outcome, sorted: what ``work`` returned, or 'conflict'."""
    if backend_of(str(store.engine.url)) == "sqlite":
        pytest.skip("SQLite serialises writers: no two transactions write at once")
    barrier = threading.Barrier(2, timeout=30)
    results: list[str] = []

    def run() -> None:
        try:
            with store.engine.begin() as conn:
                barrier.wait()
                outcome = work(conn)
            results.append(outcome)
        except IntegrityError:
            results.append("conflict")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def test_versions_chain_from_the_morning_plan_and_the_latest_is_the_newest(store, solved):
    problem, plan = solved
    v1 = store.save_plan(problem, {**plan, "plan_id": None})
    v2 = store.save_plan(problem, _version(plan, v1, 2))
    v3 = store.save_plan(problem, _version(plan, v2, 3))
    chain = store.plan_versions(v2)
    assert [(v["plan_id"], v["version"], v["previous_plan_id"]) for v in chain] == [
        (v1, 1, None),
        (v2, 2, v1),
        (v3, 3, v2),
    ]
    assert store.plan_versions(v1) == chain == store.plan_versions(v3)
    assert store.latest_plan(plan["rep_id"], plan["date"])["plan_id"] == v3
    assert store.plan_versions("no-such-plan") == []


def test_a_version_is_re_planned_once_the_second_save_leaves_nothing(store, solved):
    problem, plan = solved
    v1 = store.save_plan(problem, {**plan, "plan_id": None})
    store.save_plan(problem, _version(plan, v1, 2))
    before = store.count_plans()
    with pytest.raises(IntegrityError):
        store.save_plan(problem, _version(plan, v1, 2))
    assert store.count_plans() == before


def test_two_re_plans_of_one_version_racing_exactly_one_is_stored(store, solved):
    # both transactions insert before either commits: the unique index on previous_plan_id
    # makes the second wait (PostgreSQL) or fail, and it fails once the first commits
    problem, plan = solved
    v1 = store.save_plan(problem, {**plan, "plan_id": None})

    def replan(conn: Connection) -> str:
        store.insert_plan(conn, problem, _version(plan, v1, 2))
        return "stored"

    results = _race(store, replan)
    assert results == ["conflict", "stored"]
    assert [v["version"] for v in store.plan_versions(v1)] == [1, 2]


def test_visit_records_are_kept_whole_and_listed_by_rep_day_in_check_in_order(store):
    visits = VisitStore(store)
    late, early = _record("a", "15:00"), _record("b", "09:30", note="é 中文")
    other = _record("c", "10:00", rep="r99", branch_id="bj-wangjing")
    saved = visits.save([late, early, other], created_by="k1")
    assert [s.created for s in saved] == [True, True, True]
    assert visits.get("b") == early
    assert visits.get("nope") is None
    assert visits.of_rep_day("r17", "2026-11-27") == [early, late]
    assert visits.of_day("2026-11-27") == [early, late, other]
    assert visits.of_day("2026-11-27", rep_ids=["r99"]) == [other]
    assert visits.of_rep_day("r17", "2026-11-28") == []


def test_a_record_saved_again_is_replayed_and_other_content_stores_nothing(store):
    visits = VisitStore(store)
    first = visits.save([_record("a", "09:00")])[0]
    (again,) = visits.save([_record("a", "09:00")])
    assert not again.created and again.body == first.body
    with pytest.raises(RecordConflict) as err:
        visits.save([_record("new", "11:00"), _record("a", "09:00", outcome="not_in")])
    assert err.value.record_id == "a"
    assert visits.get("new") is None  # all or nothing
    assert visits.get("a") == _record("a", "09:00")


def test_a_record_id_is_stored_once_even_when_two_saves_race(store):
    # the loser either reads the winner's row, or meets the unique index and reads it back:
    # a replay either way, as if the winner had been stored before it
    visits = VisitStore(store)

    def save(conn: Connection) -> str:
        (saved,) = visits.insert(conn, [_record("same", "09:00")])
        return "stored" if saved.created else "replayed"

    results = _race(store, save)
    assert results == ["replayed", "stored"]
    assert len(visits.of_rep_day("r17", "2026-11-27")) == 1


def test_a_record_stored_with_other_content_by_a_racing_save_is_a_conflict(store):
    # the loser meets the unique index, reads the winner's row back: other content
    visits = VisitStore(store)
    notes = iter(["first", "second"])
    lock = threading.Lock()

    def save(conn: Connection) -> str:
        with lock:
            note = next(notes)
        try:
            visits.insert(conn, [_record("same", "09:00", note=note)])
        except RecordConflict as err:
            return f"record_conflict {err.record_id}"
        return "stored"

    results = _race(store, save)
    assert results == ["record_conflict same", "stored"]
    assert len(visits.of_rep_day("r17", "2026-11-27")) == 1
