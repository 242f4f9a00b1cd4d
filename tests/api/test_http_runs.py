"""`/v1/runs` over real HTTP: 202 at once, planned in the background, progress with
per-rep errors, each plan readable at once, roles, and the CRM webhook."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.documents.branch import problem_document
from api.http.app import create_app
from api.runs.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, verify
from api.settings import Settings
from planner.demo.branch import make_branch
from tests.api.conftest import TEST_SETTINGS, Api, add_keys
from tests.api.crm_receiver import CrmReceiver
from tests.api.live import LiveServer
from tests.conftest import assert_plan_valid

SECRET = "crm-shared-secret"


@contextmanager
def _server(db: str, webhook_url: str | None = None) -> Iterator[Api]:
    settings = Settings(
        database_url=db,
        **TEST_SETTINGS,
        run_workers=2,
        webhook_url=webhook_url,
        webhook_secret=SECRET,
        webhook_backoff_s=0.2,
        webhook_poll_s=0.1,
    )
    app = create_app(settings)
    with LiveServer(app) as server:
        keys, ids = add_keys(app.state.services.store)
        yield Api(url=server.url, store=app.state.services.store, keys=keys, key_ids=ids)


def _branch(n: int = 3) -> dict[str, Any]:
    doc = make_branch(seed=9, n_reps=n, leads_per_rep=(10, 14))
    doc["options"] = {"time_limit_s": 0.3}
    return doc


def _wait_finished(client: httpx.Client, run_id: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        status = client.get(f"/v1/runs/{run_id}").json()
        if status["state"] == "finished":
            return status
        assert time.monotonic() < deadline, f"run not finished: {status}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    path = tmp_path_factory.mktemp("runs") / "ironroute.db"
    with _server(f"sqlite:///{path}") as running:
        yield running


def test_a_run_is_accepted_at_once_and_every_plan_is_readable(api: Api) -> None:
    doc = _branch()
    doc["reps"][2]["leads"][1]["windows"] = [["16:00", "10:00"]]  # this rep fails alone
    with api.client("manager") as c:
        accepted = c.post("/v1/runs", json=doc)
        assert accepted.status_code == 202, accepted.text
        run_id = accepted.json()["run_id"]
        assert accepted.headers["location"] == f"/v1/runs/{run_id}"
        assert accepted.json()["total"] == 3
        early = c.get(f"/v1/runs/{run_id}").json()
        assert early["planned"] + early["failed"] + early["pending"] == 3
        status = _wait_finished(c, run_id)
    assert (status["planned"], status["failed"], status["pending"]) == (2, 1, 0)
    assert status["failures"] == [
        {
            "rep_id": "r03",
            "code": "invalid_input",
            "field": "reps[2].leads[1].windows[0]",
            "message": "reps[2].leads[1].windows[0]: window closes before it opens: lead "
            f"'{doc['reps'][2]['leads'][1]['id']}'",
        }
    ]
    with api.client("crm") as c:
        for item in status["plans"]:
            plan = c.get(f"/v1/plans/{item['plan_id']}")
            assert plan.status_code == 200
            index = [r["id"] for r in doc["reps"]].index(item["rep_id"])
            assert_plan_valid(problem_document(doc, index), plan.json())


def test_a_branch_wide_error_is_422_naming_the_field(api: Api) -> None:
    doc = _branch(1)
    doc["buildings"][0]["sweep_minutes"] = -5
    with api.client("crm") as c:
        r = c.post("/v1/runs", json=doc)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_input"
    assert any("buildings[0].sweep_minutes" in d["field"] for d in r.json()["details"])


def test_a_rep_key_may_neither_start_nor_read_runs(api: Api) -> None:
    with api.client("rep") as c:
        assert c.post("/v1/runs", json=_branch(1)).status_code == 403
        assert c.get("/v1/runs/anything").status_code == 403
    with api.client(None) as c:
        assert c.post("/v1/runs", json=_branch(1)).status_code == 401


def test_an_unknown_run_is_404(api: Api) -> None:
    with api.client("crm") as c:
        r = c.get("/v1/runs/no-such-run")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_the_runs_endpoints_are_in_the_openapi_document(api: Api) -> None:
    with api.client(None) as c:
        spec = c.get("/openapi.json").json()
    assert spec["paths"]["/v1/runs"]["post"]["operationId"] == "create_run"
    assert spec["paths"]["/v1/runs/{run_id}"]["get"]["operationId"] == "get_run"


def _accepted(crm: CrmReceiver) -> set[str]:
    return {g["headers"][DELIVERY_HEADER] for g in crm.received if g["status"] == 200}


def test_the_crm_webhook_gets_every_plan_and_the_run_signed_and_retried(tmp_path: Path) -> None:
    doc = _branch(2)
    with (
        CrmReceiver(statuses=[500, 500]) as crm,
        _server(f"sqlite:///{tmp_path / 'hook.db'}", webhook_url=crm.url) as api,
    ):
        with api.client("crm") as c:
            run_id = c.post("/v1/runs", json=doc).json()["run_id"]
            _wait_finished(c, run_id)
        deadline = time.monotonic() + 30
        while len(_accepted(crm)) < 3:
            assert time.monotonic() < deadline, crm.received
            time.sleep(0.1)
    events = {}
    for got in crm.received:
        assert verify(SECRET, got["headers"][SIGNATURE_HEADER], got["body"])
        body = json.loads(got["body"])
        events.setdefault(body["delivery_id"], []).append((body["event"], got["status"]))
    kinds = sorted(attempts[-1][0] for attempts in events.values())
    assert kinds == ["plan.finished", "plan.finished", "run.finished"]
    assert all(attempts[-1][1] == 200 for attempts in events.values())
    assert sum(len(a) for a in events.values()) == 5  # two 500s were retried


def test_a_run_left_unfinished_by_a_stopped_server_is_finished_by_the_next(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'restart.db'}"
    doc = _branch(8)
    with _server(db) as first, first.client("crm") as c:
        run_id = c.post("/v1/runs", json=doc).json()["run_id"]
        deadline = time.monotonic() + 120
        while c.get(f"/v1/runs/{run_id}").json()["planned"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    # the first server stopped mid-run: it handed out no more reps and left the rest pending
    with _server(db) as second, second.client("crm") as c:
        stopped = c.get(f"/v1/runs/{run_id}").json()
        status = _wait_finished(c, run_id)
        plans = second.store.plans_of_run(run_id)
    assert stopped["planned"] >= 1 and stopped["pending"] > 0 and stopped["state"] == "running"
    assert (status["planned"], status["failed"], status["pending"]) == (8, 0, 0)
    assert sorted(p["rep_id"] for p in plans) == sorted(r["id"] for r in doc["reps"])


def test_posting_the_same_branch_again_is_the_same_run_and_plans_nothing_twice(api: Api) -> None:
    doc = _branch(2)
    with api.client("crm") as c:
        first = c.post("/v1/runs", json=doc).json()["run_id"]
        before = _wait_finished(c, first)
        again = c.post("/v1/runs", json=doc)
        assert again.status_code == 202 and again.json()["run_id"] == first
        after = _wait_finished(c, first)
        other = _branch(1)
        clash = c.post("/v1/runs", params={"run_id": first}, json=other)
        named = c.post("/v1/runs", params={"run_id": "my-run"}, json=other)
    assert after["plans"] == before["plans"]
    assert len(api.store.plans_of_run(first)) == 2
    assert clash.status_code == 409 and "another branch document" in clash.json()["message"]
    assert named.status_code == 202 and named.json()["run_id"] == "my-run"


def _swept(plan: dict[str, Any]) -> set[str]:
    return {s["building_id"] for s in plan["stops"] if s["type"] == "sweep"}


def _plans(c: httpx.Client, status: dict[str, Any]) -> list[dict[str, Any]]:
    return [c.get(f"/v1/plans/{item['plan_id']}").json() for item in status["plans"]]


def test_buildings_in_the_documents_sweep_history_are_skipped_as_swept_recently(api: Api) -> None:
    doc = _branch()
    doc["branch_id"] = "bj-history-doc"
    doc["sweep_cooldown_days"] = 10
    doc["sweep_history"] = [
        {"building_id": b["id"], "date": "2026-11-20"} for b in doc["buildings"]
    ]
    with api.client("crm") as c:
        accepted = c.post("/v1/runs", json=doc)
        assert accepted.status_code == 202, accepted.text
        plans = _plans(c, _wait_finished(c, accepted.json()["run_id"]))
    assert len(plans) == 3
    assert any(p["skipped_sweeps"] for p in plans)
    for plan in plans:
        assert _swept(plan) == set()
        assert {s["reason"] for s in plan["skipped_sweeps"]} <= {"swept_recently"}
        codes = {i["code"] for i in plan["issues"]}
        assert ("swept_recently" in codes) == bool(plan["skipped_sweeps"])


def test_a_building_swept_in_yesterdays_stored_run_is_not_swept_today(api: Api) -> None:
    today = _branch()
    today["branch_id"] = "bj-history-store"
    yesterday = {**today, "date": "2026-11-26"}
    with api.client("crm") as c:
        first = c.post("/v1/runs", json=yesterday).json()["run_id"]
        swept = set().union(*map(_swept, _plans(c, _wait_finished(c, first))))
        assert swept  # yesterday's plans swept buildings: the store's history has them
        second = c.post("/v1/runs", json=today)
        assert second.status_code == 202, second.text
        plans = _plans(c, _wait_finished(c, second.json()["run_id"]))
    assert len(plans) == 3
    recently = set()
    for plan in plans:
        assert not _swept(plan) & swept
        recently |= {
            s["building_id"] for s in plan["skipped_sweeps"] if s["reason"] == "swept_recently"
        }
    assert recently == swept  # every rep in reach of one was told why
    # without a cooldown the store's history does not count
    with api.client("crm") as c:
        free = c.post("/v1/runs", json={**today, "sweep_cooldown_days": 0}).json()["run_id"]
        plans = _plans(c, _wait_finished(c, free))
    assert all(s["reason"] != "swept_recently" for p in plans for s in p["skipped_sweeps"])
