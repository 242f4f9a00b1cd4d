"""Day routing: one rep's day problem, the OR-Tools route optimizer and the day plan it answers.

``objective`` holds the day plan's priorities; every evaluator (the routing model, ruin and
recreate, the re-timing repair) weighs a plan through it.

The re-planner's names (``_replan``) load on first use (PEP 562), so a morning plan does
not import it. Its module is private: a public ``replan`` module would shadow the lazy
``replan`` function once imported (the import system sets the package's attribute).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.lazy import lazy_exports
from planner.routing.plan import RULE_CODES, DayPlan, Issue, Stop, Totals, Unvisited
from planner.routing.problem import DayProblem, Lead, Rep, WorkCalendar
from planner.routing.search_setup import DEFAULT_SETUP, SearchSetup
from planner.routing.solve import DEFAULT_TIME_LIMIT_S, SolveSettings, solve

if TYPE_CHECKING:
    from planner.routing._replan import (
        Changes,
        Overrun,
        PlanSoFar,
        RemovedWindow,
        Replanned,
        replan,
    )

# name -> the module that defines it, imported on first access
_LAZY = {
    "Changes": "planner.routing._replan",
    "Overrun": "planner.routing._replan",
    "PlanSoFar": "planner.routing._replan",
    "RemovedWindow": "planner.routing._replan",
    "Replanned": "planner.routing._replan",
    "replan": "planner.routing._replan",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


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
