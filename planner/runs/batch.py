"""The morning run: plan every rep of a branch in parallel, resumably, on a passed-in executor.

A :class:`Branch` is split into one :class:`~planner.routing.problem.DayProblem` per rep; each is
solved by :func:`plan_job` on a worker of the ``concurrent.futures.Executor`` the caller
passes in (a local process pool, a Dask cluster's executor, …), and every finished plan is
handed to the :class:`RunStore` as soon as it arrives. A rep that fails (bad data, a solver
error, a lost worker) is recorded for that rep and the run goes on. Running a run id again
skips the reps the store already holds a plan for. No I/O or clock here: the store, the
executor and the observer come from the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from dataclasses import dataclass, replace
from typing import Protocol

from planner.errors import PlannerError
from planner.routing.plan import DayPlan
from planner.routing.problem import DayProblem
from planner.routing.search_setup import DEFAULT_SETUP
from planner.routing.solve import SolveSettings, solve
from planner.runs.branch import (
    Branch,
    BranchRep,
    RepFailure,
    SweepRecord,
    building_index,
    day_problem,
)
from planner.runs.second_pass import PlanOutline, better, offers, second_problem
from planner.runs.sweeps import BranchProblems, branch_problems

BATCH_TIME_LIMIT_S = 0.5
"""Default per-rep search limit of a batch run: 1,000 reps × 40 leads took 6.6 minutes on two
shared cores (``bench/batch.py``); a rep's own ``options.time_limit_s`` still wins."""
BATCH_DETERMINISTIC_BRANCHES = 20_000
"""Work limit of a batch rep in deterministic mode: 150 rounds of ruin and recreate, then the
local search's share of these branches (about 0.5 s on a 40-lead day here, half the single
plan's deterministic work)."""
BATCH_SETTINGS = SolveSettings(
    default_time_limit_s=BATCH_TIME_LIMIT_S,
    setup=replace(DEFAULT_SETUP, lns_rounds=150).deterministic(BATCH_DETERMINISTIC_BRANCHES),
)
"""Solve settings of a batch rep. The work limit only applies to reps in deterministic mode
(``options.deterministic``); the others stop at their time limit."""

_PLAN_IDS = uuid.UUID("5b0c1f8e-6f1e-4a55-9d3c-2b7f0e6a9c41")


class BatchError(PlannerError, RuntimeError):
    """The run cannot go on at all (its executor broke); reps not yet planned stay pending."""


class RunConflictError(PlannerError, ValueError):
    """A run id is given again with another branch (raised by a store's ``begin_run``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanJob:
    """One unit of work for a worker: a rep's day problem and the plan id to give it."""

    rep_id: str
    problem: DayProblem
    plan_id: str
    settings: SolveSettings = BATCH_SETTINGS


@dataclass(frozen=True, slots=True, kw_only=True)
class RepOutcome:
    """What became of one rep in this pass: a plan, a failure, or skipped (planned before)."""

    rep_id: str
    plan: DayPlan | None = None
    problem: DayProblem | None = None
    failure: RepFailure | None = None
    skipped: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    """The result of one pass over a run: counts of this pass and every failure."""

    run_id: str
    total: int
    planned: int
    skipped: int
    failures: tuple[RepFailure, ...]
    replanned: int = 0
    """Reps planned again in the second pass (offered a building its owner left unswept)."""
    recovered: int = 0
    """Buildings those re-plans sweep (each would have been swept by no one)."""

    @property
    def pending(self) -> int:
        return self.total - self.planned - self.skipped - len(self.failures)


