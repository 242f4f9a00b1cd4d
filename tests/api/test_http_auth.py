"""API keys and roles over HTTP: 401 without a live key, 403 for a role that may not."""

from __future__ import annotations

import time

import httpx
import pytest

from api.store.keys import CachedKeys, KeyStore, digest
from api.store.tables import api_keys


@pytest.fixture(scope="module")
def stored_plan_id(api, small_problem_doc) -> str:
    with api.client("crm") as c:
        r = c.post("/v1/plans", json=small_problem_doc)
    assert r.status_code == 201
    return str(r.json()["plan_id"])


def _status(api, who: str | None, method: str, path: str, **kw) -> int:
    headers = api.auth(who) if who else {}
    return httpx.request(method, api.url + path, headers=headers, timeout=60, **kw).status_code


@pytest.mark.parametrize(
    "path",
    [
        "/v1/plans/x",  # a plan
        "/v1/plans/x.geojson",  # its route
        "/v1/plans/x.ics",  # its calendar
        "/v1/reps/r17/plans/2026-11-27",  # a rep's latest
    ],
)
def test_reads_without_a_key_are_401_asking_for_a_bearer_key(api, path):
    r = httpx.get(api.url + path)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["code"] == "unauthorized"


def test_a_wrong_or_malformed_key_is_401(api, small_problem_doc):
    for header in ("Bearer irk_not-a-key", "Basic dXNlcjpwYXNz", "irk_no_scheme"):
        r = httpx.post(
            api.url + "/v1/plans", json=small_problem_doc, headers={"Authorization": header}
        )
        assert r.status_code == 401, header


def test_a_revoked_key_is_401_from_then_on(api):
    keys = KeyStore(api.store.engine)
    key_id, key = keys.create("crm")
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(api.url + "/v1/plans/x", headers=headers).status_code == 404
    assert keys.revoke(key_id)
    deadline = time.monotonic() + 10  # the server remembers live keys for key_cache_ttl_s
    while httpx.get(api.url + "/v1/plans/x", headers=headers).status_code != 401:
        assert time.monotonic() < deadline, "the revoked key still works"
        time.sleep(0.1)
    assert not keys.revoke(key_id)


def test_the_key_cache_forgets_a_key_after_its_ttl(api):
    keys = KeyStore(api.store.engine)
    key_id, key = keys.create("manager")
    now = [100.0]
    cache = CachedKeys(keys, ttl_s=5, clock=lambda: now[0])
    assert cache.cached(key) is None  # never seen
    assert cache.authenticate(key).role == "manager"
    keys.revoke(key_id)
    now[0] += 4.9
    assert cache.cached(key) is not None  # still remembered
    now[0] += 0.2
    assert cache.cached(key) is None and cache.authenticate(key) is None
    assert CachedKeys(keys, ttl_s=0).authenticate("irk_unknown") is None


def test_only_the_digest_of_a_key_is_stored(api):
    with api.store.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(api_keys.select())]
    flat = " ".join(str(v) for row in stored for v in row)
    for key in api.keys.values():
        assert key not in flat
        assert digest(key) in flat


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("crm", 200),  # crm may do all
        ("manager", 403),  # managers balance and read, they do not create plans
        ("rep", 403),  # reps only read
    ],
)
def test_only_crm_keys_create_plans(api, small_problem_doc, who, expected):
    status = _status(
        api, who, "POST", "/v1/plans", params={"dry_run": "true"}, json=small_problem_doc
    )
    assert status == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("crm", 200),  # reads every plan
        ("manager", 200),  # reads every plan
        ("rep", 200),  # r17's own plan
        ("other_rep", 403),  # r99 may not read r17's plan
    ],
)
@pytest.mark.parametrize("suffix", ["", ".geojson", ".ics"])
def test_who_may_read_a_plan(api, stored_plan_id, who, expected, suffix):
    assert _status(api, who, "GET", f"/v1/plans/{stored_plan_id}{suffix}") == expected


@pytest.mark.parametrize(
    ("who", "rep", "expected"),
    [
        ("crm", "r17", 200),  # any rep
        ("manager", "r17", 200),  # any rep
        ("rep", "r17", 200),  # its own day
        ("rep", "r99", 403),  # another rep's day, even one with no plan
        ("other_rep", "r17", 403),  # another rep's day
    ],
)
def test_who_may_read_a_reps_latest_plan(api, stored_plan_id, who, rep, expected):
    assert _status(api, who, "GET", f"/v1/reps/{rep}/plans/2026-11-27") == expected


def test_the_403_body_says_what_the_role_may_not_do(api, small_problem_doc):
    with api.client("manager") as c:
        r = c.post("/v1/plans", json=small_problem_doc)
    assert r.status_code == 403
    assert r.json() == {
        "code": "forbidden",
        "message": "a manager key may not create plans (allowed: crm)",
        "details": [],
    }


def test_probes_and_metrics_need_no_key(api):
    for path in ("/healthz", "/readyz", "/metrics"):
        assert httpx.get(api.url + path).status_code == 200, path
