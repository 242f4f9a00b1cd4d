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


def _replan(api, plan: dict, changes: dict, key: str):
    with api.client("crm") as c:
        return c.post(
            f"/v1/plans/{plan['plan_id']}/replan", json=changes, headers={"Idempotency-Key": key}
        )


def _morning_and_changes(api, problem) -> tuple[dict, dict]:
    with api.client("crm") as c:
        r = c.post("/v1/plans", json=problem)
    assert r.status_code == 201, r.text
    morning = r.json()
    visits = [s for s in morning["stops"] if s["type"] == "visit"]
    return morning, {"now": visits[1]["start"], "position": visits[1]["location"]}


def test_a_retried_replan_with_the_same_key_gets_the_stored_version(api_on, small_problem_doc):
    morning, changes = _morning_and_changes(api_on, small_problem_doc)
    key = str(uuid.uuid4())
    first = _replan(api_on, morning, changes, key)
    assert first.status_code == 201, first.text
    before = api_on.store.count_plans()
    # the plan is no longer the day's latest, yet the retry answers the stored version
    again = _replan(api_on, morning, changes, key)
    assert again.status_code == 201, again.text
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert api_on.store.count_plans() == before
    # without the key it is a new re-plan of an old version: 409
    with api_on.client("crm") as c:
        assert c.post(f"/v1/plans/{morning['plan_id']}/replan", json=changes).status_code == 409


def test_a_replan_key_reused_with_other_changes_or_another_plan_is_422(api_on, small_problem_doc):
    morning, changes = _morning_and_changes(api_on, small_problem_doc)
    key = str(uuid.uuid4())
    assert _replan(api_on, morning, changes, key).status_code == 201
    visits = [s["lead_id"] for s in morning["stops"] if s["type"] == "visit"]
    other = _replan(api_on, morning, {**changes, "cancelled": [visits[-1]]}, key)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    # the key of a plan's POST is another request too
    with api_on.client("crm") as c:
        r = c.post("/v1/plans", json=small_problem_doc, headers={"Idempotency-Key": key})
    assert r.status_code == 422


def test_a_failed_replan_releases_its_key(api_on, small_problem_doc):
    morning, changes = _morning_and_changes(api_on, small_problem_doc)
    key = str(uuid.uuid4())
    # a bad change is 422 and stores nothing; the key is free again for the fixed request
    bad = _replan(api_on, morning, {**changes, "cancelled": ["NOPE"]}, key)
    assert bad.status_code == 422
    assert bad.json()["code"] != "idempotency_key_reused"
    rows = select(idempotency.c.state).where(idempotency.c.key == key)
    with api_on.store.engine.connect() as conn:
        assert conn.execute(rows).first() is None


def test_two_replans_of_one_version_at_once_one_is_stored_the_other_is_409(
    api_on, small_problem_doc
):
    morning, changes = _morning_and_changes(api_on, small_problem_doc)
    before = api_on.store.count_plans()
    answers: list[int] = []

    def replan() -> None:
        with api_on.client("crm") as c:
            answers.append(
                c.post(f"/v1/plans/{morning['plan_id']}/replan", json=changes).status_code
            )

    threads = [threading.Thread(target=replan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201, 409]
    assert api_on.store.count_plans() == before + 1
    versions = api_on.store.plan_versions(morning["plan_id"])
    assert [v["version"] for v in versions] == [1, 2]