class RunStore(Protocol):
    """Where a run's plans and failures go, one rep at a time, as they finish."""

    def begin_run(self, run_id: str, branch: Branch) -> None:
        """Register the run (idempotent for the same branch; refuse another branch)."""
        ...

    def planned_reps(self, run_id: str) -> set[str]:
        """Ids of the reps of the run that already have a stored plan."""
        ...

    def save_plan(self, run_id: str, problem: DayProblem, plan: DayPlan) -> None:
        """Store a rep's plan atomically: visible whole or not at all."""
        ...

    def save_failure(self, run_id: str, failure: RepFailure) -> None:
        """Record why a rep has no plan (replacing an earlier failure of that rep)."""
        ...

    def plan_outlines(self, run_id: str) -> Mapping[str, PlanOutline]:
        """The current plan of every planned rep of the run, outlined (for the second pass)."""
        ...

    def replace_plan(
        self, run_id: str, problem: DayProblem, plan: DayPlan, *, replaces: str
    ) -> None:
        """Make ``plan`` (with its ``problem``) the rep's plan of the run in place of the plan
        ``replaces``, atomically; nothing if the rep's plan is no longer ``replaces``."""
        ...

    def finish_run(self, run_id: str, report: RunReport) -> None:
        """Called once a pass has handled every rep (not after a stopped pass)."""
        ...


Observer = Callable[[RepOutcome], None]


def plan_id_for(run_id: str, rep_id: str, *, second: bool = False) -> str:
    """The plan id of a rep in a run: the same on every pass, unique across runs
    (``second``: the id of the rep's second-pass plan, which replaces the first)."""
    key = f"{run_id}\x1f{rep_id}" + ("\x1fsecond" if second else "")
    return str(uuid.uuid5(_PLAN_IDS, key))


def plan_job(job: PlanJob) -> DayPlan | RepFailure:
    """Solve one job on a worker: the plan, or the rep's failure (never raises for the rep)."""
    settings = job.settings
    if not job.problem.options.deterministic and settings.setup.branch_limit is not None:
        settings = replace(settings, setup=replace(settings.setup, branch_limit=None))
    try:
        return solve(job.problem, settings=settings, plan_id=job.plan_id)
    except PlannerError as err:
        return RepFailure(rep_id=job.rep_id, code="solver_error", message=str(err))
    except Exception as err:  # a bug or a broken library is this rep's failure, not the run's
        return RepFailure(
            rep_id=job.rep_id, code="solver_error", message=f"{type(err).__name__}: {err}"
        )


