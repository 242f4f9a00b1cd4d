"""Re-plans over real HTTP: a new linked version, the rep's latest, the calendar that follows
it, every version readable, bad changes 422 with nothing stored."""

from __future__ import annotations

from typing import Any

from icalendar import Calendar

from api.documents.plan import DayPlanOut
from tests.conftest import assert_plan_valid


def _morning(api, problem: dict[str, Any]) -> dict[str, Any]:
    with api.client("crm") as c:
        r = c.post("/v1/plans", json=problem)
    assert r.status_code == 201, r.text
    return r.json()


def _changes(plan: dict[str, Any], **more: Any) -> dict[str, Any]:
    visits = [s for s in plan["stops"] if s["type"] == "visit"]
    return {"now": visits[1]["start"], "position": visits[1]["location"], **more}


def test_a_replan_is_stored_as_the_next_version_and_becomes_the_reps_latest(api, small_problem_doc):
    morning = _morning(api, small_problem_doc)
    visits = [s["lead_id"] for s in morning["stops"] if s["type"] == "visit"]
    with api.client("crm") as c:
        r = c.post(
            f"/v1/plans/{morning['plan_id']}/replan",
            json=_changes(morning, cancelled=[visits[-1]]),
        )
        assert r.status_code == 201, r.text
        v2 = r.json()
        assert r.headers["location"] == f"/v1/plans/{v2['plan_id']}"
        DayPlanOut.model_validate(v2)
        assert v2["version"] == 2 and v2["previous_plan_id"] == morning["plan_id"]
        assert_plan_valid(api.store.get_problem(v2["plan_id"]), v2)  # the rest of the day
        assert c.get("/v1/reps/r17/plans/2026-11-27").json() == v2
        assert c.get(f"/v1/plans/{morning['plan_id']}").json() == morning  # still readable
        versions = c.get(f"/v1/plans/{v2['plan_id']}/versions").json()
        assert [v["plan_id"] for v in versions] == [morning["plan_id"], v2["plan_id"]]
        ics = Calendar.from_ical(c.get("/v1/reps/r17/plans/2026-11-27.ics").content)
        uids = [str(e["uid"]) for e in ics.walk("VEVENT")]
        assert f"r17-2026-11-27-visit-{visits[0]}@ironroute" in uids  # a stop made
        assert f"r17-2026-11-27-visit-{visits[-1]}@ironroute" not in uids  # cancelled
        # an older version cannot be re-planned again: the day has moved on
        old = c.post(f"/v1/plans/{morning['plan_id']}/replan", json=_changes(morning))
        assert old.status_code == 409


def test_a_bad_change_is_422_naming_the_field_and_nothing_is_stored(api, small_problem_doc):
    morning = _morning(api, small_problem_doc)
    before = api.store.count_plans()
    with api.client("crm") as c:
        for body, field in (
            (_changes(morning, cancelled=["NOPE"]), "cancelled[0]"),
            ({**_changes(morning), "now": "not a time"}, "now"),
            ({"position": {"lat": 40, "lon": 116}}, "now"),
        ):
            r = c.post(f"/v1/plans/{morning['plan_id']}/replan", json=body)
            assert r.status_code == 422, r.text
            assert field in [d["field"] for d in r.json()["details"]], r.json()
    assert api.store.count_plans() == before
