"""Where a batch run's solving happens: a local process pool, or an existing Dask cluster.

The planner takes any ``concurrent.futures.Executor``; this module makes the two the
service offers. The local pool has one process per CPU by default (each solve is
single-threaded and CPU-bound); with a scheduler address the work goes to that Dask
cluster through ``Client.get_executor()``. dask.distributed is imported here only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass

from api.runs.workers import process_pool


class ExecutorError(RuntimeError):
    """The executor asked for cannot be had (no scheduler at that address, say)."""


@dataclass(frozen=True, slots=True)
class Pool:
    """An open executor, what it is (for people) and how many jobs it runs at once."""

    executor: Executor
    description: str
    workers: int


def default_workers() -> int:
    """The CPUs this process may use (its affinity mask, not only the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def warm_up(pause_s: float = 0.0) -> int:
    """Import the solver in a worker (run once per worker before the first job); its pid."""
    import planner.runs.batch  # noqa: F401  (OR-Tools and the planner load here, not in job 1)

    time.sleep(pause_s)
    return os.getpid()


@contextmanager
def local_pool(workers: int | None = None, *, warm: bool = True, nice: int = 0) -> Iterator[Pool]:
    """A process pool of ``workers`` processes (default: one per CPU), ``nice`` added.

    Workers are started with ``spawn`` (``api.runs.workers.process_pool``) and die with this
    process. With ``warm`` every worker has imported the solver before the pool is handed
    out; call this from a thread that outlives the pool.
    """
    n = workers or default_workers()
    if n < 1:
        raise ExecutorError(f"workers must be at least 1, got {n}")
    with process_pool(n, nice=nice) as ex:
        if warm:  # one pausing task per worker, so that each worker gets one
            for fut in [ex.submit(warm_up, 0.2) for _ in range(n)]:
                fut.result()
        yield Pool(ex, f"local process pool, {n} worker{'s' * (n != 1)}", n)


@contextmanager
def dask_pool(address: str, *, timeout_s: float = 10.0) -> Iterator[Pool]:
    """The executor of the Dask cluster whose scheduler listens at ``address``.

    Raises
    ------
    ExecutorError
        If no scheduler answers at ``address`` within ``timeout_s`` seconds.
    """
    from distributed import Client

    try:
        client = Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise ExecutorError(f"no Dask scheduler at {address}: {err}") from err
    try:
        client.run(warm_up)
        threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
        n = max(1, threads)
        yield Pool(
            client.get_executor(pure=False),
            f"Dask cluster at {address}, {n} worker thread{'s' * (n != 1)}",
            n,
        )
    finally:
        client.close()


@contextmanager
def open_pool(
    scheduler: str | None = None, workers: int | None = None, *, nice: int = 0
) -> Iterator[Pool]:
    """The Dask cluster at ``scheduler`` if given, else a local pool of ``workers``
    (``nice`` added to the local processes)."""
    if scheduler is not None:
        if workers is not None:
            raise ExecutorError(
                "--workers sizes the local pool; a Dask cluster's workers are set where it runs"
            )
        with dask_pool(scheduler) as pool:
            yield pool
    else:
        with local_pool(workers, nice=nice) as pool:
            yield pool
