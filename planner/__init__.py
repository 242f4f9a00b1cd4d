"""ironroute's planner: the day problem and plan, and the daily route optimizer."""

from planner.errors import PlannerError, ProblemError, SolverError
from planner.plan import DayPlan, Issue, Stop, Totals, Unvisited
from planner.problem import (
    DEFAULT_SERVICE_MIN,
    DEFAULT_SWEEP_MIN,
    DEFAULT_WINDOW,
    MAX_LEADS,
    Building,
    DayProblem,
    Lead,
    Lunch,
    Options,
    Rep,
    Rules,
    format_hhmm,
    parse_hhmm,
)
from planner.search import DEFAULT_SETUP, SearchSetup
from planner.solve import SolveSettings, solve

__all__ = [
    "DEFAULT_SERVICE_MIN",
    "DEFAULT_SETUP",
    "DEFAULT_SWEEP_MIN",
    "DEFAULT_WINDOW",
    "MAX_LEADS",
    "Building",
    "DayPlan",
    "DayProblem",
    "Issue",
    "Lead",
    "Lunch",
    "Options",
    "PlannerError",
    "ProblemError",
    "Rep",
    "Rules",
    "SearchSetup",
    "SolveSettings",
    "SolverError",
    "Stop",
    "Totals",
    "Unvisited",
    "format_hhmm",
    "parse_hhmm",
    "solve",
]
