"""Visit records, the audit and the debrief over real HTTP: roles, idempotency (also for
posts racing on PostgreSQL), 422 naming the field with nothing stored, flags on a fabricated
record, the debrief against the plan."""

from __future__ import annotations

import copy
import threading
from typing import Any

import httpx
import pytest

from api.documents.audit import AuditOut
from api.documents.debrief import DebriefOut
from api.store.visits import VisitStore
from tests.api.conftest import running_api
from tests.api.databases import backend_of

DAY = "2026-12-03"


@pytest.fixture(scope="module")
def planned(api, small_problem_doc) -> dict[str, Any]:
    """A stored plan of r17 on DAY."""
    problem = {**copy.deepcopy(small_problem_doc), "date": DAY}
    with api.client("crm") as c:
        r = c.post("/v1/plans", json=problem)
    assert r.status_code == 201, r.text
    return r.json()


def records_of(plan: dict[str, Any], prefix: str, rep: str = "r17") -> list[dict[str, Any]]:
    """Honest records of a plan: at each visit's place and time, a decision maker met at
    effective leads."""
    out = []
    for k, s in enumerate(x for x in plan["stops"] if x["type"] == "visit"):
        out.append(
            {
                "record_id": f"{prefix}-{k}",
                "rep_id": rep,
                "lead_id": s["lead_id"],
                "date": plan["date"],
                "check_in": s["start"],
                "check_out": s["depart"],
                "location": s["location"],
                "accuracy_m": 15.0 + k,
                "outcome": "met_decision_maker" if s["effective"] else "met_staff",
                "effective": s["effective"],
                "branch_id": "bj-test",
            }
        )
    return out


def test_a_rep_posts_its_visits_and_reads_its_day_back(api, planned):
    records = records_of(planned, "own")
    with api.client("rep") as c:
        for doc in records:
            r = c.post("/v1/visits", json=doc)
            assert r.status_code == 201, r.text
            assert r.json()["crs"] == "wgs84"
        day = c.get(f"/v1/reps/r17/visits/{DAY}")
        assert (
            c.get(f"/v1/visits/{records[0]['record_id']}").json()["lead_id"]
            == records[0]["lead_id"]
        )
    assert day.status_code == 200
    assert [x["record_id"] for x in day.json()["records"]] == [x["record_id"] for x in records]


def test_posting_a_record_again_answers_the_stored_one_and_other_content_is_409(api, planned):
    doc = records_of(planned, "again")[0]
    with api.client("rep") as c:
        first = c.post("/v1/visits", json=doc)
        second = c.post("/v1/visits", json=doc)
        changed = c.post("/v1/visits", json={**doc, "note": "edited"})
    assert first.status_code == 201
    assert second.status_code == 200 and second.headers["idempotent-replayed"] == "true"
    assert second.text == first.text
    assert changed.status_code == 409 and changed.json()["code"] == "record_conflict"


def test_an_idempotency_key_replays_a_record_without_an_id(api, planned):
    doc = records_of(planned, "key")[1]
    del doc["record_id"]
    headers = {"Idempotency-Key": "visit-key-1"}
    with api.client("crm") as c:
        first = c.post("/v1/visits", json=doc, headers=headers)
        second = c.post("/v1/visits", json=doc, headers=headers)
    assert first.status_code == 201 and second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json()["record_id"] == first.json()["record_id"]


def test_a_rep_key_may_not_post_or_read_another_reps_visits(api, planned):
    doc = records_of(planned, "other", rep="r99")[0]
    with api.client("rep") as c:
        assert c.post("/v1/visits", json=doc).status_code == 403
        assert c.get(f"/v1/reps/r99/visits/{DAY}").status_code == 403
        assert c.post("/v1/audits/visits", json={"date": DAY}).status_code == 403
    with api.client("manager") as c:
        assert c.post("/v1/visits", json=doc).status_code == 201


