"""The executors at the edge: a local process pool and a Dask cluster give the same plans."""

from __future__ import annotations

from typing import Any

import pytest
from distributed import LocalCluster

from api.documents.branch import parse_branch, with_options
from api.runs.executors import ExecutorError, dask_pool, default_workers, local_pool, open_pool
from planner import DEFAULT_SETUP, SolveSettings
from planner.demo.branch import make_branch
from planner.runs.batch import run_branch
from tests.planner.memory_store import MemoryRunStore

QUICK = SolveSettings(setup=DEFAULT_SETUP.deterministic(3_000))


def _comparable(store: MemoryRunStore) -> dict[str, Any]:
    """Every plan without its timings (the only fields that depend on the machine's load)."""
    out = {}
    for rep_id, plan in store.plans.items():
        doc = plan.to_dict()
        doc["solver"] = {k: v for k, v in doc["solver"].items() if "seconds" not in k}
        out[rep_id] = doc
    return out


def test_a_local_pool_and_a_dask_cluster_make_identical_plans_in_deterministic_mode() -> None:
    doc = with_options(make_branch(seed=11, n_reps=4, leads_per_rep=(12, 18)), deterministic=True)
    branch = parse_branch(doc)
    stores = []
    with local_pool(2) as pool:
        assert pool.workers == 2
        stores.append(MemoryRunStore())
        run_branch(branch, run_id="same", executor=pool.executor, store=stores[-1], settings=QUICK)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        dask_pool(cluster.scheduler_address) as pool,
    ):
        assert pool.workers == 2 and "Dask" in pool.description
        stores.append(MemoryRunStore())
        report = run_branch(
            branch, run_id="same", executor=pool.executor, store=stores[-1], settings=QUICK
        )
    assert report.planned == 4 and not report.failures
    local, dask = (_comparable(s) for s in stores)
    assert sorted(local) == ["r01", "r02", "r03", "r04"]
    assert local == dask


def test_the_local_pool_has_one_worker_per_cpu_by_default() -> None:
    with local_pool() as pool:
        assert pool.workers == default_workers() >= 1


def test_no_scheduler_at_an_address_is_a_clear_error() -> None:
    with (
        pytest.raises(ExecutorError, match="no Dask scheduler at tcp://127.0.0.1:9"),
        dask_pool("tcp://127.0.0.1:9", timeout_s=1),
    ):
        pass


def test_workers_with_a_scheduler_is_refused() -> None:
    with (
        pytest.raises(ExecutorError, match="--workers sizes the local pool"),
        open_pool("tcp://127.0.0.1:9", workers=2),
    ):
        pass
