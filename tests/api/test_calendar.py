"""Working days of the urgency rule: China's public holidays and make-up working days from
the `holidays` package, a branch's own overrides on top, and Monday-Friday without them."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from api.documents.branch import parse_branch
from api.documents.calendar import CalendarIn, work_calendar
from api.documents.day import InputError, parse_day_problem
from planner import WorkCalendar
from planner.demo.branch import make_branch
from planner.runs.branch import day_problem


def _next_day(doc: dict[str, Any], day: str, calendar: dict[str, Any] | None = None) -> date:
    doc = copy.deepcopy(doc)
    doc["date"] = day
    if calendar is not None:
        doc["calendar"] = calendar
    return parse_day_problem(doc).next_working_shift().date()


@pytest.mark.parametrize(
    ("day", "calendar", "expected"),
    [
        # an ordinary Friday: Monday
        ("2026-11-27", None, "2026-11-30"),
        # the eve of National Day: the week of 1-7 October is off, Thursday the 8th works
        ("2026-09-30", None, "2026-10-08"),
        # Friday 9 October: Saturday the 10th is a make-up working day
        ("2026-10-09", None, "2026-10-10"),
        # the branch takes the 8th off as well
        ("2026-09-30", {"days_off": ["2026-10-08"]}, "2026-10-09"),
        # the branch works on National Day itself (its own list wins over the public one)
        ("2026-09-30", {"working_days": ["2026-10-01"]}, "2026-10-01"),
        # a branch outside any public calendar: Monday to Friday only
        ("2026-09-30", {"country": "none"}, "2026-10-01"),
        # Spring Festival 2026: 15-23 February off, Saturday the 14th and 28th worked
        ("2026-02-13", None, "2026-02-14"),
    ],
)
def test_the_next_working_day_follows_the_public_calendar_and_the_branch_overrides(
    small_problem_doc: dict[str, Any], day: str, calendar: dict[str, Any] | None, expected: str
) -> None:
    assert _next_day(small_problem_doc, day, calendar) == date.fromisoformat(expected)


def test_a_lead_reclaimed_during_a_holiday_week_is_urgent(
    small_problem_doc: dict[str, Any],
) -> None:
    doc = copy.deepcopy(small_problem_doc)
    doc["date"] = "2026-09-30"
    lead = doc["leads"][0]
    lead["reclaim_at"] = "2026-10-05T12:00:00+08:00"  # a Monday, but inside National Day
    problem = parse_day_problem(doc)
    assert problem.is_urgent(next(x for x in problem.leads if x.id == lead["id"]))
    doc["calendar"] = {"country": "none"}  # Monday-Friday: the 1st works, so not urgent
    problem = parse_day_problem(doc)
    assert not problem.is_urgent(next(x for x in problem.leads if x.id == lead["id"]))


def test_a_branch_calendar_reaches_every_rep_problem() -> None:
    doc = make_branch(seed=21, n_reps=2, leads_per_rep=(5, 6))
    doc["date"] = "2026-09-30"
    doc["calendar"] = {"days_off": ["2026-10-08"]}
    problem = day_problem(parse_branch(doc), 0)
    assert problem.next_working_shift().date() == date(2026, 10, 9)


def test_an_unknown_country_is_an_input_error_naming_the_field(
    small_problem_doc: dict[str, Any],
) -> None:
    doc = {**small_problem_doc, "calendar": {"country": "XX"}}
    with pytest.raises(InputError) as err:
        parse_day_problem(doc)
    assert err.value.errors[0]["field"] == "calendar.country"


def test_a_date_both_off_and_worked_is_refused() -> None:
    with pytest.raises(ValueError, match="both a day off and a working day"):
        WorkCalendar(days_off=(date(2026, 10, 8),), working_days=(date(2026, 10, 8),))


def test_the_public_calendar_covers_the_weeks_after_the_day() -> None:
    got = work_calendar(date(2026, 9, 28), CalendarIn())
    assert date(2026, 10, 1) in got.days_off and date(2026, 10, 10) in got.working_days
    assert all(d >= date(2026, 9, 28) for d in got.days_off)