def run_branch(
    branch: Branch,
    *,
    run_id: str,
    executor: Executor,
    store: RunStore,
    settings: SolveSettings = BATCH_SETTINGS,
    max_in_flight: int = 64,
    observe: Observer | None = None,
    stop: Callable[[], bool] | None = None,
    sweep_history: Iterable[SweepRecord] = (),
) -> RunReport:
    """Plan every rep of ``branch`` not yet planned in run ``run_id``; store each as it ends.

    Parameters
    ----------
    branch : Branch
        The branch's day.
    run_id : str
        The run; a second call with the same id plans only the reps without a stored plan
        (failed reps are tried again).
    executor : concurrent.futures.Executor
        Where the solving happens (a process pool, a Dask client's executor); the jobs and
        :func:`plan_job` must be picklable for it, which they are.
    store : RunStore
        Receives every plan and failure in the calling thread, as each rep finishes.
    settings : SolveSettings
        The per-rep solve settings (default: :data:`BATCH_SETTINGS`). Its work limit
        (``setup.branch_limit``) applies to the reps in deterministic mode only; the others
        search for their time limit.
    max_in_flight : int
        Jobs handed to the executor at once (a killed run loses at most these).
    observe : callable, optional
        Called with each :class:`RepOutcome` (skipped reps first), e.g. to show progress.
    stop : callable, optional
        Asked before each job is handed out; once it returns True no more are, the jobs in
        flight are collected, and the reps not reached stay pending (a clean shutdown).
    sweep_history : iterable of SweepRecord
        Sweeps of the branch's earlier days the caller keeps (a store), beside the branch's
        own ``sweep_history``: buildings swept within ``branch.sweep_cooldown_days`` before
        its date are not swept again.

    Every building is swept by at most one rep: before any rep is planned, the branch's
    sweeps are assigned (:func:`planner.runs.sweeps.assign_sweeps`, from the whole branch,
    so every pass and every pool agrees), and each rep's day problem lists the buildings in
    its reach it must leave alone (``skipped_sweeps``, echoed in its plan). Once every rep
    has a plan, a second pass (:mod:`planner.runs.second_pass`) offers each contested
    building its owner left unswept to one rep that lost it, plans those reps again with the
    building released, and replaces a rep's plan (``store.replace_plan``) only when the
    re-plan sweeps it, keeps the rep's other sweeps and ranks at least as high. The second
    pass is decided from the stored plans, so a resumed run ends with the same plans.

    Returns
    -------
    RunReport
        Counts of this pass and every failure.

    Raises
    ------
    BatchError
        If the executor broke (a worker process died, say); the jobs in flight are recorded
        as ``worker_lost`` and every rep not planned stays pending for a later pass.
    RunConflictError
        If the store refuses the run (the id belongs to another branch).
    """
    if max_in_flight < 1:
        raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
    store.begin_run(run_id, branch)
    done = store.planned_reps(run_id)
    planned = skipped = 0
    failures: list[RepFailure] = []

    def record(outcome: RepOutcome) -> None:
        nonlocal planned, skipped
        if outcome.skipped:
            skipped += 1
        elif outcome.plan is not None and outcome.problem is not None:
            store.save_plan(run_id, outcome.problem, outcome.plan)
            planned += 1
        elif outcome.failure is not None:
            store.save_failure(run_id, outcome.failure)
            failures.append(outcome.failure)
        if observe is not None:
            observe(outcome)

    for rep_id in branch.rep_ids:
        if rep_id in done:
            record(RepOutcome(rep_id=rep_id, skipped=True))
    for failure in branch.rejected:
        if failure.rep_id not in done:
            record(RepOutcome(rep_id=failure.rep_id, failure=failure))

    split = branch_problems(branch, sweep_history)
    in_flight: dict[Future[DayPlan | RepFailure], PlanJob] = {}
    stopped = False
    try:
        for job in _jobs(split, run_id, settings, done, record):
            while len(in_flight) >= max_in_flight:
                _collect(in_flight, record)
            if stop is not None and stop():
                stopped = True
                break
            in_flight[executor.submit(plan_job, job)] = job
        while in_flight:
            _collect(in_flight, record)
    except BrokenExecutor as err:
        for job in in_flight.values():
            message = f"the worker planning this rep was lost ({type(err).__name__}: {err})"
            record(RepOutcome(rep_id=job.rep_id, failure=_lost(job, message)))
        raise BatchError(f"run {run_id!r} stopped: the executor broke: {err}") from err
    second = _SecondPass(replanned=0, recovered=0, complete=False)
    if not stopped:
        second = _second_pass(
            split,
            run_id,
            settings,
            executor=executor,
            store=store,
            max_in_flight=max_in_flight,
            stop=stop,
        )
    report = RunReport(
        run_id=run_id,
        total=len(branch.rep_ids),
        planned=planned,
        skipped=skipped,
        failures=tuple(failures),
        replanned=second.replanned,
        recovered=second.recovered,
    )
    if report.pending == 0 and second.complete:
        store.finish_run(run_id, report)
    return report


@dataclass(frozen=True, slots=True, kw_only=True)
class _SecondPass:
    replanned: int
    recovered: int
    complete: bool
    """False when stopped before every offer was decided (the run is not finished)."""


