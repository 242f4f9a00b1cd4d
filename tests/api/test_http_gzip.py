"""Gzip request bodies over real HTTP: inflated by the body-limit middleware, the limit on the
inflated size (a gzip bomb is 413), broken gzip 422 naming the fault, other encodings 415,
and a 1,000-rep branch gzipped to POST /v1/runs accepted under the runs' larger limit."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.batch import country
from tests.api.conftest import Api, running_api

RUN_LIMIT = 5_000_000  # the test server's max_run_body_bytes (max_body_bytes is 300,000)
GZIP = {"Content-Encoding": "gzip", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    path: Path = tmp_path_factory.mktemp("gzip") / "ironroute.db"
    with running_api(f"sqlite:///{path}", run_workers=1, max_run_body_bytes=RUN_LIMIT) as running:
        yield running


def _gz(doc: Any) -> bytes:
    return gzip.compress(json.dumps(doc).encode())


def test_a_gzip_body_is_inflated_and_planned(api: Api, small_problem_doc) -> None:
    with api.client() as c:
        r = c.post(
            "/v1/plans", params={"dry_run": "true"}, content=_gz(small_problem_doc), headers=GZIP
        )
    assert r.status_code == 200, r.text
    assert r.json()["rep_id"] == small_problem_doc["rep"]["id"]


def test_the_limit_applies_to_the_inflated_size(api: Api, small_problem_doc) -> None:
    doc = {**small_problem_doc, "padding": " " * 400_000}  # 400 kB, gzips to ~1 kB
    body = _gz(doc)
    assert len(body) < 300_000
    with api.client() as c:
        r = c.post("/v1/plans", content=body, headers=GZIP)
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"
    assert "300000 bytes" in r.json()["message"]


def test_a_gzip_bomb_is_413_without_being_inflated_whole(api: Api) -> None:
    bomb = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * 1_000_000
    body = b"".join(bomb.compress(zeros) for _ in range(1000)) + bomb.flush()  # 1 GB inflated
    assert len(body) < 1_100_000
    with api.client() as c:
        r = c.post("/v1/runs", content=body, headers=GZIP)
        assert r.status_code == 413
        assert f"{RUN_LIMIT} bytes" in r.json()["message"]
        assert c.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        (b"{not gzip at all}", "not valid gzip"),  # no gzip header
        (gzip.compress(b'{"a": 1}')[:-6], "ends early"),  # truncated stream
        (gzip.compress(b'{"a": 1}') + b"garbage!", "not valid gzip"),  # trailing bytes
    ],
)
def test_a_body_that_is_not_valid_gzip_is_422_naming_the_fault(
    api: Api, body: bytes, fault: str
) -> None:
    with api.client() as c:
        r = c.post("/v1/plans", content=body, headers=GZIP)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_input"
    assert fault in r.json()["message"]


def test_an_unknown_content_encoding_is_415(api: Api, small_problem_doc) -> None:
    with api.client() as c:
        r = c.post(
            "/v1/plans",
            content=json.dumps(small_problem_doc).encode(),
            headers={"Content-Encoding": "br", "Content-Type": "application/json"},
        )
    assert r.status_code == 415
    assert r.json()["code"] == "unsupported_media_type"
    assert "'br'" in r.json()["message"]


def test_a_1000_rep_branch_gzipped_is_accepted_under_the_runs_limit(api: Api) -> None:
    doc = country(1000, (10, 14), seed=3)
    doc["options"] = {"time_limit_s": 0.2}
    raw = json.dumps(doc).encode()
    assert 300_000 < len(raw) < RUN_LIMIT  # over the general limit, within the runs' limit
    with api.client() as c:
        r = c.post("/v1/runs", content=gzip.compress(raw), headers=GZIP, timeout=120)
        assert r.status_code == 202, r.text
        assert r.json()["total"] == 1000 and r.json()["rejected"] == 0
        status = c.get(f"/v1/runs/{r.json()['run_id']}").json()
    assert status["total"] == 1000 and status["state"] == "running"
    with api.client() as c:  # the general limit still holds on other routes
        assert c.post("/v1/plans", content=gzip.compress(raw), headers=GZIP).status_code == 413
