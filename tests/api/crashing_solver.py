"""A solve target for the worker-crash tests: it kills its own process (as a segfault in
the native solver would) when the rep is called 'crash-me', hangs forever (as a stuck
native search would) when it is called 'hang-me', and plans normally otherwise."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from api.http.solver_pool import solve_in_worker
from planner import DayProblem, SolveSettings


def crash_or_solve(
    problem: DayProblem, settings: SolveSettings, plan_id: str | None
) -> dict[str, Any]:
    if problem.rep.id == "crash-me":
        os.kill(os.getpid(), signal.SIGSEGV)
    if problem.rep.id == "hang-me":
        time.sleep(3600)
    return solve_in_worker(problem, settings, plan_id)