def _second_pass(
    split: BranchProblems,
    run_id: str,
    settings: SolveSettings,
    *,
    executor: Executor,
    store: RunStore,
    max_in_flight: int,
    stop: Callable[[], bool] | None,
) -> _SecondPass:
    """Offer each building its owner left unswept to a rep that lost it; re-plan those reps.

    Runs only once every rep with a valid day problem has a plan (else a later pass, which
    tries the failed reps again, does it). A rep whose plan is already its second-pass plan
    (an interrupted earlier pass) is counted, not planned again."""
    outlines = store.plan_outlines(run_id)
    if any(p.rep.id not in outlines for p in split.problems):
        return _SecondPass(replanned=0, recovered=0, complete=True)
    offer = offers(split.assignment, split.problems, outlines, split.sites)
    by_rep = {p.rep.id: p for p in split.problems}
    replanned = recovered = 0
    jobs: list[PlanJob] = []
    for rep_id in offer.reps:
        plan_id = plan_id_for(run_id, rep_id, second=True)
        released = offer.released[rep_id]
        if outlines[rep_id].plan_id == plan_id:
            replanned += 1
            recovered += len(outlines[rep_id].swept & set(released))
            continue
        problem = second_problem(by_rep[rep_id], offer)
        jobs.append(PlanJob(rep_id=rep_id, problem=problem, plan_id=plan_id, settings=settings))
    in_flight: dict[Future[DayPlan | RepFailure], PlanJob] = {}

    def decide(job: PlanJob, result: DayPlan | RepFailure) -> None:
        nonlocal replanned, recovered
        if isinstance(result, RepFailure):  # the first plan stands
            return
        before, after = outlines[job.rep_id], PlanOutline.of(result)
        released = offer.released[job.rep_id]
        if better(job.problem, before, after, released):
            store.replace_plan(run_id, job.problem, result, replaces=before.plan_id)
            replanned += 1
            recovered += len(after.swept & set(released))

    try:
        for job in jobs:
            while len(in_flight) >= max_in_flight:
                _settle(in_flight, decide)
            if stop is not None and stop():
                while in_flight:
                    _settle(in_flight, decide)
                return _SecondPass(replanned=replanned, recovered=recovered, complete=False)
            in_flight[executor.submit(plan_job, job)] = job
        while in_flight:
            _settle(in_flight, decide)
    except BrokenExecutor as err:
        raise BatchError(f"run {run_id!r} stopped in its second pass: {err}") from err
    return _SecondPass(replanned=replanned, recovered=recovered, complete=True)


def _settle(
    in_flight: dict[Future[DayPlan | RepFailure], PlanJob],
    decide: Callable[[PlanJob, DayPlan | RepFailure], None],
) -> None:
    """Wait for at least one second-pass job and decide every finished one (a job the
    executor could not run keeps the rep's first plan)."""
    finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
    for fut in finished:
        job = in_flight.pop(fut)
        try:
            result = fut.result()
        except BrokenExecutor:
            raise
        except Exception as err:  # noqa: BLE001 - the first plan stands
            result = _lost(job, f"{type(err).__name__}: {err}")
        decide(job, result)


def _jobs(
    split: BranchProblems,
    run_id: str,
    settings: SolveSettings,
    done: set[str],
    record: Callable[[RepOutcome], None],
) -> Iterator[PlanJob]:
    """The jobs of the split branch (sweeps assigned over every rep, planned or not); a rep
    whose day problem is invalid is recorded, not sent."""
    for failure in split.failures:
        if failure.rep_id not in done:
            record(RepOutcome(rep_id=failure.rep_id, failure=failure))
    for problem in split.problems:
        rep_id = problem.rep.id
        if rep_id in done:
            continue
        yield PlanJob(
            rep_id=rep_id, problem=problem, plan_id=plan_id_for(run_id, rep_id), settings=settings
        )


def _collect(
    in_flight: dict[Future[DayPlan | RepFailure], PlanJob], record: Callable[[RepOutcome], None]
) -> None:
    """Wait for at least one job and record every finished one."""
    finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
    for fut in finished:
        job = in_flight.pop(fut)
        try:
            result = fut.result()
        except BrokenExecutor:
            in_flight[fut] = job  # recorded as lost by the caller, with the others in flight
            raise
        except Exception as err:  # the executor could not run the job (a worker died, …)
            message = f"the executor failed this rep: {type(err).__name__}: {err}"
            record(RepOutcome(rep_id=job.rep_id, failure=_lost(job, message)))
            continue
        if isinstance(result, RepFailure):
            record(RepOutcome(rep_id=job.rep_id, failure=result))
        else:
            record(RepOutcome(rep_id=job.rep_id, plan=result, problem=job.problem))


def _lost(job: PlanJob, message: str) -> RepFailure:
    return RepFailure(rep_id=job.rep_id, code="worker_lost", message=message)


__all__ = [
    "BATCH_DETERMINISTIC_BRANCHES",
    "BATCH_SETTINGS",
    "BATCH_TIME_LIMIT_S",
    "BatchError",
    "Branch",
    "BranchRep",
    "Observer",
    "PlanJob",
    "PlanOutline",
    "RepFailure",
    "RepOutcome",
    "RunConflictError",
    "RunReport",
    "RunStore",
    "SweepRecord",
    "building_index",
    "day_problem",
    "plan_id_for",
    "plan_job",
    "run_branch",
]