def _race_key(body: dict[str, Any], i: int) -> dict[str, str]:
    """The Idempotency-Key header of the i-th racing post of a record."""
    return {"Idempotency-Key": f"{body['record_id']}-{i}"}


def _race_posts(url: str, key: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """POST every body at once, each on its own open connection with its own Idempotency-Key
    (released together by a barrier); the answers in the order of ``bodies``."""
    barrier = threading.Barrier(len(bodies), timeout=30)
    answers: list[httpx.Response | None] = [None] * len(bodies)
    headers = {"Authorization": f"Bearer {key}"}

    def post(i: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
            c.get("/healthz")  # the connection is open before the race starts
            barrier.wait()
            answers[i] = c.post("/v1/visits", json=bodies[i], headers=_race_key(bodies[i], i))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is not None for a in answers), "a racing post did not answer"
    return [a for a in answers if a is not None]


@pytest.mark.parametrize(
    "notes",
    [
        ["same"] * 8,  # eight posts of one record: one stores it, seven are replays
        ["first", "second"] * 4,  # two contents under one id: the other content is a conflict
    ],
)
def test_posts_of_one_record_id_racing_answer_like_sequential_posts_and_store_it_once(
    db_url, notes
):
    if backend_of(db_url) == "sqlite":
        pytest.skip("SQLite serialises writers: no two transactions write at once")
    with running_api(db_url, solver_workers=1) as api:
        for round_ in range(5):  # a few rounds: each is one chance for the race
            record_id = f"race-{round_}"
            bodies = [
                {
                    "record_id": record_id,
                    "rep_id": "r17",
                    "lead_id": "L1",
                    "date": DAY,
                    "check_in": f"{DAY}T09:00:00+08:00",
                    "check_out": f"{DAY}T09:30:00+08:00",
                    "location": {"lat": 39.99, "lon": 116.47},
                    "accuracy_m": 10.0,
                    "outcome": "met_staff",
                    "note": note,
                }
                for note in notes
            ]
            answers = _race_posts(api.url, api.keys["crm"], bodies)
            statuses = [a.status_code for a in answers]
            assert 500 not in statuses, [a.text for a in answers if a.status_code == 500]
            assert statuses.count(201) == 1, [(a.status_code, a.text) for a in answers]
            winner = answers[statuses.index(201)]
            stored = VisitStore(api.store).of_day(DAY)
            assert [r for r in stored if r["record_id"] == record_id] == [winner.json()]
            for body, answer in zip(bodies, answers, strict=True):
                if answer is winner:
                    continue
                if body["note"] == winner.json()["note"]:  # a replay, as a repeated post is
                    assert answer.status_code == 200, answer.text
                    assert answer.headers["idempotent-replayed"] == "true"
                    assert answer.text == winner.text
                else:  # other content under a stored id
                    assert answer.status_code == 409, answer.text
                    assert answer.json()["code"] == "record_conflict"
            # each key answers its retry as it answered the post (a 409 released its key)
            with api.client("crm") as c:
                for i, (body, answer) in enumerate(zip(bodies, answers, strict=True)):
                    again = c.post("/v1/visits", json=body, headers=_race_key(body, i))
                    assert (again.status_code, again.text) == (answer.status_code, answer.text)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"check_out": "2026-12-03T08:00:00+08:00"}, "check_out"),  # before check-in
        ({"check_in": "2026-12-03T09:00:00"}, "check_in"),  # no UTC offset
        ({"outcome": "met_the_cat"}, "outcome"),  # unknown outcome
        ({"location": {"lat": 91, "lon": 116.4}}, "location.lat"),  # latitude out of range
        ({"accuracy_m": -1}, "accuracy_m"),  # negative accuracy
        ({"date": "2026-12-04"}, "date"),  # check-in on another day
        ({"lead_id": None}, "lead_id"),  # a visit names its lead
        ({"sweep": True, "building_id": None}, "building_id"),  # a sweep names its building
        ({"colour": "red"}, "colour"),  # unknown field
    ],
)
def test_a_bad_record_is_422_naming_the_field_and_nothing_is_stored(api, planned, change, field):
    doc = {**records_of(planned, f"bad-{field}")[0], **change}
    with api.client("crm") as c:
        r = c.post("/v1/visits", json=doc)
        assert r.status_code == 422, r.text
        assert field in [d["field"] for d in r.json()["details"]], r.json()
        assert c.get(f"/v1/visits/{doc['record_id']}").status_code == 404


