"""Solver processes die with their parent: `ironroute serve` and `ironroute run` killed with
SIGKILL (mid-solve) leave no child process behind; workers run at the lower priority."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil

from planner.demo.branch import make_branch
from tests.api.test_restart import _free_port, crm_key

IRONROUTE = str(Path(sys.executable).with_name("ironroute"))


def _children(pid: int) -> list[psutil.Process]:
    """Every descendant of ``pid`` (workers, and multiprocessing's resource tracker)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_for_children(pid: int, n: int, timeout_s: float = 120) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        workers = [c for c in _children(pid) if "resource_tracker" not in " ".join(c.cmdline())]
        if len(workers) >= n:
            return _children(pid)
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} worker processes appeared")


def _assert_all_gone(children: list[psutil.Process], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(_alive(c) for c in children):
        time.sleep(0.05)
    alive = [c.pid for c in children if _alive(c)]
    for pid in alive:  # leave nothing behind, then fail
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"child processes outlived their parent: {alive}"


@contextmanager
def _killed_at_exit(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def test_a_server_killed_with_sigkill_mid_solve_leaves_no_solver_process(
    tmp_path: Path, small_problem_doc: dict[str, Any]
) -> None:
    env = {**os.environ, "IRONROUTE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    key = crm_key(env, tmp_path)
    port = _free_port()
    args = ["serve", "--port", str(port), "--solver-workers", "2", "--log-level", "warning"]
    server = subprocess.Popen(
        [IRONROUTE, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    with _killed_at_exit(server):
        children = _wait_for_children(server.pid, 2)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not become ready"
            time.sleep(0.1)
        for worker in _children(server.pid):
            if "resource_tracker" not in " ".join(worker.cmdline()):
                assert worker.nice() >= psutil.Process(server.pid).nice() + 10
        long_solve = {**small_problem_doc, "options": {"time_limit_s": 8}}
        headers = {"Authorization": f"Bearer {key}"}

        def post() -> None:
            with contextlib.suppress(httpx.TransportError):  # the server is killed under it
                httpx.post(base + "/v1/plans", json=long_solve, headers=headers, timeout=30)

        poster = threading.Thread(target=post, daemon=True)
        poster.start()
        time.sleep(1.5)  # a worker is now inside the solver
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        _assert_all_gone(children)
        poster.join(timeout=30)


def test_a_batch_run_killed_with_sigkill_mid_run_leaves_no_worker_process(tmp_path: Path) -> None:
    doc = make_branch(seed=21, n_reps=8, leads_per_rep=(10, 14))
    doc["options"] = {"time_limit_s": 3}
    path = tmp_path / "branch.json"
    path.write_text(json.dumps(doc))
    run = subprocess.Popen(
        [IRONROUTE, "run", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}", "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with _killed_at_exit(run):
        children = _wait_for_children(run.pid, 2)
        time.sleep(2.0)  # workers warmed up and solving
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        _assert_all_gone(children)
