"""Solving off the event loop: a pool of solver processes, one per CPU by default.

Day plans and territory balances both run here.

The planner is CPU-bound and holds the GIL, so each solve runs in its own process and the
server's event loop keeps answering GETs. When a worker process dies (a crash inside the
native solver, the OOM killer), the request it was solving answers ``500 solver_crashed``,
the broken pool is replaced, and the server stays up.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from api.documents.balance import balance_document
from api.documents.day import InputError
from api.documents.replan import problem_document
from api.http.errors import InvalidInput, SolverFailed, Unavailable
from geo import TravelSource
from planner import DayProblem, PlannerError, ProblemError, SolveSettings, solve
from planner.routing import Changes, PlanSoFar, replan

log = logging.getLogger("ironroute.api")

SolveTarget = Callable[[DayProblem, SolveSettings, str | None], dict[str, Any]]


class WorkerError(Exception):
    """A planner error raised in a worker, carried back as plain (picklable) strings."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(kind, message)
        self.kind = kind
        self.message = message


def replan_in_worker(
    problem: DayProblem,
    previous: PlanSoFar,
    changes: Changes,
    settings: SolveSettings,
    plan_id: str | None,
) -> dict[str, Any]:
    """Re-plan the rest of a day (in a worker process): ``{"plan", "problem"}`` documents,
    the plan and the rest-of-day problem it answers."""
    try:
        out = replan(problem, previous, changes, settings=settings, plan_id=plan_id)
    except ProblemError as err:
        raise WorkerInputError([{"field": err.field, "message": err.message}]) from None
    except PlannerError as err:
        raise WorkerError(type(err).__name__, str(err)) from None
    return {"plan": out.plan.to_dict(), "problem": problem_document(out.problem)}


def solve_in_worker(
    problem: DayProblem, settings: SolveSettings, plan_id: str | None
) -> dict[str, Any]:
    """Plan ``problem`` (in a worker process) and return the plan document."""
    try:
        return solve(problem, settings=settings, plan_id=plan_id).to_dict()
    except PlannerError as err:
        raise WorkerError(type(err).__name__, str(err)) from None


class WorkerInputError(Exception):
    """Input errors found in a worker (``{"field", "message"}`` dicts), picklable."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def balance_in_worker(
    request: dict[str, Any], travel: TravelSource | None = None
) -> dict[str, Any]:
    """Balance territories (in a worker process) and return the response document."""
    try:
        return balance_document(request, travel)
    except InputError as err:
        raise WorkerInputError(err.errors) from None
    except PlannerError as err:
        raise WorkerError(type(err).__name__, str(err)) from None


def _timed(fn: Callable[..., dict[str, Any]], *args: Any) -> tuple[dict[str, Any], float]:
    """``fn(*args)`` and the seconds it took, measured in the worker."""
    began = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - began


def _warm() -> int:
    """Nothing: makes a worker start and import the planner before the first real solve."""
    return 0


class SolverPool:
    """A process pool for day plans that survives its workers' crashes.

    Parameters
    ----------
    workers
        Number of solver processes.
    max_in_flight
        Solves waiting or running at once; one more is refused with 503.
    target
        The function run in the worker (a module-level function, so it can be pickled).
    """

    def __init__(
        self, workers: int, *, max_in_flight: int, target: SolveTarget = solve_in_worker
    ) -> None:
        self.workers = workers
        self.max_in_flight = max_in_flight
        self.target = target
        self.in_flight = 0
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn: forking a process that runs threads (the server's) is unsafe
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def start(self) -> None:
        """Start every worker now (so the first request does not pay for it)."""
        with self._lock:
            if self._executor is None:
                self._executor = self._new_executor()
            executor = self._executor
        futures = [executor.submit(_warm) for _ in range(self.workers)]
        for f in futures:
            f.result()

    def shutdown(self) -> None:
        """Stop the workers (a solve still running is cancelled)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _submit(
        self, fn: Callable[..., Any], *args: Any
    ) -> tuple[ProcessPoolExecutor, Future[tuple[dict[str, Any], float]]]:
        with self._lock:
            if self._executor is None:
                self._executor = self._new_executor()
            executor = self._executor
            try:
                return executor, executor.submit(fn, *args)
            except BrokenProcessPool:
                self._executor = self._new_executor()
                return self._executor, self._executor.submit(fn, *args)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = self._new_executor()
        broken.shutdown(wait=False, cancel_futures=True)

    async def solve(
        self, problem: DayProblem, settings: SolveSettings, plan_id: str | None
    ) -> tuple[dict[str, Any], float]:
        """The plan of ``problem``, solved in a worker, and the worker's seconds on it;
        raises the API's errors on failure."""
        return await self.run(self.target, problem, settings, plan_id, what=f"rep {problem.rep.id}")

    async def run(
        self, fn: Callable[..., dict[str, Any]], *args: Any, what: str
    ) -> tuple[dict[str, Any], float]:
        """``fn(*args)`` in a worker and the seconds it took there (``what`` names the job
        in the log and in errors)."""
        if self.in_flight >= self.max_in_flight:
            raise Unavailable(
                f"{self.in_flight} jobs are being solved, the most this server queues; "
                "retry in a few seconds",
                code="solver_busy",
                headers={"Retry-After": "2"},
            )
        self.in_flight += 1
        try:
            executor, future = self._submit(_timed, fn, *args)
            try:
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                log.error("a solver process died while solving %s", what)
                self._replace(executor)
                raise SolverFailed(
                    "the solver process crashed while solving this problem; the server "
                    "replaced it and is still up. Retrying may work; if the same problem "
                    "crashes again, please report it with the problem attached",
                    code="solver_crashed",
                ) from None
            except WorkerInputError as err:
                raise InvalidInput(
                    f"invalid input: {', '.join(str(e['field']) for e in err.errors)}",
                    details=list(err.errors),
                ) from None
            except WorkerError as err:
                raise SolverFailed(
                    f"the solver failed: {err.message}", code="solver_error"
                ) from None
        finally:
            self.in_flight -= 1
