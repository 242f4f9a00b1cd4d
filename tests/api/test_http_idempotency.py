"""Idempotency-Key: a retry returns the stored answer; another body is 422; 409 meanwhile."""

from __future__ import annotations

import copy
import threading
import time
import uuid

from sqlalchemy import select

from api.store.keys import KeyStore
from api.store.tables import idempotency
from tests.conftest import assert_plan_valid


def _post(api, problem, key: str, who: str = "crm", **kw):
    with api.client(who) as c:
        return c.post("/v1/plans", json=problem, headers={"Idempotency-Key": key}, **kw)


def test_a_retry_with_the_same_key_gets_the_stored_answer_without_solving_again(
    api, small_problem_doc
):
    key = str(uuid.uuid4())
    before = api.store.count_plans()
    first = _post(api, small_problem_doc, key)
    assert first.status_code == 201
    again = _post(api, small_problem_doc, key)
    assert again.status_code == 201
    assert again.content == first.content  # byte for byte, same plan_id
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert api.store.count_plans() == before + 1
    assert_plan_valid(small_problem_doc, again.json())


def test_the_same_key_with_another_body_is_422(api, small_problem_doc):
    key = str(uuid.uuid4())
    assert _post(api, small_problem_doc, key).status_code == 201
    changed = copy.deepcopy(small_problem_doc)
    changed["leads"][2]["value"] = 21
    r = _post(api, changed, key)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "idempotency_key_reused"
    assert body["details"][0]["field"] == "header.idempotency-key"
    # a dry run is another request too
    r = _post(api, small_problem_doc, key, params={"dry_run": "true"})
    assert r.status_code == 422


def test_a_retry_while_the_first_call_is_solving_gets_409(api, small_problem_doc):
    key = str(uuid.uuid4())
    slow = copy.deepcopy(small_problem_doc)
    slow["options"] = {"time_limit_s": 1.0}
    answers = {}
    first = threading.Thread(target=lambda: answers.update(first=_post(api, slow, key)))
    first.start()
    query = select(idempotency.c.state).where(idempotency.c.key == key)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with api.store.engine.connect() as conn:
            if conn.execute(query).scalar_one_or_none() == "pending":
                break
        time.sleep(0.01)
    retry = _post(api, slow, key)
    first.join()
    assert retry.status_code == 409, retry.text
    assert retry.json()["code"] == "idempotency_in_progress"
    assert retry.headers["retry-after"] == "1"
    assert answers["first"].status_code == 201
    later = _post(api, slow, key)
    assert later.status_code == 201 and later.content == answers["first"].content


def test_keys_are_scoped_to_the_api_key_that_used_them(api, small_problem_doc):
    key = str(uuid.uuid4())
    _, other_crm = KeyStore(api.store.engine).create("crm", name="second CRM")
    mine = _post(api, small_problem_doc, key)
    with api.client(None) as c:
        theirs = c.post(
            "/v1/plans",
            json=small_problem_doc,
            headers={"Idempotency-Key": key, "Authorization": f"Bearer {other_crm}"},
        )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["plan_id"] != theirs.json()["plan_id"]


def test_a_dry_run_with_a_key_replays_its_200(api, small_problem_doc):
    key = str(uuid.uuid4())
    first = _post(api, small_problem_doc, key, params={"dry_run": "true"})
    again = _post(api, small_problem_doc, key, params={"dry_run": "true"})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again.json()["plan_id"] is None


def test_an_invalid_body_does_not_claim_the_key(api, small_problem_doc):
    key = str(uuid.uuid4())
    bad = copy.deepcopy(small_problem_doc)
    bad["leads"][0]["location"]["lat"] = 91
    assert _post(api, bad, key).status_code == 422
    assert _post(api, small_problem_doc, key).status_code == 201
