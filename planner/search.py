"""How the routing engine searches: a frozen, echoed set-up.

Runs are reproducible: the set-up is echoed in every plan. A deterministic set-up stops
after a fixed number of solutions (work, not the clock), so the same problem gives the
same plan on any machine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

DETERMINISTIC_SOLUTIONS = 400
"""Work limit of the deterministic mode: about as much search as the default 1 s."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchSetup:
    """First-solution strategy and metaheuristic names as in OR-Tools' enums."""

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    solution_limit: int | None = None

    def deterministic(self, solutions: int = DETERMINISTIC_SOLUTIONS) -> SearchSetup:
        """The same search stopped after ``solutions`` solutions instead of the clock."""
        return replace(self, solution_limit=solutions)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_SETUP = SearchSetup()
