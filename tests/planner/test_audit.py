"""The visit audit on hand-made records (each rule alone) and on generated days."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from geo import LatLon
from planner.audit import LeadPlace, RepDay, Thresholds, VisitRecord, audit, risk_sample
from planner.errors import ProblemError

TZ = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2026, 11, 27)
L1 = LatLon(39.990000, 116.470000)
L2 = LatLon(39.995000, 116.470000)  # 556 m north of L1
L3 = LatLon(39.930000, 116.470000)  # 6.7 km south of L1


def at(hhmm: str) -> dt.datetime:
    h, m = hhmm.split(":")
    return dt.datetime(2026, 11, 27, int(h), int(m), tzinfo=TZ)


def record(rid: str, lead: str, where: LatLon, t_in: str, t_out: str, **kw: object) -> VisitRecord:
    fields: dict[str, object] = {
        "record_id": rid,
        "rep_id": "r1",
        "lead_id": lead,
        "date": DAY,
        "check_in": at(t_in),
        "check_out": at(t_out),
        "location": where,
        "accuracy_m": 20.0,
        "outcome": "met_staff",
        **kw,
    }
    return VisitRecord(**fields)  # type: ignore[arg-type]


CONTEXT = {
    ("r1", DAY): RepDay(
        rep_id="r1",
        date=DAY,
        leads={
            "L1": LeadPlace(id="L1", location=L1, windows=((540, 1050),)),
            "L2": LeadPlace(id="L2", location=L2, windows=((540, 1050),)),
            "L3": LeadPlace(id="L3", location=L3, windows=((840, 900),)),
        },
    )
}


def codes(records: list[VisitRecord], **kw: object) -> dict[str, list[str]]:
    report = audit(records, CONTEXT, **kw)  # type: ignore[arg-type]
    return {a.record_id: [f.code for f in a.flags] for a in report.records}


def test_an_honest_pair_of_visits_raises_no_flag():
    got = codes(
        [
            record("a", "L1", LatLon(39.990101, 116.470102), "09:30", "10:05"),
            record("b", "L2", LatLon(39.994951, 116.469931), "10:20", "10:51"),
        ]
    )
    assert got == {"a": [], "b": []}


def test_a_check_in_far_beyond_accuracy_and_tolerance_is_flagged_with_its_distance():
    r = record("a", "L1", LatLon(39.992000, 116.470000), "09:30", "10:00")  # 222 m away
    report = audit([r], CONTEXT)
    (flag,) = report.records[0].flags
    assert flag.code == "far_from_lead"
    assert flag.evidence["allowed_m"] == 170.0
    assert 220 < float(flag.evidence["distance_m"] or 0) < 225
    far = dataclasses.replace(r, location=LatLon(40.010000, 116.470000))  # 2.2 km
    assert codes([far]) == {"a": ["far_from_lead_strong"]}


def test_travel_faster_than_any_mode_allows_is_impossible():
    got = codes(
        [
            record("a", "L1", L1, "14:00", "14:10"),
            record("b", "L3", L3, "14:15", "14:45"),  # 6.7 km in 5 minutes
        ]
    )
    assert got["b"] == ["impossible_travel"]


def test_overlapping_visits_flag_both_records():
    got = codes(
        [
            record("a", "L1", L1, "10:00", "10:40"),
            record("b", "L2", L2, "10:20", "10:50"),
        ]
    )
    assert got == {"a": ["overlapping_visits"], "b": ["overlapping_visits"]}


def test_visits_outside_the_working_day_and_the_leads_windows_are_flagged():
    got = codes([record("a", "L3", L3, "07:40", "08:00")])
    assert got["a"] == ["outside_working_day", "outside_lead_window"]


def test_the_same_precise_fix_at_different_leads_is_copied_and_durations_repeat():
    fix = LatLon(39.992345, 116.471234)
    rs = [
        record("a", "L1", fix, "09:30", "10:00"),
        record("b", "L2", fix, "10:30", "11:00"),
        record("c", "L3", fix, "14:10", "14:40"),
    ]
    got = codes(rs)
    for rid in "abc":
        assert "copied_coordinates" in got[rid]
        assert "repeated_durations" in got[rid]
    # coarse fixes (4 decimals) are not evidence of copying
    coarse = [dataclasses.replace(r, location=LatLon(39.9923, 116.4712)) for r in rs]
    assert not any("copied_coordinates" in c for c in codes(coarse).values())


def test_effective_without_a_decision_maker_flags_the_record_and_its_day():
    r = record("a", "L1", L1, "09:30", "10:00", effective=True, outcome="met_staff")
    report = audit([r], CONTEXT)
    assert [f.code for f in report.records[0].flags] == ["effective_without_decision_maker"]
    assert report.records[0].flagged and report.days[0].flagged


def test_weights_and_thresholds_are_configurable():
    r = record("a", "L1", L1, "09:30", "10:00", effective=True, outcome="met_staff")
    th = Thresholds(weights={"effective_without_decision_maker": 10.0})
    report = audit([r], CONTEXT, thresholds=th)
    assert report.records[0].score == 10.0 and not report.days[0].flagged
    with pytest.raises(ProblemError, match="weights.teleport"):
        Thresholds(weights={"teleport": 1.0})


def test_the_sample_is_risk_weighted_and_the_same_for_the_same_seed():
    rs = [
        dataclasses.replace(
            record(f"x{i}", "L1", L1, "09:00", "09:00"),
            check_in=at("09:00") + dt.timedelta(minutes=20 * i),
            check_out=at("09:00") + dt.timedelta(minutes=20 * i + 10, seconds=i),
        )
        for i in range(20)
    ]
    rs[7] = dataclasses.replace(rs[7], effective=True)  # outcome met_staff: risky
    report = audit(rs, CONTEXT, sample_size=5, seed=3)
    assert [a.score for a in report.records].count(0.0) == 19
    again = audit(list(reversed(rs)), CONTEXT, sample_size=5, seed=3)
    assert report.sample == again.sample and len(report.sample) == 5
    hits = sum("x7" in risk_sample(report.records, size=3, seed=s) for s in range(200))
    assert hits > 120  # weight 65 against 19 × 5 (an even draw would pick it 30 times)


def test_records_check_their_own_fields():
    with pytest.raises(ProblemError, match="check_out"):
        record("a", "L1", L1, "10:00", "09:00")
    with pytest.raises(ProblemError, match="building_id"):
        record("a", "L1", L1, "10:00", "10:30", sweep=True)


@pytest.mark.slow
def test_generated_days_are_told_apart():
    """A small replay of bench/audit.py: honest days pass, every fabrication is flagged."""
    from api.documents.day import parse_day_problem
    from planner import SolveSettings, solve
    from planner.audit.simulate import FABRICATIONS, fabricated_day, honest_day
    from planner.demo.branch import day_problems, make_branch

    rng = random.Random(11)
    days = []
    for doc in day_problems(make_branch(seed=11, n_reps=2)):
        doc = {**doc, "options": {"time_limit_s": 0.3, "deterministic": True}}
        problem = parse_day_problem(doc)
        plan = solve(problem, settings=SolveSettings(max_time_limit_s=1.0))
        rep = problem.rep.id
        days += [honest_day(problem, plan, rng, rep_id=f"{rep}~h{k}") for k in range(4)]
        days += [fabricated_day(problem, plan, rng, k, rep_id=f"{rep}~{k}") for k in FABRICATIONS]
    report = audit(
        [r for d in days for r in d.records],
        {(d.context.rep_id, d.context.date): d.context for d in days},
    )
    flagged = {(a.rep_id, a.date): a.flagged for a in report.days}
    for d in days:
        assert flagged[(d.context.rep_id, d.context.date)] == (d.fabrication is not None), d
