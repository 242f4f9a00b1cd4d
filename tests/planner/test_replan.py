"""Re-plans replayed on generated days: at 10:00, 12:30 and 15:00, with each kind of change,
the rest of the day passes the day-plan checker against its own day problem, the stops
already made are kept as they happened, and a re-plan with no change keeps the plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

import pytest

from api.documents.day import parse_day_problem
from api.documents.replan import parse_changes, plan_so_far, problem_document
from planner import ProblemError, solve
from planner.demo.branch import day_problems, make_branch
from planner.routing import replan
from tests.conftest import assert_plan_valid

TIMES = ("10:00", "12:30", "15:00")


@cache
def _day(k: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A generated rep-day (deterministic search) and its morning plan."""
    doc = day_problems(make_branch(seed=11, n_reps=2))[k]
    doc["options"] = {"deterministic": True}
    return doc, solve(parse_day_problem(doc), plan_id=f"morning-{k}").to_dict()


def _at(day: dict[str, Any], plan: dict[str, Any], hhmm: str) -> tuple[str, dict[str, Any]]:
    """The instant ``hhmm`` and where the plan has the rep then (the last stop reached)."""
    now = datetime.fromisoformat(f"{day['date']}T{hhmm}:00+08:00")
    where = plan["stops"][0]
    for s in plan["stops"][1:-1]:
        if datetime.fromisoformat(s["arrive"]) <= now:
            where = s
    return now.isoformat(), where


