"""Day routing: one rep's day problem, the OR-Tools route optimizer and the day plan it answers.

``objective`` holds the day plan's priorities; every evaluator (the routing model, ruin and
recreate, the re-timing repair) weighs a plan through it.
"""

from planner.routing.plan import RULE_CODES, DayPlan, Issue, Stop, Totals, Unvisited
from planner.routing.problem import DayProblem, Lead, Rep, WorkCalendar
from planner.routing.replan import Changes, Overrun, PlanSoFar, RemovedWindow, Replanned, replan
from planner.routing.search_setup import DEFAULT_SETUP, SearchSetup
from planner.routing.solve import DEFAULT_TIME_LIMIT_S, SolveSettings, solve

__all__ = [
    "Changes",
    "DEFAULT_SETUP",
    "DEFAULT_TIME_LIMIT_S",
    "RULE_CODES",
    "DayPlan",
    "DayProblem",
    "Issue",
    "Lead",
    "Overrun",
    "PlanSoFar",
    "RemovedWindow",
    "Replanned",
    "Rep",
    "SearchSetup",
    "SolveSettings",
    "Stop",
    "Totals",
    "Unvisited",
    "WorkCalendar",
    "replan",
    "solve",
]
