"""ironroute's planner: the day problem and plan, the daily route optimizer, and the
territory balancer."""

from planner.allocation import (
    Allocation,
    BalanceMetrics,
    BuildingSplit,
    Overlap,
    RepLoad,
    UnassignedLead,
)
from planner.balance import balance
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
from planner.territory import (
    DEFAULT_EFFORT_MIN,
    DEFAULT_MAX_LEADS,
    DEFAULT_MIN_LEADS,
    DEFAULT_TIME_LIMIT_S,
    BalanceOptions,
    BalanceProblem,
    BalanceWeights,
    PoolLead,
    Site,
    TerritoryRep,
)

__all__ = [
    "DEFAULT_EFFORT_MIN",
    "DEFAULT_MAX_LEADS",
    "DEFAULT_MIN_LEADS",
    "DEFAULT_TIME_LIMIT_S",
    "Allocation",
    "BalanceMetrics",
    "BalanceOptions",
    "BalanceProblem",
    "BalanceWeights",
    "BuildingSplit",
    "Overlap",
    "PoolLead",
    "RepLoad",
    "Site",
    "TerritoryRep",
    "UnassignedLead",
    "balance",
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