def test_the_audit_flags_a_fabricated_record_with_evidence_and_draws_a_seeded_sample(api, planned):
    honest = records_of(planned, "aud", rep="r55")
    fake = copy.deepcopy(honest[-1])
    fake.update(record_id="aud-fake", effective=True, outcome="not_in")
    fake["location"] = {"lat": fake["location"]["lat"] + 0.03, "lon": fake["location"]["lon"]}
    honest[-1] = fake
    with api.client("crm") as c:
        for doc in honest:
            assert c.post("/v1/visits", json=doc).status_code == 201
        body = {"date": DAY, "rep_ids": ["r55"], "sample": {"size": 2, "seed": 5}}
        r = c.post("/v1/audits/visits", json=body)
        again = c.post("/v1/audits/visits", json=body)
        bad = c.post("/v1/audits/visits", json={**body, "thresholds": {"travel_slack": 2}})
    assert r.status_code == 200, r.text
    doc = AuditOut.model_validate(r.json())
    flags = {x.record_id: [f.code for f in x.flags] for x in doc.records}
    # r55 has no plan of its own: places unknown, the fabricated claims still show
    assert "effective_without_decision_maker" in flags["aud-fake"]
    assert doc.days[0].flagged and doc.thresholds["day_threshold"] == 60
    assert again.json()["sample"] == r.json()["sample"] and len(doc.sample) == 2
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "thresholds.travel_slack"


def test_the_audit_checks_places_against_the_reps_plan(api, planned):
    fake = records_of(planned, "far")[0]
    fake["rep_id"] = "r17"
    fake["location"] = {"lat": fake["location"]["lat"] + 0.02, "lon": fake["location"]["lon"]}
    with api.client("crm") as c:
        assert c.post("/v1/visits", json=fake).status_code == 201
        r = c.post("/v1/audits/visits", json={"date": DAY, "rep_ids": ["r17"]})
    record = next(x for x in r.json()["records"] if x["record_id"] == "far-0")
    (flag,) = [f for f in record["flags"] if f["code"].startswith("far_from_lead")]
    assert flag["code"] == "far_from_lead_strong" and flag["evidence"]["distance_m"] > 2000


def test_the_debrief_compares_plan_and_reports_per_rep(api, planned):
    with api.client("manager") as c:
        r = c.get(f"/v1/branches/bj-test/debrief/{DAY}")
        missing = c.get(f"/v1/branches/nowhere/debrief/{DAY}")
    assert r.status_code == 200, r.text
    doc = DebriefOut.model_validate(r.json())
    rows = {x.rep_id: x for g in doc.groups for x in g.reps}
    r17 = rows["r17"]
    assert r17.plan_id is not None and r17.planned is not None
    assert r17.planned.visits == planned["totals"]["visits"]
    assert r17.actual.visits >= r17.planned.visits
    assert r17.actual.on_time >= r17.planned.visits - 1
    assert sum(r17.misses.values()) == len(r17.missed)
    assert rows["r99"].planned is None  # a rep with records but no plan
    assert missing.status_code == 404


def test_a_day_that_is_not_yyyy_mm_dd_is_422(api):
    with api.client("crm") as c:
        for day in ("0", "2026-02-30"):  # a Unix timestamp; no such day
            r = c.get(f"/v1/reps/r17/visits/{day}")
            assert r.status_code == 422 and r.json()["details"][0]["field"] == "path.date"
