"""Operations over HTTP: a solver crash answers 500 and the server stays up; probes;
Prometheus metrics; no traceback ever reaches a client."""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.http.app import create_app
from api.settings import Settings
from tests.api.conftest import TEST_SETTINGS, Api, running_api
from tests.api.crashing_solver import crash_or_solve
from tests.api.live import LiveServer
from tests.conftest import assert_plan_valid


@pytest.fixture(scope="module")
def crashy_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    path = tmp_path_factory.mktemp("crash") / "ironroute.db"
    with running_api(f"sqlite:///{path}", solve_target=crash_or_solve, solver_workers=1) as api:
        yield api


def test_a_crashing_solver_answers_500_and_the_server_stays_up(crashy_api, small_problem_doc):
    doomed = copy.deepcopy(small_problem_doc)
    doomed["rep"]["id"] = "crash-me"
    key = str(uuid.uuid4())
    with crashy_api.client("crm") as c:
        r = c.post("/v1/plans", json=doomed, headers={"Idempotency-Key": key})
        assert r.status_code == 500
        body = r.json()
        assert body["code"] == "solver_crashed"
        assert "crashed" in body["message"] and "still up" in body["message"]
        assert "Traceback" not in r.text
        assert c.get("/healthz").status_code == 200
        # the pool was replaced: the next plan solves, and the failed key was released
        ok = c.post("/v1/plans", json=small_problem_doc)
        assert ok.status_code == 201
        assert_plan_valid(small_problem_doc, ok.json())
        again = c.post("/v1/plans", json=doomed, headers={"Idempotency-Key": key})
        assert again.status_code == 500 and again.json()["code"] == "solver_crashed"
        metrics = c.get("/metrics").text
    assert 'ironroute_solve_failures_total{code="solver_crashed"} 2.0' in metrics


def test_a_stuck_solver_is_killed_at_the_hard_deadline_and_the_server_stays_up(
    tmp_path, small_problem_doc
):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with (
        running_api(url, solve_target=crash_or_solve, solver_workers=1, solver_grace_s=1.0) as api,
        api.client("crm") as c,
    ):
        stuck = copy.deepcopy(small_problem_doc)
        stuck["rep"]["id"] = "hang-me"
        began = time.monotonic()
        r = c.post("/v1/plans", json=stuck)
        waited = time.monotonic() - began
        assert r.status_code == 500 and r.json()["code"] == "solver_timeout"
        assert "still up" in r.json()["message"]
        assert 2.0 <= waited < 30  # max_time_limit_s 1 + grace 1, then the kill
        ok = c.post("/v1/plans", json=small_problem_doc)  # a fresh worker solves the next
        assert ok.status_code == 201
        assert_plan_valid(small_problem_doc, ok.json())
        metrics = c.get("/metrics").text
    assert 'ironroute_solve_failures_total{code="solver_timeout"} 1.0' in metrics


def test_an_unexpected_error_is_a_plain_500_without_a_traceback(tmp_path):
    settings = {**TEST_SETTINGS, "solver_workers": 1}
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", **settings))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    with LiveServer(app) as server:
        r = httpx.get(server.url + "/boom")
    assert r.status_code == 500
    assert r.json() == {
        "code": "internal_error",
        "message": "unexpected server error; it has been logged",
        "details": [],
    }


def _app_on_a_dead_database() -> FastAPI:
    # a PostgreSQL URL on a port where nothing listens; nothing is migrated at start
    url = "postgresql://nobody@127.0.0.1:9/none?connect_timeout=1"
    settings = {**TEST_SETTINGS, "solver_workers": 1}
    return create_app(Settings(database_url=url, migrate_on_start=False, **settings))


def test_readyz_is_503_while_the_database_is_unreachable_and_healthz_stays_200():
    with LiveServer(_app_on_a_dead_database()) as server:
        assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
        r = httpx.get(server.url + "/readyz")
    assert r.status_code == 503
    assert r.json()["code"] == "database_unavailable"


def test_readyz_names_the_database_when_it_answers(api):
    assert httpx.get(api.url + "/readyz").json() == {"status": "ready", "database": "sqlite"}


def test_metrics_count_requests_by_route_and_time_solves(api, small_problem_doc):
    with api.client("crm") as c:
        plan = c.post("/v1/plans", json=small_problem_doc).json()
        for _ in range(3):
            assert c.get(f"/v1/plans/{plan['plan_id']}").status_code == 200
        c.get("/v1/plans/nope")
        text = c.get("/metrics").text
    assert "# TYPE ironroute_http_requests_total counter" in text
    lines = dict(
        line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    ok = 'ironroute_http_requests_total{method="GET",route="/v1/plans/{plan_id}",status="200"}'
    assert float(lines[ok]) >= 3
    missing = ok.replace('"200"', '"404"')
    assert float(lines[missing]) >= 1
    assert float(lines["ironroute_solve_seconds_count"]) >= 1
    assert float(lines["ironroute_plans_stored_total"]) >= 1
    latency = 'ironroute_http_request_duration_seconds_count{method="POST",route="/v1/plans"}'
    assert float(lines[latency]) >= 1


def test_gets_are_answered_while_every_solver_is_busy(api, small_problem_doc):
    slow = copy.deepcopy(small_problem_doc)
    slow["options"] = {"time_limit_s": 1.0}

    def solve() -> None:
        with api.client("crm") as c:
            c.post("/v1/plans", json=slow, params={"dry_run": "true"})

    threads = [threading.Thread(target=solve) for _ in range(TEST_SETTINGS["solver_workers"])]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while api_in_flight(api) < len(threads) and time.monotonic() < deadline:
        time.sleep(0.01)
    with api.client("crm") as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/v1/reps/r17/plans/2031-01-01").status_code == 404
    busy_during_gets = api_in_flight(api)
    for t in threads:
        t.join()
    assert busy_during_gets >= 1  # the GETs were answered while solves were still running


def api_in_flight(api) -> int:
    text = httpx.get(api.url + "/metrics").text
    line = next(x for x in text.splitlines() if x.startswith("ironroute_solves_in_flight "))
    return int(float(line.split()[1]))


def test_the_database_file_is_created_on_first_start(tmp_path: Path):
    path = tmp_path / "fresh" / "ironroute.db"
    assert not path.exists()
    with running_api(f"sqlite:///{path}", solver_workers=1) as fresh:
        assert httpx.get(fresh.url + "/readyz").status_code == 200
    assert path.exists()
