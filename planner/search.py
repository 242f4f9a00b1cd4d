"""How the routing engine searches: a frozen, echoed set-up.

Runs are reproducible: the set-up is echoed in every plan. A deterministic set-up stops
after a fixed number of solutions (work, not the clock), so the same problem gives the
same plan on any machine: OR-Tools routing has no seed, and a search stopped by
the clock is not repeatable, so deterministic mode bounds the search tree's branches.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

DETERMINISTIC_BRANCHES = 100_000
"""Work limit of the deterministic mode: about 1 s of search on a 50-lead day here."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchSetup:
    """First-solution strategy and metaheuristic names as in OR-Tools' enums."""

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    branch_limit: int | None = None

    def deterministic(self, branches: int = DETERMINISTIC_BRANCHES) -> SearchSetup:
        """The same search stopped after ``branches`` search branches instead of the clock.

        (A solution-count limit is not enough: guided local search on a tiny day can go on
        for minutes without another solution.)"""
        return replace(self, branch_limit=branches)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_SETUP = SearchSetup()
