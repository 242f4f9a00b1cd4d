"""ironroute's planner: the day problem and plan, the daily route optimizer, and the
territory balancer.

The day planner's names load with the package; the balancer's and the batch runner's
(OR-Tools CP-SAT, the executors' protocol) load on first use (PEP 562), so a plan imports
neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.lazy import lazy_exports
from planner.errors import PlannerError, ProblemError, SolverError
from planner.routing.plan import DayPlan, Issue, Stop, Totals, Unvisited
from planner.routing.problem import (
    DEFAULT_SERVICE_MIN,
    DEFAULT_SWEEP_MIN,
    DEFAULT_TIMEZONE,
    DEFAULT_WINDOW,
    MAX_LEADS,
    Building,
    DayProblem,
    Lead,
    Lunch,
    Options,
    Rep,
    Rules,
    SkippedSweep,
    WorkCalendar,
    format_hhmm,
    parse_hhmm,
)
from planner.routing.search_setup import DEFAULT_SETUP, SearchSetup
from planner.routing.solve import SolveSettings, solve

if TYPE_CHECKING:
    from planner.runs.batch import (
        BatchError,
        Branch,
        BranchRep,
        RepFailure,
        RunConflictError,
        RunReport,
        RunStore,
        run_branch,
    )
    from planner.territory.allocation import (
        Allocation,
        BalanceMetrics,
        BuildingSplit,
        Overlap,
        RepLoad,
        UnassignedLead,
    )
    from planner.territory.balance import balance
    from planner.territory.problem import (
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

# name -> the module that defines it, imported on first access
_LAZY = {
    "BatchError": "planner.runs.batch",
    "Branch": "planner.runs.batch",
    "BranchRep": "planner.runs.batch",
    "RepFailure": "planner.runs.batch",
    "RunConflictError": "planner.runs.batch",
    "RunReport": "planner.runs.batch",
    "RunStore": "planner.runs.batch",
    "run_branch": "planner.runs.batch",
    "Allocation": "planner.territory.allocation",
    "BalanceMetrics": "planner.territory.allocation",
    "BuildingSplit": "planner.territory.allocation",
    "Overlap": "planner.territory.allocation",
    "RepLoad": "planner.territory.allocation",
    "UnassignedLead": "planner.territory.allocation",
    "balance": "planner.territory.balance",
    "DEFAULT_EFFORT_MIN": "planner.territory.problem",
    "DEFAULT_MAX_LEADS": "planner.territory.problem",
    "DEFAULT_MIN_LEADS": "planner.territory.problem",
    "DEFAULT_TIME_LIMIT_S": "planner.territory.problem",
    "BalanceOptions": "planner.territory.problem",
    "BalanceProblem": "planner.territory.problem",
    "BalanceWeights": "planner.territory.problem",
    "PoolLead": "planner.territory.problem",
    "Site": "planner.territory.problem",
    "TerritoryRep": "planner.territory.problem",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


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
    "DEFAULT_TIMEZONE",
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
    "SkippedSweep",
    "SearchSetup",
    "SolveSettings",
    "SolverError",
    "Stop",
    "Totals",
    "Unvisited",
    "WorkCalendar",
    "format_hhmm",
    "parse_hhmm",
    "solve",
    "BatchError",
    "Branch",
    "BranchRep",
    "RepFailure",
    "RunConflictError",
    "RunReport",
    "RunStore",
    "run_branch",
]