def _replan(day: dict[str, Any], plan: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = replan(parse_day_problem(day), plan_so_far(plan), parse_changes(changes), plan_id="v2")
    doc = out.plan.to_dict()
    assert_plan_valid(problem_document(out.problem), doc)
    return doc


def _made(plan: dict[str, Any], now: str) -> list[tuple[str, str | None]]:
    """The stops of ``plan`` started by ``now`` (start left out)."""
    t = datetime.fromisoformat(now)
    return [
        (s["type"], s.get("lead_id") or s.get("building_id"))
        for s in plan["stops"][1:-1]
        if datetime.fromisoformat(s["start"]) <= t
    ]


def _keys(stops: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(s["type"], s.get("lead_id") or s.get("building_id")) for s in stops]


def _upcoming(plan: dict[str, Any], now: str) -> list[dict[str, Any]]:
    t = datetime.fromisoformat(now)
    return [
        s
        for s in plan["stops"]
        if s["type"] == "visit" and datetime.fromisoformat(s["start"]) > t + timedelta(minutes=5)
    ]


@pytest.mark.parametrize("k", [0, 1])  # two generated reps
@pytest.mark.parametrize("hhmm", TIMES)
def test_a_replan_with_no_change_returns_the_same_stops_and_times(k: int, hhmm: str) -> None:
    day, plan = _day(k)
    now, where = _at(day, plan, hhmm)
    new = _replan(day, plan, {"now": now, "position": where["location"]})
    made, rest = new["done"], new["stops"]
    # the stops made, then the rest: exactly the morning's stops and times
    assert _strip(made[1:] + rest[1:]) == _strip(plan["stops"][1:])
    assert made[0]["depart"] == plan["stops"][0]["depart"]
    assert not new["replan"]["moved"] and not new["replan"]["added"]
    assert not new["replan"]["dropped"]
    assert new["version"] == 2 and new["previous_plan_id"] == plan["plan_id"]


def _strip(stops: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (s["type"], s.get("lead_id") or s.get("building_id"), s.get("arrive"), s.get("start"))
        for s in stops
    ]


def _cancel(plan: dict[str, Any], now: str, where: dict[str, Any]) -> dict[str, Any]:
    nxt = _upcoming(plan, now)
    return {"now": now, "position": where["location"], "cancelled": [nxt[0]["lead_id"]]}


def _overrun(plan: dict[str, Any], now: str, where: dict[str, Any]) -> dict[str, Any]:
    visits = [s for s in plan["stops"] if s["type"] == "visit"]
    t = datetime.fromisoformat(now)
    last = [s for s in visits if datetime.fromisoformat(s["start"]) <= t][-1]
    return {
        "now": now,
        "position": last["location"],
        "overruns": [{"lead_id": last["lead_id"], "minutes": 25}],
    }


def _new_lead(plan: dict[str, Any], now: str, where: dict[str, Any]) -> dict[str, Any]:
    loc = where["location"]
    hot = {
        "id": "HOT1",
        "location": {"lat": loc["lat"] + 0.01, "lon": loc["lon"] + 0.01},
        "kind": "follow_up",
        "value": 95,
        "effective": True,
    }
    return {"now": now, "position": loc, "new_leads": [hot]}


def _no_window(plan: dict[str, Any], now: str, where: dict[str, Any]) -> dict[str, Any]:
    nxt = _upcoming(plan, now)[-1]
    start = datetime.fromisoformat(nxt["start"])
    window = [(start - timedelta(minutes=20)).strftime("%H:%M"), start.strftime("%H:%M")]
    window[1] = (start + timedelta(minutes=20)).strftime("%H:%M")
    return {
        "now": now,
        "position": where["location"],
        "removed_windows": [{"lead_id": nxt["lead_id"], "window": window}],
    }


def _late(plan: dict[str, Any], now: str, where: dict[str, Any]) -> dict[str, Any]:
    """The rep is somewhere else, 20 minutes behind."""
    later = datetime.fromisoformat(now) + timedelta(minutes=20)
    loc = where["location"]
    return {"now": later.isoformat(), "position": {"lat": loc["lat"] - 0.02, "lon": loc["lon"]}}


CHANGES = {
    "cancelled": _cancel,  # the next visit is cancelled
    "overrun": _overrun,  # the visit under way runs 25 minutes long
    "new_lead": _new_lead,  # a hot lead calls, 1.4 km away
    "window_removed": _no_window,  # the last visit's time is no longer possible
    "late": _late,  # the rep is 2 km off the route and 20 minutes late
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
@pytest.mark.parametrize("hhmm", TIMES)
def test_a_replan_after_a_change_holds_for_the_rest_of_the_day_and_keeps_the_stops_made(
    kind: str, hhmm: str
) -> None:
    day, plan = _day(0)
    now, where = _at(day, plan, hhmm)
    changes = CHANGES[kind](plan, now, where)
    new = _replan(day, plan, changes)  # checked against the rest-of-day problem
    made = _made(plan, changes["now"])
    if kind == "overrun":  # a break after the visit that ran long is pushed past now
        made = made[: made.index(("visit", changes["overruns"][0]["lead_id"])) + 1]
    done = _keys(new["done"][1:])
    assert done[: len(made)] == made  # every stop started by now stays, in order
    rest = {k for k in _keys(new["stops"])}
    assert not rest & set(done)
    diff = new["replan"]
    if kind == "cancelled":
        gone = changes["cancelled"][0]
        assert {"type": "visit", "lead_id": gone} in [
            {k: d.get(k) for k in ("type", "lead_id")} for d in diff["dropped"]
        ]
        assert all(d["reason"] == "cancelled" for d in diff["dropped"] if d.get("lead_id") == gone)
        assert ("visit", gone) not in rest
    if kind == "overrun":
        lead = changes["overruns"][0]["lead_id"]
        mine = next(s for s in new["done"] if s.get("lead_id") == lead)
        was = next(s for s in plan["stops"] if s.get("lead_id") == lead)
        longer = datetime.fromisoformat(mine["depart"]) - datetime.fromisoformat(was["depart"])
        assert longer == timedelta(minutes=25)
        assert all(m["reason"] == "overrun" for m in diff["moved"] if m["after"] > m["before"])
    if kind == "new_lead" and ("visit", "HOT1") in rest:
        assert {"type": "visit", "lead_id": "HOT1"} in [
            {k: a.get(k) for k in ("type", "lead_id")} for a in diff["added"]
        ]
    if kind == "window_removed":
        lead = changes["removed_windows"][0]["lead_id"]
        if ("visit", lead) in rest:
            start = next(s for s in new["stops"] if s.get("lead_id") == lead)["start"]
            a, z = changes["removed_windows"][0]["window"]
            assert not (a < start[11:16] < z)
    # every stop of the plan revised not made yet is accounted for exactly once
    listed = [
        (d["type"], d.get("lead_id") or d.get("building_id"))
        for kind_ in ("kept", "moved", "dropped")
        for d in diff[kind_]
    ]
    before = [k for k in _keys(plan["stops"][1:-1]) if k[0] != "break" and k not in set(done)]
    assert sorted(listed) == sorted(before)


def test_a_replan_of_a_replan_carries_the_stops_made_forward() -> None:
    day, plan = _day(1)
    now, where = _at(day, plan, "10:00")
    out = replan(
        parse_day_problem(day),
        plan_so_far(plan),
        parse_changes({"now": now, "position": where["location"]}),
        plan_id="v2",
    )
    v2, rest = out.plan.to_dict(), problem_document(out.problem)
    now, where = _at(day, plan, "15:00")
    cancel = _cancel(plan, now, where)
    v3 = _replan(rest, v2, cancel)
    assert v3["version"] == 3 and v3["previous_plan_id"] == "v2"
    assert _keys(v3["done"][: len(v2["done"])]) == _keys(v2["done"])
    assert _keys(v3["done"][1:])[: len(_made(plan, now))] == _made(plan, now)


def test_a_replan_keeps_the_branch_sweep_split_and_the_working_days() -> None:
    day, _ = _day(0)
    day = {
        **day,
        "calendar": {"country": "CN", "days_off": ["2026-11-30"]},
        "skipped_sweeps": [
            {"building_id": b["id"], "reason": "swept_by_other_rep"} for b in day["buildings"]
        ],
    }
    plan = solve(parse_day_problem(day), plan_id="morning").to_dict()
    assert plan["totals"]["sweeps"] == 0
    now, where = _at(day, plan, "12:30")
    out = replan(
        parse_day_problem(day),
        plan_so_far(plan),
        parse_changes({"now": now, "position": where["location"]}),
        plan_id="v2",
    )
    rest = problem_document(out.problem)
    assert {s["building_id"] for s in rest["skipped_sweeps"]} == {
        b["id"] for b in rest["buildings"]
    }
    assert out.problem.calendar == parse_day_problem(day).calendar
    assert parse_day_problem(rest).calendar == out.problem.calendar
    assert not [s for s in out.plan.to_dict()["stops"] if s["type"] == "sweep"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cancelled": ["NOPE"]}, "cancelled[0]"),  # an unknown lead
        ({"overruns": [{"lead_id": "NOPE", "minutes": 5}]}, "overruns[0]"),  # not a stop
        ({"new_leads": [{"id": "L0001", "location": {"lat": 40, "lon": 116.5}}]},
         "new_leads[0].id"),  # a lead id already in the day
        ({"removed_windows": [{"lead_id": "NOPE", "window": ["10:00", "11:00"]}]},
         "removed_windows[0].lead_id"),  # an unknown lead
    ],
)  # fmt: skip
def test_a_bad_change_names_its_field(changes: dict[str, Any], field: str) -> None:
    day, plan = _day(0)
    now, where = _at(day, plan, "12:30")
    doc = {"now": now, "position": where["location"], **changes}
    with pytest.raises(ProblemError) as err:
        replan(parse_day_problem(day), plan_so_far(plan), parse_changes(doc))
    assert err.value.field == field


def test_a_replan_after_return_by_is_refused() -> None:
    day, plan = _day(0)
    doc = {"now": f"{day['date']}T18:30:00+08:00", "position": day["rep"]["start"]}
    with pytest.raises(ProblemError) as err:
        replan(parse_day_problem(day), plan_so_far(plan), parse_changes(doc))
    assert err.value.field == "now"
