"""Territory balancing: split a branch's lead pool among its reps, fairly and compactly.

``objective`` holds what each rule and goal costs; the seed, the local search and the
report all weigh an assignment through it.
"""

from planner.territory.allocation import Allocation, BalanceMetrics, RepLoad
from planner.territory.balance import balance
from planner.territory.problem import BalanceOptions, BalanceProblem, PoolLead, TerritoryRep

__all__ = [
    "Allocation",
    "BalanceMetrics",
    "BalanceOptions",
    "BalanceProblem",
    "PoolLead",
    "RepLoad",
    "TerritoryRep",
    "balance",
]
