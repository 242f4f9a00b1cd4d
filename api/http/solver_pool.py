"""Solving off the event loop: a pool of solver processes, one per CPU by default.

Day plans and territory balances both run here.

The planner is CPU-bound and holds the GIL, so each solve runs in its own process, at a
lower CPU priority (``IRONROUTE_SOLVER_NICE``), and the server's event loop keeps answering
GETs while every core solves. When a worker process dies (a crash inside the native solver,
the OOM killer), the request it was solving answers ``500 solver_crashed``; a solve still
running ``IRONROUTE_SOLVER_GRACE_S`` past the longest time limit is killed and answers
``500 solver_timeout``. Either way the broken pool is replaced and the server stays up.
Workers die with the server, however it ends (``api.runs.workers``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from api.documents.balance import balance_document
from api.documents.day import InputError
from api.documents.replan import problem_document
from api.http.errors import InvalidInput, SolverFailed, Unavailable
from api.runs.workers import call_with_deadline, process_pool
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


def _timed(
    deadline_s: float | None, fn: Callable[..., dict[str, Any]], *args: Any
) -> tuple[dict[str, Any], float]:
    """``fn(*args)`` and the seconds it took, measured in the worker; past ``deadline_s``
    the worker process is ended."""
    began = time.perf_counter()
    result = fn(*args) if deadline_s is None else call_with_deadline(deadline_s, fn, *args)
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
    nice
        Niceness added to each worker (0 keeps the server's priority).
    deadline_s
        A job still running after this many seconds is killed with its worker (None: never).
    """

    def __init__(
        self,
        workers: int,
        *,
        max_in_flight: int,
        target: SolveTarget = solve_in_worker,
        nice: int = 0,
        deadline_s: float | None = None,
    ) -> None:
        self.workers = workers
        self.max_in_flight = max_in_flight
        self.target = target
        self.nice = nice
        self.deadline_s = deadline_s
        self.in_flight = 0
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        # workers are spawned from this long-lived thread: the kernel's parent-death signal
        # fires when the spawning *thread* exits, and a request thread may exit any time
        self._spawner: ThreadPoolExecutor | None = None
        self._warming: Future[None] | None = None

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn (in process_pool): forking a process that runs threads (the server's) is unsafe
        executor = process_pool(self.workers, nice=self.nice)
        if self._spawner is None:
            self._spawner = ThreadPoolExecutor(1, thread_name_prefix="ironroute-spawner")
        self._warming = self._spawner.submit(self._spawn_all, executor)
        return executor

    def _spawn_all(self, executor: ProcessPoolExecutor) -> None:
        """Start every worker of ``executor`` (each warm-up job finds no idle worker)."""
        try:
            futures = [executor.submit(_warm) for _ in range(self.workers)]
        except (BrokenProcessPool, RuntimeError):  # replaced or shut down meanwhile
            return
        for f in futures:
            with contextlib.suppress(Exception):
                f.result()

    def start(self) -> None:
        """Start every worker now (so the first request does not pay for it)."""
        with self._lock:
            if self._executor is None:
                self._executor = self._new_executor()
            warming = self._warming
        if warming is not None:
            warming.result()

    def worker_pids(self) -> list[int]:
        """The process ids of the current workers (for operators and tests)."""
        with self._lock:
            executor = self._executor
        processes = getattr(executor, "_processes", None) or {}
        return sorted(int(pid) for pid in processes)

    def shutdown(self) -> None:
        """Stop the workers (a solve still running is cancelled)."""
        with self._lock:
            executor, self._executor = self._executor, None
            spawner, self._spawner = self._spawner, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if spawner is not None:
            spawner.shutdown(wait=True)

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
            began = time.monotonic()
            executor, future = self._submit(_timed, self.deadline_s, fn, *args)
            try:
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                self._replace(executor)
                # the worker's own clock killed it: the job ran (and waited) past the deadline
                if self.deadline_s is not None and time.monotonic() - began >= self.deadline_s:
                    log.error("a solver process was killed at %.0f s on %s", self.deadline_s, what)
                    raise SolverFailed(
                        f"solving took longer than {self.deadline_s:g} s, the hard limit of "
                        "this server, so the solver process was stopped; the server replaced "
                        "it and is still up. A shorter time_limit_s or a smaller problem may "
                        "go through",
                        code="solver_timeout",
                    ) from None
                log.error("a solver process died while solving %s", what)
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
